"""`rampart backup restore`: put a host's data back from its backups, in place.

For each data class (or one): restore its latest snapshot (or a chosen one) into scratch
space and verify every file against the manifest taken at backup time, load each database
dump into a scratch database and run the catalog's checks on it, as the drill does. Only
then is live data touched. Each backed-up path is swapped for its restored tree (the live
content kept as `<path>.before-restore-<stamp>`), each database for its scratch database
(the live one kept as `<db>_before_restore_<stamp>`). A failure before the swap leaves
live data untouched. SIGTERM or SIGINT removes the scratch data and scratch databases and
leaves each path and database either untouched or fully swapped. Every step is a line in
the restore journal. The pipeline is the drill's (`rampart.backup.recovery`), ending in
the swap.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rampart.backup import postgres, swap
from rampart.backup.config import BackupConfig
from rampart.backup.recovery import ClassResult, choose_snapshot, run_classes
from rampart.backup.restic import Snapshot
from rampart.backup.scratch import MismatchError, VerifiedSnapshot, selected_classes
from rampart.errors import BackupError
from rampart.interrupts import signals_deferred
from rampart.journal import SUCCEEDED, Journal


def check_arguments(
    config: BackupConfig, data_class: str | None, snapshot_id: str | None
) -> list[str]:
    """The classes to restore; a snapshot can only be chosen for one class."""
    if snapshot_id and not data_class:
        raise BackupError("--snapshot needs --data-class (a snapshot is one class)", reason="usage")
    return selected_classes(config, data_class)


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
                journal.write("path_swapped", path=str(live), kept=str(kept_at or ""))
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
            journal.write("database_swapped", database=live, kept=kept_as if existed else "")
        if existed:
            kept.append(kept_as)
    return kept


def swap_class_in(
    config: BackupConfig,
    verified: VerifiedSnapshot,
    scratch_databases: dict[str, str],
    journal: Journal,
    result: ClassResult,
) -> None:
    """The restore's ending: swap the verified trees, then the scratch databases, in."""
    stamp = swap.restore_stamp(datetime.now(UTC))
    trees = restored_trees(config, result.data_class, verified)
    result.kept += swap_paths(trees, stamp, journal)
    result.kept += swap_databases(scratch_databases, stamp, journal)


def run_restore(
    config: BackupConfig,
    data_class: str | None = None,
    snapshot_id: str | None = None,
    on_restored: Callable[[ClassResult], None] = lambda _result: None,
) -> list[ClassResult]:
    """Restore every data class of the host (or one), each in turn; stop at the first
    failure, whose error says which class and why (what was restored before stays)."""
    classes = check_arguments(config, data_class, snapshot_id)

    def choose(snapshots: list[Snapshot], name: str) -> Snapshot:
        return choose_snapshot(snapshots, name, wanted=snapshot_id)

    def finished(result: ClassResult) -> None:
        if result.status == SUCCEEDED:
            on_restored(result)

    return run_classes(config, classes, choose, swap_class_in, finished, snapshot=snapshot_id)
