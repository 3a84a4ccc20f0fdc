"""The backups and drills dashboard (REG-4.1.1, REG-4.2.5): how old each host's last good
backup is per data class, what the backup server holds, and whether restore drills prove
the backups restorable within the runbooks' recovery time objectives.

Restore times are held against the restore-drill runbook's `rto_seconds`. The metrics are
the backup runner's and the drill's textfiles (node_exporter, label
`instance` is the host) and the backup server's exporter (label `host`).
"""

from __future__ import annotations

from pathlib import Path

from grafana_foundation_sdk.builders import bargauge, dashboard, table
from grafana_foundation_sdk.models import common

from rampart.monitoring.dashboards.panels import (
    DATASOURCE,
    Layout,
    column,
    new_dashboard,
    over_limit,
    query,
    table_of,
    thresholds,
    up_down_mappings,
)
from rampart.runbook.load import load_runbook

RESTORE_DRILL = Path("runbooks/restore-drill.yml")
DAY_SECONDS = 86400
# Backups run daily; RampartBackupTooOld fires after two missed periods (rules/backup.yml).
AGE_THRESHOLDS = ((DAY_SECONDS, "yellow"), (2 * DAY_SECONDS, "red"))


def _ages(title: str, expression: str, legend: str) -> bargauge.Panel:
    """Ages as horizontal bars, yellow after a day, red after two."""
    return (
        bargauge.Panel()
        .title(title)
        .datasource(DATASOURCE)
        .with_target(query(expression, legend, instant=True))
        .unit("s")
        .min(0)
        .thresholds(thresholds("green", *AGE_THRESHOLDS))
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
    )


def _results(title: str, *targets: tuple[str, str, float | None]) -> table.Panel:
    """A table of the latest results per host and data class, one column per target
    `(name, expression, limit)`; a column with a limit turns red at it."""
    panel = table_of(title)
    for reference, (name, expression, limit) in zip("ABCDEF", targets, strict=False):
        panel = panel.with_target(query(expression, instant=True).ref_id(reference))
        unit = "none" if name in ("Passed", "Mismatches", "Succeeded") else "s"
        properties = column(name, unit, decimals=0)
        if limit is not None:
            properties += over_limit(limit)
        panel = panel.override_by_name(f"Value #{reference}", properties)
    return panel.mappings(up_down_mappings())


def restore_drill_rto_seconds() -> int:
    """The recovery time objective the restore-drill runbook promises."""
    return load_runbook(RESTORE_DRILL).rto_seconds


def dashboard_of_backups(time_zone: str) -> dashboard.Dashboard:
    """Backup age, results, repository state, drill results and recovery times."""
    backup_age = _ages(
        "Age of the last successful backup, per host and data class",
        "time() - max by (instance, data_class) (rampart_backup_last_success_timestamp_seconds)",
        "{{instance}} {{data_class}}",
    )
    repository_age = _ages(
        "Newest snapshot in the backup server's repository, per host",
        "max by (host) (rampart_backup_server_newest_snapshot_age_seconds)",
        "{{host}}",
    )
    backups = _results(
        "Last backup per host and data class",
        ("Succeeded", "max by (instance, data_class) (rampart_backup_success)", None),
        ("Took", "max by (instance, data_class) (rampart_backup_duration_seconds)", None),
    )
    drills = _results(
        "Last restore drill per host and data class",
        ("Passed", "max by (instance, data_class) (rampart_drill_success)", None),
        (
            f"Restore and verify (RTO, target {restore_drill_rto_seconds() // 60} min)",
            "max by (instance, data_class) (rampart_drill_rto_seconds)",
            restore_drill_rto_seconds(),
        ),
        (
            "Snapshot age (RPO, daily backups)",
            "max by (instance, data_class) (rampart_drill_rpo_seconds)",
            DAY_SECONDS,
        ),
        ("Mismatches", "max by (instance, data_class) (rampart_drill_mismatches)", 1),
    )
    layout = (
        Layout()
        .row("Backups (REG-4.1.1)")
        .line(8, (backup_age, 12), (repository_age, 12))
        .line(7, (backups, 24))
        .row("Restore drills (REG-4.2.5)")
        .line(7, (drills, 24))
    )
    board = new_dashboard(
        "backups-and-drills",
        "backups and drills",
        "Backup age per host and data class, restore drills and recovery times.",
        ["backup", "REG-4.1.1", "REG-4.2.5"],
        "now-7d",
        time_zone,
    )
    return layout.apply(board)
