"""`rampart backup run` and `rampart backup check`: what the systemd timers start.

A run dumps the databases, writes a manifest per data class, backs each class up into its
own snapshot, applies the class's retention, then records the results as metrics. A file
written while restic read it (a mail spool taking a delivery) makes the snapshot disagree
with its manifest: that snapshot is forgotten and the class backed up again, at most
`ATTEMPTS` times. A check reads a subset of the pack data on its own schedule. Neither
ever removes a lock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rampart.backup import postgres
from rampart.backup.config import BackupConfig
from rampart.backup.manifest import (
    DatabaseEntry,
    Fingerprint,
    Manifest,
    changed_files,
    describe_files,
    fingerprint,
)
from rampart.backup.restic import EXIT_FATAL, ResticError
from rampart.backup.state import host_lock, load_state, save_state
from rampart.errors import BackupError
from rampart.textfile import write_atomically

TAG = "rampart"
ATTEMPTS = 3


def class_tag(data_class: str) -> str:
    """The tag of a data class's snapshots (retention and drills select by it)."""
    return f"rampart-class-{data_class}"


def manifest_path(config: BackupConfig, data_class: str) -> Path:
    """Where the manifest of a data class is written (and so where it restores)."""
    return config.manifest_dir / f"{data_class}.json"


def initialise(config: BackupConfig) -> bool:
    """Create the repository unless it is there; True when it was created."""
    with host_lock(config):
        if config.repository.exists():
            return False
        config.repository.init()
        return True


def dump_databases(config: BackupConfig) -> dict[str, DatabaseEntry]:
    """Dump every database data set of the host; the entries go into the manifests."""
    entries = {}
    for data_set in config.data_sets:
        if data_set.database is None:
            continue
        target = config.dump_dir / f"{data_set.name}.dump"
        postgres.dump(data_set.database.name, target)
        entries[data_set.name] = DatabaseEntry(
            data_set=data_set.name,
            name=data_set.database.name,
            dump=str(target),
            tables=postgres.tables_in_dump(target),
            checks=data_set.database.checks,
        )
    return entries


def build_manifest(
    config: BackupConfig, data_class: str, dumps: dict[str, DatabaseEntry]
) -> tuple[Manifest, list[str], Fingerprint]:
    """The manifest of one class, the paths its snapshot must hold and their fingerprint
    from just before they were hashed."""
    paths: list[str] = []
    databases = []
    for data_set in config.data_sets_of(data_class):
        paths += data_set.paths
        if data_set.name in dumps:
            databases.append(dumps[data_set.name])
            paths.append(dumps[data_set.name].dump)
    existing = [path for path in paths if Path(path).exists()]
    if len(existing) != len(paths):
        missing = sorted(set(paths) - set(existing))
        raise BackupError(f"data set paths missing: {', '.join(missing)}", reason="source_missing")
    files, before = describe_files(paths)
    manifest = Manifest(
        host=config.host,
        data_class=data_class,
        created=datetime.now(UTC).isoformat(),
        files=files,
        databases=databases,
    )
    return manifest, paths, before


def back_up_class(
    config: BackupConfig, data_class: str, dumps: dict[str, DatabaseEntry]
) -> dict[str, Any]:
    """Manifest, backup and retention of one data class; returns its result for the state.

    A snapshot taken while one of its files was written is forgotten and taken again; if
    files still change after `ATTEMPTS` tries, the last snapshot is kept (it is the newest
    copy there is) and the run fails as `source_changed`, naming the first such file.
    """
    target = manifest_path(config, data_class)
    tags = [TAG, class_tag(data_class)]
    for attempt in range(1, ATTEMPTS + 1):
        manifest, paths, before = build_manifest(config, data_class, dumps)
        write_atomically(target, manifest.to_json(), 0o600)
        summary = config.repository.backup([*paths, str(target)], tags)
        changed = changed_files(before, fingerprint(paths))
        if not changed:
            break
        if attempt == ATTEMPTS:
            raise BackupError(
                f"{data_class}: {len(changed)} file(s) changed while restic read them, "
                f"{ATTEMPTS} tries; first: {changed[0]}",
                reason="source_changed",
            )
        config.repository.forget_snapshot(summary.snapshot_id)
    keep = config.retention.get(data_class)
    if keep:
        config.repository.forget(tags, keep)
    snapshots = config.repository.snapshots(tags)
    return {
        "bytes_added": summary.bytes_added,
        "files": summary.files,
        "snapshots": len(snapshots),
        "snapshot_id": summary.snapshot_id,
    }


def record_locks(config: BackupConfig, state: dict[str, Any]) -> None:
    """Count the repository's locks and the oldest one's age; never remove one."""
    try:
        locks = config.repository.locks()
    except ResticError:
        return
    now = datetime.now(UTC)
    ages = [(now - lock.time).total_seconds() for lock in locks]
    state["locks"] = {"count": len(locks), "oldest_age": max(ages, default=0.0)}


def attempt_class(
    config: BackupConfig,
    data_class: str,
    dumps: dict[str, DatabaseEntry],
    dump_error: BackupError | None,
    previous: dict[str, Any],
) -> tuple[dict[str, Any], BackupError | None]:
    """Back up one class and describe the attempt, failed or not, for the state."""
    started = time.monotonic()
    error = dump_error
    result: dict[str, Any] = {}
    if error is None:
        try:
            result = back_up_class(config, data_class, dumps)
        except BackupError as failure:
            error = failure
    now = time.time()
    result.update(last_run=now, duration=time.monotonic() - started)
    if error is None:
        result.update(exit_status=0, reason="", last_success=now)
        return result, None
    result.update(exit_status=getattr(error, "exit_status", EXIT_FATAL), reason=error.reason)
    for key in ("last_success", "snapshots"):
        if key in previous:
            result[key] = previous[key]
    return result, error


def run_backup(config: BackupConfig) -> dict[str, Any]:
    """Back up every data class of the host; raise the first failure after recording all."""
    with host_lock(config):
        state = load_state(config)
        classes: dict[str, Any] = state.setdefault("classes", {})
        started = time.monotonic()
        dump_error: BackupError | None = None
        dumps: dict[str, DatabaseEntry] = {}
        try:
            dumps = dump_databases(config)
        except BackupError as error:
            dump_error = error
        dump_seconds = time.monotonic() - started
        failures: list[BackupError] = []
        for data_class in config.data_classes:
            result, failure = attempt_class(
                config, data_class, dumps, dump_error, classes.get(data_class, {})
            )
            result["duration"] += dump_seconds
            classes[data_class] = result
            if failure is not None:
                failures.append(failure)
        state["duration"] = time.monotonic() - started
        record_locks(config, state)
        save_state(config, state)
        if failures:
            raise failures[0]
        return state


def run_check(config: BackupConfig) -> dict[str, Any]:
    """`restic check --read-data-subset`, recorded as metrics; a failed check raises."""
    with host_lock(config):
        state = load_state(config)
        try:
            result = config.repository.check(config.check_read_data_subset)
            state["check"] = {
                "time": time.time(),
                "ok": result.ok,
                "exit_status": 0 if result.ok else EXIT_FATAL,
            }
            problem: BackupError | None = None
            if not result.ok:
                detail = result.errors[-1] if result.errors else "no detail"
                problem = BackupError(f"restic check found errors: {detail}", reason="check_failed")
        except ResticError as error:
            state["check"] = {"time": time.time(), "ok": False, "exit_status": error.exit_status}
            problem = error
        record_locks(config, state)
        save_state(config, state)
        if problem is not None:
            raise problem
        return state
