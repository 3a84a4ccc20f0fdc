"""Ansible filter `rampart_runbook_links`: a rule file with every runbook_url made absolute.

`lookup('ansible.builtin.file', rules) | rampart_runbook_links(base_url)`; the one rewrite is
rampart.monitoring.runbook_links (docs/monitoring.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rampart.monitoring.runbook_links import absolute_runbook_links


class FilterModule:
    """The filters of this file."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        """Name -> function, as Ansible asks for them."""
        return {"rampart_runbook_links": absolute_runbook_links}
