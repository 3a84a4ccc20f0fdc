"""The security controls dashboard: the control figures that are metrics today, and a
marked place for the ones whose controls have not landed yet.

Today that is storage (REG-4.1.1: each data volume's free space and the data set folders not
as planned, from `rampart storage status`) and the access review (REG-6.2.3): `rampart
report access` publishes each host's drift count. The firewall (REG-4.2.4) exports no
metric yet; antivirus, encryption at rest and the security audit get their panels here
when their roles export theirs, and never before (every metric a dashboard names must be
produced by something).
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
    """Storage and access drift per host, how fresh the review is; room for the others."""
    free = (
        bargauge.Panel()
        .title("Free space on each host's data volume")
        .datasource(DATASOURCE)
        .with_target(
            query(
                "min by (instance) (rampart_storage_volume_free_bytes"
                " / rampart_storage_volume_size_bytes)",
                "{{instance}}",
                instant=True,
            )
        )
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(thresholds("red", (0.05, "yellow"), (0.2, "green")))
        .orientation(common.VizOrientation.HORIZONTAL)
    )
    folders = (
        bargauge.Panel()
        .title("Data set folders: entries not as their class says (owner, group, mode, open)")
        .datasource(DATASOURCE)
        .with_target(
            query(
                "sum by (instance, data_set) (rampart_storage_data_set_problems)",
                "{{instance}} {{data_set}}",
                instant=True,
            )
        )
        .min(0)
        .decimals(0)
        .thresholds(thresholds("green", (1, "red")))
        .orientation(common.VizOrientation.HORIZONTAL)
    )
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
        .row("Storage (REG-4.1.1)")
        .line(8, (free, 12), (folders, 12))
        .row("Access control (REG-6.2.3)")
        .line(8, (drift, 12), (review_age, 12))
        .row("Firewall, antivirus, encryption, audit")
        .line(7, (note("Still to come", LATER), 24))
    )
    board = new_dashboard(
        "security-controls",
        "security controls",
        "The security controls' figures that are metrics today.",
        ["security", "REG-4.1.1", "REG-6.2.3"],
        "now-7d",
        time_zone,
    )
    return layout.apply(board)
