"""Ansible lookup `rampart_plan`: the Rampart plan of hosts, read from the play's inventory.

It loads and validates the inventory directory the play runs with (`ansible_inventory_sources`)
once per process and inventory state, and returns each named host's plan as plain data
(docs/plan.md). An invalid inventory fails the task with the validator's one-line errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from rampart.errors import ConfigError
from rampart.inventory import Inventory, load_inventory
from rampart.plan import host_plan, plan_data
from rampart.plan.role_values import with_role_values

DOCUMENTATION = """
name: rampart_plan
short_description: The Rampart plan of hosts (docs/plan.md)
description:
  - Loads and validates the play's inventory directory once per process, and returns the
    plan of each host named in the terms as plain data.
  - Keyword arguments named like catalog variables (rampart_services, rampart_people, ...)
    replace the inventory's value, checked with the same schema; roles pass their
    interface variables this way.
options:
  _terms:
    description: Names of inventory hosts.
    required: true
"""

RETURN = """
_list:
  description: One plan (a mapping) per host named.
  type: list
  elements: dict
"""

_LOADED: dict[tuple[str, tuple[tuple[str, int], ...]], Inventory] = {}


def _state(directory: Path) -> tuple[tuple[str, int], ...]:
    """Every file of the inventory with its modification time: a changed file means a reload."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    return tuple((str(path), path.stat().st_mtime_ns) for path in files)


def _directory(sources: list[str]) -> Path:
    """The one inventory directory of the play (a hosts.yml source stands for its folder)."""
    directories = sorted(
        {str(Path(source) if Path(source).is_dir() else Path(source).parent) for source in sources}
    )
    if len(directories) != 1:
        found = ", ".join(directories) or "none"
        raise AnsibleError(f"rampart_plan reads one inventory directory; this play has {found}")
    return Path(directories[0])


def load(directory: Path) -> Inventory:
    """The validated inventory in `directory`, loaded again only when one of its files changed."""
    key = (str(directory.resolve()), _state(directory))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_inventory(directory)
    return _LOADED[key]


class LookupModule(LookupBase):  # type: ignore[misc]  # Ansible ships no type hints
    """`lookup('rampart_plan', inventory_hostname, rampart_services=firewall_services)`."""

    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        """Return the plan of every host named in `terms`."""
        sources = [str(source) for source in (variables or {}).get("ansible_inventory_sources", [])]
        try:
            inventory = load(_directory(sources))
            if kwargs:
                inventory = with_role_values(inventory, kwargs)
            return [plan_data(host_plan(inventory, str(host))) for host in terms]
        except ConfigError as error:
            problems = getattr(error, "problems", None)
            lines = [str(problem) for problem in problems] if problems else [str(error)]
            # One problem a line, each after a line break, so Ansible prints them whole.
            raise AnsibleError("\n".join(["", *lines])) from None
