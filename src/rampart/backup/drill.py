"""`rampart backup drill`: restore a snapshot into scratch space and prove it byte for byte.

For each data class of the host: pick a snapshot (the latest, or a random one within a
window), restore it under the scratch folder (never over live data), check every file
against the manifest taken at backup time (count, size, sha256), restore each database
dump into a scratch database and compare the row count of every table with the dump, run
the catalog's checks on it, then remove the scratch data. RTO (restore plus verify), RPO
(snapshot age), what was verified and every mismatch become `rampart_drill_*` metrics and
lines in a JSON-lines journal. SIGTERM stops the drill, removes its scratch data and
records "interrupted".
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rampart.backup import postgres
from rampart.backup.config import BackupConfig
from rampart.backup.journal import Journal
from rampart.backup.manifest import Manifest
from rampart.backup.restic import Snapshot
from rampart.backup.runner import TAG, class_tag
from rampart.backup.scratch import (
    load_scratch_database,
    new_run_id,
    prepare_scratch,
    raise_on_mismatches,
    restore_and_verify,
    selected_classes,
)
from rampart.backup.state import host_lock
from rampart.errors import BackupError
from rampart.interrupts import raised_on_signals
from rampart.textfile import Family, render, write_atomically

TEXTFILE_NAME = "rampart_drill.prom"


class DrillInterruptedError(BackupError):
    """The drill got SIGTERM (or SIGINT); scratch data is removed before it exits."""

    exit_code = 130
    reason = "interrupted"


@dataclass
class ClassResult:
    """The outcome of the drill of one data class."""

    data_class: str
    outcome: str = "failed"
    reason: str = ""
    snapshot_id: str = ""
    rpo_seconds: float = 0.0
    rto_seconds: float = 0.0
    files_verified: int = 0
    bytes_verified: int = 0
    mismatches: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)


def choose_snapshot(
    snapshots: list[Snapshot], pick: str, window_days: int, now: datetime
) -> Snapshot:
    """The latest snapshot, or (pick="random") a random one no older than the window."""
    if not snapshots:
        raise BackupError("no snapshot to drill", reason="no_snapshot")
    if pick == "latest":
        return snapshots[-1]
    recent = [s for s in snapshots if s.time >= now - timedelta(days=window_days)]
    return random.choice(recent or snapshots[-1:])  # noqa: S311 - a sample, not a secret


def check_databases(
    manifest: Manifest,
    restored: Path,
    scratch: Path,
    run_id: str,
    result: ClassResult,
    journal: Journal,
) -> None:
    """Load each dump into a scratch database, compare row counts, run the checks, drop it."""
    for database in manifest.databases:
        scratch_database = f"rampart_drill_{database.name}_{run_id}"[:63]
        journal.record("database_restore_started", database=database.name, scratch=scratch_database)
        try:
            checked = load_scratch_database(database, restored, scratch, scratch_database)
            result.mismatches += checked.mismatches
            result.checks.update(checked.checks)
            journal.record(
                "database_checked",
                database=database.name,
                tables=checked.tables,
                checks=result.checks,
            )
        finally:
            postgres.drop_scratch(scratch_database)


def drill_class(
    config: BackupConfig, result: ClassResult, pick: str, run_id: str, journal: Journal
) -> None:
    """Restore and verify one data class's snapshot in scratch space; always clean up.

    Fills `result` as it goes, so a failure still reports what was verified.
    """
    data_class = result.data_class
    now = datetime.now(UTC)
    snapshots = config.repository.snapshots([TAG, class_tag(data_class)])
    snapshot = choose_snapshot(snapshots, pick, config.drill_window_days, now)
    result.snapshot_id = snapshot.id
    result.rpo_seconds = (now - snapshot.time).total_seconds()
    scratch = config.scratch_dir / run_id / data_class
    journal.record(
        "restore_started",
        data_class=data_class,
        snapshot=snapshot.id,
        scratch=str(scratch),
        rpo_seconds=result.rpo_seconds,
    )
    started = time.monotonic()
    try:
        scratch = prepare_scratch(config, run_id, data_class)
        verified = restore_and_verify(config, data_class, snapshot, scratch, journal)
        result.files_verified = verified.verification.files_verified
        result.bytes_verified = verified.verification.bytes_verified
        result.mismatches += verified.verification.mismatches
        check_databases(verified.manifest, verified.restored, scratch, run_id, result, journal)
        result.rto_seconds = time.monotonic() - started
        raise_on_mismatches(data_class, result.mismatches)
        result.outcome, result.reason = "passed", ""
    finally:
        if result.rto_seconds == 0.0:
            result.rto_seconds = time.monotonic() - started
        shutil.rmtree(config.scratch_dir / run_id, ignore_errors=True)
        journal.record("scratch_removed", data_class=data_class, scratch=str(scratch))


def drill_families(results: dict[str, dict[str, Any]]) -> list[Family]:
    """The `rampart_drill_*` families of the last drill of every data class."""
    gauges = [
        ("last_run_timestamp_seconds", "last_run", "When the last drill of the data class ended."),
        ("last_success_timestamp_seconds", "last_success", "When a drill last passed."),
        ("success", "success", "1 if the last drill passed, 0 if it failed or was interrupted."),
        ("rto_seconds", "rto_seconds", "Restore plus verify time of the last drill."),
        ("rpo_seconds", "rpo_seconds", "Age of the drilled snapshot when the drill began."),
        ("verified_files", "files_verified", "Files that matched the manifest in the last drill."),
        ("verified_bytes", "bytes_verified", "Bytes that matched the manifest in the last drill."),
        ("mismatches", "mismatches", "Files, sizes, hashes or row counts that did not match."),
    ]
    families = []
    for suffix, key, help_text in gauges:
        family = Family(f"rampart_drill_{suffix}", help_text)
        for data_class, result in sorted(results.items()):
            if key in result:
                family.add(result[key], data_class=data_class)
        families.append(family)
    outcome = Family(
        "rampart_drill_outcome_info", "The last drill's outcome and, when it failed, why."
    )
    for data_class, result in sorted(results.items()):
        outcome.add(1, data_class=data_class, outcome=result["outcome"], reason=result["reason"])
    families.append(outcome)
    return families


def publish(config: BackupConfig, results: dict[str, dict[str, Any]]) -> None:
    """Keep the per-class results and write the drill's textfile atomically."""
    write_atomically(config.state_dir / "drill.json", json.dumps(results, indent=1), 0o600)
    write_atomically(config.textfile_dir / TEXTFILE_NAME, render(drill_families(results)))


