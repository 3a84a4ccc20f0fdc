"""The controls matrix (issue 13, REG-4 to REG-9): each control the software can show, the
clause it serves, and the PromQL that says, per host, service or runbook, whether it holds.

Each control is one recording rule of `monitoring/rules/controls.yml` (this module's output,
`make rules`): `rampart_control_ok{clause, control, <scope>}` is 1 where the control holds
and 0 where it does not, so Prometheus keeps the matrix's history, a dashboard or alert
reads it like any metric, and `rampart report controls` reads it now. Absence is failure
where the fleet says what to expect: a host the plan backs up with no backup or drill
metric, a host node_exporter reports with no access review, is a 0, not a missing row.
"""

from __future__ import annotations

from dataclasses import dataclass

from rampart.monitoring.rules_yaml import render_group

CONTROL_METRIC = "rampart_control_ok"


def expected_backups_without(metric: str) -> str:
    """Each (host, data class) the plan backs up that has no `metric`, as a 0 with the host
    as `instance` (how the backup alerts see a host that never backed up)."""
    return (
        "  (\n"
        "    label_replace(\n"
        "      max by (host, data_class) (rampart_backup_expected_info),\n"
        '      "instance", "$1", "host", "(.*)"\n'
        "    ) * 0\n"
        f"    unless on (instance, data_class) {metric}\n"
        "  )\n"
    )


NODES = 'up{job="node"} * 0'
"""Each host node_exporter is scraped from, as a 0."""


@dataclass(frozen=True)
class Control:
    """One row kind of the matrix."""

    clause: str
    name: str
    scope: str
    """The label the result is per: `instance` (a host), `service` or `runbook`."""
    holds_when: str
    """The control in words, as the report states it."""
    evidence: str
    """The metrics it is read from, and who writes them."""
    expression: str
    """PromQL: 1 where the control holds, 0 where it does not, by `scope`."""


