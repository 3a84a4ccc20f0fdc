"""The security controls dashboard: the control figures that are metrics today, and a
marked place for the ones whose controls have not landed yet.

Today that is the access review (REG-6.2.3): `rampart report access` publishes each host's
drift count. The firewall (REG-4.2.4) exports no metric yet; antivirus, encryption at rest
and the security audit get their panels here when their roles export theirs, and never
before (every metric a dashboard names must be produced by something).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, dashboard
from grafana_foundation_sdk.models import common

from rampart.monitoring.dashboards.backups import DAY_SECONDS
from rampart.monitoring.dashboards.panels import (
    DATASOURCE,
    Layout,
    new_dashboard,
    note,
    query,
    thresholds,
)

LATER = """\
Panels for these controls land with the metrics their roles export:

- **Firewall** (REG-4.2.4): ruleset drift and blocked attempts
- **Antivirus** (REG-4.2.4): signature age, last scan, infections found
- **Encryption at rest** (REG-4.2.2): sensitive data sets mounted encrypted
- **Security audit** (REG-4.2.3): AIDE changes, audit findings
"""


def dashboard_of_security(time_zone: str) -> dashboard.Dashboard:
    """Access drift per host and how fresh the review is; room for the other controls."""
    drift = (
        bargauge.Panel()
        .title("Access drift findings per host (accounts, keys, sudo beyond the directory)")
        .datasource(DATASOURCE)
        .with_target(
            query("max by (instance) (rampart_access_drift_findings)", "{{instance}}", instant=True)
        )
        .min(0)
        .decimals(0)
        .thresholds(thresholds("green", (1, "red")))
        .orientation(common.VizOrientation.HORIZONTAL)
    )
    review_age = (
        bargauge.Panel()
        .title("Age of the last access review per host")
        .datasource(DATASOURCE)
        .with_target(
            query(
                "time() - max by (instance) (rampart_access_review_timestamp_seconds)",
                "{{instance}}",
                instant=True,
            )
        )
        .unit("s")
        .min(0)
        .thresholds(thresholds("green", (7 * DAY_SECONDS, "yellow"), (31 * DAY_SECONDS, "red")))
        .orientation(common.VizOrientation.HORIZONTAL)
    )
    layout = (
        Layout()
        .row("Access control (REG-6.2.3)")
        .line(8, (drift, 12), (review_age, 12))
        .row("Firewall, antivirus, encryption, audit")
        .line(7, (note("Still to come", LATER), 24))
    )
    board = new_dashboard(
        "security-controls",
        "security controls",
        "The security controls' figures that are metrics today.",
        ["security", "REG-6.2.3"],
        "now-7d",
        time_zone,
    )
    return layout.apply(board)
