"""Restore a snapshot into scratch space and prove it: what the drill and the restore share.

A snapshot of a data class restores under `<scratch>/<run>/<class>/restore` (restic
restores under `--target`, never over live data). Every file is then checked against the
manifest taken at backup time (count, size, sha256). Each database dump of the snapshot
can be loaded into a scratch database, its row counts compared with the dump and the
catalog's checks run on it; the caller drops that database or, for a restore, puts it in
place of the live one.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rampart.backup import postgres
from rampart.backup.config import BackupConfig
from rampart.backup.manifest import DatabaseEntry, Manifest, Verification, verify_tree
from rampart.backup.restic import Snapshot
from rampart.backup.runner import manifest_path
from rampart.errors import BackupError
from rampart.journal import Journal


class MismatchError(BackupError):
    """What restored differs from the manifest or the dump."""

    reason = "mismatch"


@dataclass(frozen=True)
class VerifiedSnapshot:
    """A snapshot restored into scratch space and checked against its manifest."""

    restored: Path
    manifest: Manifest
    verification: Verification


@dataclass
class DatabaseCheck:
    """A dump loaded into a scratch database: its row counts, mismatches and check answers."""

    tables: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)


def new_run_id() -> str:
    """A run's id: UTC time and a random suffix, sortable and safe in file and database names."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "_" + uuid.uuid4().hex[:6]


def selected_classes(config: BackupConfig, data_class: str | None) -> list[str]:
    """Every data class of the host, or the one asked for if the host has it."""
    classes = [data_class] if data_class else config.data_classes
    unknown = set(classes) - set(config.data_classes)
    if unknown:
        raise BackupError(f"no data class {sorted(unknown)[0]!r} on {config.host}", reason="usage")
    return classes


def raise_on_mismatches(data_class: str, mismatches: list[str]) -> None:
    """One line naming the count and the first mismatch, if there is any."""
    if mismatches:
        raise MismatchError(f"{data_class}: {len(mismatches)} mismatch(es), first: {mismatches[0]}")


def raise_on_nothing_verified(data_class: str, files_verified: int, databases: int) -> None:
    """A drill that verified no file and no database proved nothing: one line, a failure."""
    if files_verified == 0 and databases == 0:
        raise BackupError(
            f"{data_class}: 0 files and no database verified: the snapshot proves nothing"
            " (is the data set empty, or outside the backup's paths?)",
            reason="nothing_verified",
        )


def prepare_scratch(config: BackupConfig, run_id: str, data_class: str) -> Path:
    """Create `<scratch>/<run>/<class>/restore` (root only); returns the class's folder.

    The folders above the class's are 0711 whatever the caller's umask (a hardened host's
    logins have 027): PostgreSQL's account must pass through them to its dump copy."""
    config.scratch_dir.mkdir(parents=True, exist_ok=True)
    scratch = config.scratch_dir / run_id / data_class
    (config.scratch_dir / run_id).mkdir(exist_ok=True)
    scratch.mkdir()
    for folder in (config.scratch_dir, config.scratch_dir / run_id, scratch):
        folder.chmod(0o711)
    (scratch / "restore").mkdir(mode=0o700)
    return scratch


def read_manifest(
    config: BackupConfig, data_class: str, restored: Path, snapshot_id: str
) -> Manifest:
    """The manifest that came back with the snapshot; a snapshot without one is a mismatch."""
    manifest_file = manifest_path(config, data_class)
    try:
        text = (restored / str(manifest_file).lstrip("/")).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MismatchError(
            f"snapshot {snapshot_id[:8]} holds no manifest", reason="manifest_missing"
        ) from None
    return Manifest.from_json(text, str(manifest_file))


def restore_and_verify(
    config: BackupConfig, data_class: str, snapshot: Snapshot, scratch: Path, journal: Journal
) -> VerifiedSnapshot:
    """Restore the snapshot under `scratch/restore` and check every file of its manifest.

    Mismatches are returned, not raised: the drill reports them all, the restore stops.
    """
    restored = scratch / "restore"
    summary = config.repository.restore(snapshot.id, restored)
    journal.write(
        "restore_finished",
        data_class=data_class,
        files=summary.files_restored,
        bytes=summary.bytes_restored,
    )
    manifest = read_manifest(config, data_class, restored, snapshot.id)
    ignored = [str(manifest_path(config, data_class))]
    verification = verify_tree(manifest, restored, ignore=ignored)
    journal.write(
        "files_verified",
        data_class=data_class,
        files=verification.files_verified,
        bytes=verification.bytes_verified,
        expected_files=len(manifest.files),
        mismatches=verification.mismatches,
    )
    return VerifiedSnapshot(restored, manifest, verification)


def load_scratch_database(
    database: DatabaseEntry,
    restored: Path,
    scratch: Path,
    scratch_database: str,
    *,
    as_dumped: bool = False,
) -> DatabaseCheck:
    """Load the snapshot's dump of `database` into `scratch_database` and check it.

    The row count of every table is compared with the dump and the catalog's checks are
    run. `as_dumped` keeps the dump's owners and privileges (a real restore); without it
    the drill needs none of the host's roles. The caller drops the database afterwards.
    """
    work = scratch / "databases"
    work.mkdir(mode=0o700, exist_ok=True)
    shutil.chown(work, postgres.POSTGRES_USER)
    dump = restored / database.dump.lstrip("/")
    copy = work / dump.name
    shutil.copyfile(dump, copy)
    shutil.chown(copy, postgres.POSTGRES_USER)
    postgres.restore_scratch(copy, scratch_database, as_dumped=as_dumped)
    result = DatabaseCheck(tables=postgres.row_counts(scratch_database, sorted(database.tables)))
    for table, expected in sorted(database.tables.items()):
        if result.tables.get(table) != expected:
            result.mismatches.append(
                f"rows differ: {database.name}.{table} ({result.tables.get(table)} != {expected})"
            )
    for sql in database.checks:
        result.checks[f"{database.name}: {sql}"] = postgres.query(scratch_database, sql)
    return result