CONTROLS = (
    Control(
        "REG-4.1.1",
        "backup-fresh",
        "instance",
        "every data class the plan backs up on the host had a successful backup in the last 2 days",
        "rampart_backup_last_success_timestamp_seconds (the backup runner's textfile),"
        " rampart_backup_expected_info (the plan, on the monitoring host)",
        "min by (instance) (\n"
        "  (time() - rampart_backup_last_success_timestamp_seconds < bool 2 * 86400)\n"
        "  or on (instance, data_class)\n"
        + expected_backups_without("rampart_backup_last_success_timestamp_seconds")
        + ")\n",
    ),
    Control(
        "REG-4.2.5",
        "restore-drill",
        "instance",
        "the latest restore drill of every data class the plan backs up on the host"
        " restored it and verified it",
        "rampart_drill_success (the restore drill's textfile), rampart_backup_expected_info",
        "min by (instance) (\n"
        "  rampart_drill_success\n"
        "  or on (instance, data_class)\n"
        + expected_backups_without("rampart_drill_success")
        + ")\n",
    ),
    Control(
        "REG-4.1.1",
        "storage",
        "instance",
        "the host's data volume is a mount of its own with the inventory's options, every data"
        " set folder the plan manages there is reported and owned, grouped and opened as its"
        " class says, and these metrics are less than an hour old",
        "rampart_storage_volume_mounted, rampart_storage_volume_option,"
        " rampart_storage_data_set_problems, rampart_storage_last_check_timestamp_seconds"
        " (`rampart storage status` on the host), rampart_storage_expected_info (the plan, on"
        " the monitoring host)",
        "min by (instance) (\n"
        "  rampart_storage_volume_mounted\n"
        "  or rampart_storage_volume_option\n"
        "  or (sum by (instance, data_set, path) (rampart_storage_data_set_problems) == bool 0)\n"
        "  or (time() - rampart_storage_last_check_timestamp_seconds < bool 3600)\n"
        "  or on (instance, data_set)\n"
        "  (\n"
        "    label_replace(\n"
        "      max by (host, data_set) (rampart_storage_expected_info),\n"
        '      "instance", "$1", "host", "(.*)"\n'
        "    ) * 0\n"
        "    unless on (instance, data_set) rampart_storage_data_set_on_volume\n"
        "  )\n"
        ")\n",
    ),
    Control(
        "REG-4.2.4",
        "antivirus",
        "instance",
        "clamd answers, the signatures are within the inventory's age limit, and every data"
        " set the plan scans on the host was scanned whole within two scan intervals",
        "rampart_antivirus_scan_last_timestamp_seconds, rampart_antivirus_scan_success,"
        " rampart_antivirus_clamd_up, rampart_antivirus_signature_timestamp_seconds"
        " (`rampart antivirus scan` and `status` on the host), rampart_antivirus_expected_info"
        " (the plan, on the monitoring host)",
        "min by (instance) (\n"
        "  (\n"
        "    time() - rampart_antivirus_scan_last_timestamp_seconds\n"
        "    < bool on (instance) group_left 2 * rampart_antivirus_scan_interval_seconds\n"
        "  )\n"
        "  * on (instance, data_set) rampart_antivirus_scan_success\n"
        "  or on (instance, data_set)\n"
        "  (\n"
        "    label_replace(\n"
        "      max by (host, data_set) (rampart_antivirus_expected_info),\n"
        '      "instance", "$1", "host", "(.*)"\n'
        "    ) * 0\n"
        "    unless on (instance, data_set) rampart_antivirus_scan_last_timestamp_seconds\n"
        "  )\n"
        "  or rampart_antivirus_clamd_up\n"
        "  or (\n"
        '    time() - rampart_antivirus_signature_timestamp_seconds{database!~"main|bytecode"}\n'
        "    < bool on (instance) group_left rampart_antivirus_signature_max_age_seconds\n"
        "  )\n"
        ")\n",
    ),
    Control(
        "REG-6.2.3",
        "access-review",
        "instance",
        "the access review ran in the last 7 days and found no account, key or sudo right"
        " the people directory does not grant",
        "rampart_access_drift_findings, rampart_access_review_timestamp_seconds"
        " (`rampart report access`)",
        "min by (instance) (\n"
        "  (rampart_access_drift_findings == bool 0)\n"
        "  * on (instance) (time() - rampart_access_review_timestamp_seconds < bool 7 * 86400)\n"
        f"  or on (instance) ({NODES})\n"
        ")\n",
    ),
    Control(
        "REG-7.1.1",
        "monitored",
        "instance",
        "every exporter Prometheus scrapes on the host answers",
        "up (Prometheus' own scrape of each target)",
        "min by (instance) (up)\n",
    ),
    Control(
        "REG-7.1.1",
        "availability-objective",
        "service",
        "the service's availability over the last 30 days meets the catalog's objective",
        "service:rampart_availability:ratio_30d (the availability rules),"
        " rampart_availability_objective_ratio (the prober, from the catalog)",
        "service:rampart_availability:ratio_30d\n"
        "  >= bool on (service) max by (service) (rampart_availability_objective_ratio)\n",
    ),
    Control(
        "REG-9.2",
        "drill-passed",
        "runbook",
        "the runbook's last run, in the last 8 days (the drills are weekly), succeeded",
        "rampart_runbook_last_status, rampart_runbook_last_run_timestamp_seconds"
        " (the runbook runner's textfile on the drill host)",
        'max by (runbook) (rampart_runbook_last_status{status="succeeded"})\n'
        "  * on (runbook)\n"
        "  max by (runbook) (\n"
        "    time() - rampart_runbook_last_run_timestamp_seconds < bool 8 * 86400\n"
        "  )\n",
    ),
)

HEADER = """\
# GENERATED by src/rampart/monitoring/controls.py (`make rules`): edit that, not this.
# The controls matrix: rampart_control_ok{clause, control, <scope>} is 1 where a control of
# the regulation holds and 0 where it does not (`rampart report controls` reads it).
"""


def rules() -> list[dict[str, object]]:
    """One recording rule per control."""
    return [
        {
            "record": CONTROL_METRIC,
            "expr": control.expression,
            "labels": {"clause": control.clause, "control": control.name},
        }
        for control in CONTROLS
    ]


def render() -> str:
    """The whole rules file."""
    return render_group("rampart-controls", HEADER, rules())
