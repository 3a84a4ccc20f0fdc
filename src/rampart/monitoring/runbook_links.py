"""Every `runbook_url` of a rule file made absolute, from the inventory's runbook_base_url.

The rule files in monitoring/rules name their runbook relative to the repository
(`runbooks/service-outage.yml`), so promtool, the tests and the generator of the
availability rules need no inventory. roles/monitoring_server installs them through this
rewrite: Prometheus, its alerts and the mails then carry `<runbook_base_url><file>`.
"""

from __future__ import annotations

import re

RUNBOOK_FOLDER = "runbooks/"
_RUNBOOK_URL = re.compile(r"^(?P<key>\s*runbook_url:\s*)runbooks/(?P<file>[^\s'\"]+)\s*$", re.M)


def absolute_runbook_links(text: str, base_url: str | None) -> str:
    """`text` with each `runbook_url: runbooks/<file>` as `<base_url><file>`; unchanged when
    there is no base URL (no rampart_alerting)."""
    if not base_url:
        return text
    return _RUNBOOK_URL.sub(lambda match: f"{match['key']}{base_url}{match['file']}", text)