def load_results(config: BackupConfig) -> dict[str, dict[str, Any]]:
    """The last drill result per data class."""
    try:
        loaded: dict[str, dict[str, Any]] = json.loads(
            (config.state_dir / "drill.json").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ValueError):
        return {}
    return loaded


def run_drill(
    config: BackupConfig, pick: str = "latest", data_class: str | None = None
) -> list[ClassResult]:
    """Drill every data class of the host (or one); raise when any did not pass."""
    classes = selected_classes(config, data_class)
    run_id = new_run_id()
    journal = Journal(config.journal, run_id, config.host)
    outcomes: list[ClassResult] = []
    first_error: BackupError | None = None

    # The exception unwinds through `subprocess.run`, which kills the running restic, and
    # through the cleanup blocks.
    def stopped(name: str) -> DrillInterruptedError:
        return DrillInterruptedError(f"drill stopped by signal {name}")

    with raised_on_signals(stopped), host_lock(config):
        journal.record("drill_started", pick=pick, classes=classes, pid=os.getpid())
        results = load_results(config)
        for name in classes:
            if isinstance(first_error, DrillInterruptedError):
                break
            outcome = ClassResult(name)
            try:
                drill_class(config, outcome, pick, run_id, journal)
            except BackupError as error:
                outcome.outcome = (
                    "interrupted" if isinstance(error, DrillInterruptedError) else "failed"
                )
                outcome.reason = error.reason
                first_error = first_error or error
                journal.record(
                    "drill_class_failed", data_class=name, reason=error.reason, error=str(error)
                )
            outcomes.append(outcome)
            previous = results.get(name, {})
            results[name] = {
                "last_run": time.time(),
                "success": 1 if outcome.outcome == "passed" else 0,
                "outcome": outcome.outcome,
                "reason": outcome.reason,
                "rto_seconds": outcome.rto_seconds,
                "rpo_seconds": outcome.rpo_seconds,
                "files_verified": outcome.files_verified,
                "bytes_verified": outcome.bytes_verified,
                "mismatches": len(outcome.mismatches),
                "snapshot": outcome.snapshot_id,
            }
            if outcome.outcome == "passed":
                results[name]["last_success"] = time.time()
            elif "last_success" in previous:
                results[name]["last_success"] = previous["last_success"]
            journal.record(
                "drill_class_finished",
                data_class=name,
                **results[name],
                mismatch_list=outcome.mismatches[:50],
                checks=outcome.checks,
            )
        publish(config, results)
        journal.record(
            "drill_finished",
            outcome="passed"
            if first_error is None
            else ("interrupted" if isinstance(first_error, DrillInterruptedError) else "failed"),
        )
    if first_error is not None:
        raise first_error
    return outcomes
