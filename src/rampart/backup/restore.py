"""`rampart backup restore`: put a host's data back from its backups, in place.

For each data class (or one): restore its latest snapshot (or a chosen one) into scratch
space and verify every file against the manifest taken at backup time, load each database
dump into a scratch database and run the catalog's checks on it, as the drill does. Only
then is live data touched. Each backed-up path is swapped for its restored tree (the live
content kept as `<path>.before-restore-<stamp>`), each database for its scratch database
(the live one kept as `<db>_before_restore_<stamp>`). A failure before the swap leaves
live data untouched. SIGTERM or SIGINT removes the scratch data and scratch databases and
leaves each path and database either untouched or fully swapped. Every step is a line in
the restore journal.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rampart.backup import postgres, swap
from rampart.backup.config import BackupConfig
from rampart.backup.journal import Journal
from rampart.backup.restic import Snapshot
from rampart.backup.runner import TAG, class_tag
from rampart.backup.scratch import (
    MismatchError,
    VerifiedSnapshot,
    load_scratch_database,
    new_run_id,
    prepare_scratch,
    raise_on_mismatches,
    restore_and_verify,
    selected_classes,
)
from rampart.backup.state import host_lock
from rampart.errors import BackupError
from rampart.interrupts import raised_on_signals, signals_deferred


class RestoreInterruptedError(BackupError):
    """The restore got SIGTERM (or SIGINT); scratch data is removed before it exits."""

    exit_code = 130
    reason = "interrupted"


@dataclass
class RestoreResult:
    """What the restore of one data class did."""

    data_class: str
    snapshot_id: str = ""
    files_verified: int = 0
    bytes_verified: int = 0
    seconds: float = 0.0
    kept: list[str] = field(default_factory=list)


def check_arguments(
    config: BackupConfig, data_class: str | None, snapshot_id: str | None
) -> list[str]:
    """The classes to restore; a snapshot can only be chosen for one class."""
    if snapshot_id and not data_class:
        raise BackupError("--snapshot needs --data-class (a snapshot is one class)", reason="usage")
    return selected_classes(config, data_class)


def pick_snapshot(snapshots: list[Snapshot], wanted: str | None, data_class: str) -> Snapshot:
    """The latest of the class's snapshots (oldest first), or the one whose id starts so."""
    matches = [s for s in snapshots if wanted is None or s.id.startswith(wanted)]
    if not matches:
        which = f"snapshot {wanted}" if wanted else "snapshot"
        raise BackupError(f"no {which} of data class {data_class}", reason="no_snapshot")
    if wanted is not None and len(matches) > 1:
        raise BackupError(f"snapshot id {wanted} is ambiguous, give more of it", reason="usage")
    return matches[-1]


def restored_trees(
    config: BackupConfig, data_class: str, verified: VerifiedSnapshot
) -> dict[Path, Path]:
    """Each live path of the class and its restored tree; all must be in the snapshot."""
    trees = {}
    for data_set in config.data_sets_of(data_class):
        for path in data_set.paths:
            restored = verified.restored / path.lstrip("/")
            if not os.path.lexists(restored):
                raise MismatchError(f"{data_class}: the snapshot holds no {path}")
            trees[Path(path)] = restored
    return trees


def swap_paths(trees: dict[Path, Path], stamp: str, journal: Journal) -> list[str]:
    """Bring every restored tree beside its live path, then swap each in; what is kept.

    Live paths are touched only once every tree is beside its path (a copy across
    filesystems can fail); each swap is held together against signals.
    """
    incoming: dict[Path, Path] = {}
    kept = []
    try:
        for live, restored in trees.items():
            incoming[live] = swap.bring_beside(restored, live, stamp)
        for live, tree in incoming.items():
            with signals_deferred():
                kept_at = swap.swap_in(tree, live, stamp)
                journal.record("path_swapped", path=str(live), kept=str(kept_at or ""))
            if kept_at is not None:
                kept.append(str(kept_at))
    finally:
        for tree in incoming.values():
            swap.remove(tree)
    return kept


