"""The one restore-and-verify pipeline of the drill and the restore.

For each data class: choose a snapshot, restore it into scratch space, check every file
against the manifest taken at backup time, load each database dump into a scratch
database and check its row counts and the catalog's checks; then the ending: the drill has
none (it only proves the backup), the restore swaps the verified data in. Scratch data and
scratch databases are always removed. A run goes through the classes under the host's lock,
turns SIGTERM and SIGINT into `RecoveryInterruptedError`, and journals every step with the
events of `rampart.journal`.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from rampart.backup import postgres
from rampart.backup.config import BackupConfig
from rampart.backup.restic import Snapshot
from rampart.backup.runner import TAG, class_tag
from rampart.backup.scratch import (
    VerifiedSnapshot,
    load_scratch_database,
    new_run_id,
    prepare_scratch,
    raise_on_mismatches,
    raise_on_nothing_verified,
    restore_and_verify,
)
from rampart.backup.state import host_lock
from rampart.errors import BackupError
from rampart.interrupts import raised_on_signals
from rampart.journal import (
    FAILED,
    INTERRUPTED,
    RUN_FINISHED,
    RUN_STARTED,
    SUCCEEDED,
    Journal,
)


class RecoveryInterruptedError(BackupError):
    """A drill or restore got SIGTERM (or SIGINT); its scratch data is removed first."""

    exit_code = 130
    reason = "interrupted"


@dataclass
class ClassResult:
    """What the drill or the restore of one data class did, filled in as it goes (so a
    failure still reports what was verified)."""

    data_class: str
    status: str = FAILED
    cause: str = ""
    snapshot_id: str = ""
    rpo_seconds: float = 0.0
    seconds: float = 0.0  # restore, verify and the ending: the time to recover (RTO)
    files_verified: int = 0
    bytes_verified: int = 0
    mismatches: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    def journal_fields(self) -> dict[str, object]:
        """The result as `class_finished` journals it (the first 50 mismatches)."""
        fields = asdict(self)
        fields["snapshot"] = fields.pop("snapshot_id")
        fields["mismatches"] = self.mismatches[:50]
        return fields


# What happens to verified data: given the configuration, the data, the scratch databases
# by live name (a swapped one leaves the mapping), the journal and the result. The
# restore's swaps it in; the drill has none.
Ending = Callable[[BackupConfig, VerifiedSnapshot, dict[str, str], Journal, ClassResult], None]


def choose_snapshot(
    snapshots: list[Snapshot],
    data_class: str,
    *,
    wanted: str | None = None,
    pick: str = "latest",
    window_days: int = 0,
    now: datetime | None = None,
) -> Snapshot:
    """The snapshot to restore from the class's snapshots (oldest first): the one whose id
    starts with `wanted`, else the latest, else (pick="random") a random one no older than
    the window."""
    matches = [s for s in snapshots if wanted is None or s.id.startswith(wanted)]
    if not matches:
        which = f"snapshot {wanted}" if wanted else "snapshot"
        raise BackupError(f"no {which} of data class {data_class}", reason="no_snapshot")
    if wanted is not None and len(matches) > 1:
        raise BackupError(f"snapshot id {wanted} is ambiguous, give more of it", reason="usage")
    if pick == "latest" or wanted is not None:
        return matches[-1]
    since = (now or datetime.now(UTC)) - timedelta(days=window_days)
    recent = [s for s in matches if s.time >= since]
    return random.choice(recent or matches[-1:])  # noqa: S311 - a sample, not a secret


def recover_class(
    config: BackupConfig,
    result: ClassResult,
    snapshot: Snapshot,
    run_id: str,
    journal: Journal,
    ending: Ending | None,
) -> None:
    """Restore `snapshot` into scratch space, verify files and databases, then the ending;
    raises on the first problem (all mismatches are counted first) and always cleans up."""
    data_class = result.data_class
    operation = "restore" if ending else "drill"
    result.snapshot_id = snapshot.id
    result.rpo_seconds = (datetime.now(UTC) - snapshot.time).total_seconds()
    scratch = config.scratch_dir / run_id / data_class
    journal.write(
        "restore_started",
        data_class=data_class,
        snapshot=snapshot.id,
        scratch=str(scratch),
        rpo_seconds=result.rpo_seconds,
    )
    started = time.monotonic()
    scratch_databases: dict[str, str] = {}
    try:
        prepare_scratch(config, run_id, data_class)
        verified = restore_and_verify(config, data_class, snapshot, scratch, journal)
        result.files_verified = verified.verification.files_verified
        result.bytes_verified = verified.verification.bytes_verified
        result.mismatches += verified.verification.mismatches
        for database in verified.manifest.databases:
            scratch_database = f"rampart_{operation}_{database.name}_{run_id}"[:63]
            scratch_databases[database.name] = scratch_database
            journal.write(
                "database_restore_started", database=database.name, scratch=scratch_database
            )
            checked = load_scratch_database(
                database, verified.restored, scratch, scratch_database, as_dumped=bool(ending)
            )
            result.mismatches += checked.mismatches
            result.checks.update(checked.checks)
            journal.write(
                "database_checked",
                database=database.name,
                tables=checked.tables,
                checks=checked.checks,
            )
        raise_on_mismatches(data_class, result.mismatches)
        if ending is None:
            raise_on_nothing_verified(
                data_class, result.files_verified, len(verified.manifest.databases)
            )
        if ending is not None:
            ending(config, verified, scratch_databases, journal, result)
        result.seconds = time.monotonic() - started
        result.status, result.cause = SUCCEEDED, ""
    finally:
        if result.seconds == 0.0:
            result.seconds = time.monotonic() - started
        for scratch_database in scratch_databases.values():
            postgres.drop_scratch(scratch_database)
        shutil.rmtree(config.scratch_dir / run_id, ignore_errors=True)
        journal.write("scratch_removed", data_class=data_class, scratch=str(scratch))


def run_classes(
    config: BackupConfig,
    classes: list[str],
    choose: Callable[[list[Snapshot], str], Snapshot],
    ending: Ending | None,
    on_finished: Callable[[ClassResult], None],
    **started: object,
) -> list[ClassResult]:
    """Drill (no ending) or restore each class in turn under the host's lock, journalled.

    A drill goes on after a failed class, a restore stops there; an interruption stops
    both. `on_finished` sees every class's result; the first error is raised at the end."""
    operation = "restore" if ending else "drill"
    journal_path = config.restore_journal if ending else config.journal
    run_id = new_run_id()
    results: list[ClassResult] = []
    first_error: BackupError | None = None

    # The exception unwinds through `subprocess.run`, which kills the running command, and
    # through the cleanup blocks; a restore's swaps hold it off until they are whole.
    def stopped(name: str) -> RecoveryInterruptedError:
        return RecoveryInterruptedError(f"{operation} interrupted by signal {name}")

    with (
        raised_on_signals(stopped),
        host_lock(config),  # first: the journal is written by one run at a time
        Journal(journal_path, run=run_id, host=config.host) as journal,
    ):
        journal.write(RUN_STARTED, operation=operation, classes=classes, pid=os.getpid(), **started)
        for name in classes:
            result = ClassResult(name)
            failure = ""
            try:
                snapshots = config.repository.snapshots([TAG, class_tag(name)])
                recover_class(config, result, choose(snapshots, name), run_id, journal, ending)
            except BackupError as error:
                interrupted = isinstance(error, RecoveryInterruptedError)
                result.status = INTERRUPTED if interrupted else FAILED
                result.cause, failure = error.reason, str(error)
                first_error = first_error or error
            journal.write("class_finished", reason=failure, **result.journal_fields())
            results.append(result)
            on_finished(result)
            if first_error is not None and (ending or result.status == INTERRUPTED):
                break
        journal.write(
            RUN_FINISHED,
            status=SUCCEEDED
            if first_error is None
            else (INTERRUPTED if isinstance(first_error, RecoveryInterruptedError) else FAILED),
            reason=str(first_error or ""),
            cause=first_error.reason if first_error else "",
        )
    if first_error is not None:
        raise first_error
    return results