def swap_databases(scratch_databases: dict[str, str], stamp: str, journal: Journal) -> list[str]:
    """Swap each scratch database in for its live one; the names the live ones are kept as.

    A swapped name leaves `scratch_databases`, so what remains there is left to drop.
    """
    kept = []
    for live, scratch_database in list(scratch_databases.items()):
        kept_as = swap.kept_database(live, stamp)
        with signals_deferred():
            existed = postgres.swap_database(scratch_database, live, kept_as)
            del scratch_databases[live]
            journal.record("database_swapped", database=live, kept=kept_as if existed else "")
        if existed:
            kept.append(kept_as)
    return kept


def restore_class(
    config: BackupConfig,
    result: RestoreResult,
    snapshot_id: str | None,
    run_id: str,
    journal: Journal,
) -> None:
    """Restore one class in place: scratch, verify, check databases, then swap; fills
    `result` and always removes the scratch data."""
    started = time.monotonic()
    data_class = result.data_class
    snapshots = config.repository.snapshots([TAG, class_tag(data_class)])
    snapshot = pick_snapshot(snapshots, snapshot_id, data_class)
    result.snapshot_id = snapshot.id
    stamp = swap.restore_stamp(datetime.now(UTC))
    journal.record("restore_started", data_class=data_class, snapshot=snapshot.id, stamp=stamp)
    scratch_databases: dict[str, str] = {}
    try:
        scratch = prepare_scratch(config, run_id, data_class)
        verified = restore_and_verify(config, data_class, snapshot, scratch, journal)
        raise_on_mismatches(data_class, verified.verification.mismatches)
        result.files_verified = verified.verification.files_verified
        result.bytes_verified = verified.verification.bytes_verified
        trees = restored_trees(config, data_class, verified)
        for database in verified.manifest.databases:
            scratch_databases[database.name] = f"rampart_restore_{database.name}_{run_id}"[:63]
            checked = load_scratch_database(
                database,
                verified.restored,
                scratch,
                scratch_databases[database.name],
                as_dumped=True,
            )
            raise_on_mismatches(data_class, checked.mismatches)
            journal.record(
                "database_checked",
                database=database.name,
                tables=checked.tables,
                checks=checked.checks,
            )
        result.kept += swap_paths(trees, stamp, journal)
        result.kept += swap_databases(scratch_databases, stamp, journal)
    finally:
        for scratch_database in scratch_databases.values():
            postgres.drop_scratch(scratch_database)
        shutil.rmtree(config.scratch_dir / run_id, ignore_errors=True)
        result.seconds = time.monotonic() - started
        journal.record("scratch_removed", data_class=data_class)


def run_restore(
    config: BackupConfig,
    data_class: str | None = None,
    snapshot_id: str | None = None,
    on_restored: Callable[[RestoreResult], None] = lambda _result: None,
) -> list[RestoreResult]:
    """Restore every data class of the host (or one), each in turn; stop at the first
    failure, whose error says which class and why (what was restored before stays)."""
    classes = check_arguments(config, data_class, snapshot_id)
    run_id = new_run_id()
    journal = Journal(config.restore_journal, run_id, config.host)
    results: list[RestoreResult] = []

    # The exception unwinds through `subprocess.run`, which stops the running command,
    # and through the cleanup blocks; swaps hold it off until they are whole.
    def stopped(name: str) -> RestoreInterruptedError:
        return RestoreInterruptedError(f"restore interrupted by signal {name}")

    with raised_on_signals(stopped), host_lock(config):
        journal.record("run_started", classes=classes, snapshot=snapshot_id, pid=os.getpid())
        for name in classes:
            result = RestoreResult(name)
            try:
                restore_class(config, result, snapshot_id, run_id, journal)
            except BackupError as error:
                journal.record("run_finished", outcome=error.reason, error=str(error))
                raise
            journal.record("class_restored", data_class=name, kept=result.kept)
            results.append(result)
            on_restored(result)
        journal.record("run_finished", outcome="restored")
    return results
