"""What the last backups and checks did, kept between runs, and the metrics made from it.

`rampart backup run` and `rampart backup check` each update their part of one state file
and rewrite the host's one textfile (`rampart_backup.prom`) from all of it, so neither run
erases the other's metrics.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rampart.backup.config import BackupConfig
from rampart.errors import BackupError
from rampart.textfile import Family, render, write_atomically

TEXTFILE_NAME = "rampart_backup.prom"


def state_path(config: BackupConfig) -> Path:
    """The JSON file with the last results."""
    return config.state_dir / "state.json"


def load_state(config: BackupConfig) -> dict[str, Any]:
    """The last results; empty when nothing ran yet."""
    try:
        loaded: dict[str, Any] = json.loads(state_path(config).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}  # a damaged file counts as none


def save_state(config: BackupConfig, state: dict[str, Any]) -> None:
    """Keep the results and publish them as metrics."""
    write_atomically(state_path(config), json.dumps(state, indent=1, sort_keys=True), 0o600)
    write_atomically(config.textfile_dir / TEXTFILE_NAME, render(backup_families(state)))


@contextmanager
def host_lock(config: BackupConfig, wait: bool = True) -> Iterator[None]:
    """One backup, check or drill at a time on this host (restic's own locks guard the
    repository; this keeps the host's runs from queueing on them)."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with (config.state_dir / "run.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BackupError(
                "another backup, check or drill runs on this host", reason="host_busy"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def backup_families(state: dict[str, Any]) -> list[Family]:
    """The metric families of the state: per data class, the check, the locks."""
    classes: dict[str, dict[str, Any]] = state.get("classes", {})
    families = {
        "last_success": Family(
            "rampart_backup_last_success_timestamp_seconds",
            "When the last successful backup of the data class finished.",
        ),
        "last_run": Family(
            "rampart_backup_last_run_timestamp_seconds",
            "When the last backup attempt of the data class finished.",
        ),
        "success": Family(
            "rampart_backup_success", "1 if the last backup of the data class succeeded."
        ),
        "duration": Family(
            "rampart_backup_duration_seconds",
            "How long the last backup of the data class took (dump, backup, retention).",
        ),
        "bytes_added": Family(
            "rampart_backup_added_bytes", "Bytes the last backup added to the repository."
        ),
        "files": Family("rampart_backup_files", "Files in the last snapshot of the data class."),
        "snapshots": Family(
            "rampart_backup_snapshots", "Snapshots of the data class in the repository."
        ),
        "exit_status": Family(
            "rampart_backup_exit_status",
            "restic's exit code of the last backup: 0 ok, 3 partial, 10 no repository, "
            "11 locked, 12 wrong password, 1 other.",
        ),
        "failure": Family(
            "rampart_backup_failure_info", "Why the last backup of the data class failed."
        ),
    }
    for data_class, result in sorted(classes.items()):
        labels = {"data_class": data_class}
        if "last_success" in result:
            families["last_success"].add(result["last_success"], **labels)
        families["last_run"].add(result["last_run"], **labels)
        families["success"].add(1 if result["exit_status"] == 0 else 0, **labels)
        families["duration"].add(result["duration"], **labels)
        families["exit_status"].add(result["exit_status"], **labels)
        for key in ("bytes_added", "files", "snapshots"):
            if key in result:
                families[key].add(result[key], **labels)
        if result["exit_status"] != 0:
            families["failure"].add(1, reason=result["reason"], **labels)
    listed = list(families.values())
    check = state.get("check")
    if check:
        listed += [
            Family(
                "rampart_backup_check_last_run_timestamp_seconds",
                "When the last restic check finished.",
            ).add(check["time"]),
            Family(
                "rampart_backup_check_success", "1 if the last restic check found no error."
            ).add(1 if check["ok"] else 0),
            Family("rampart_backup_check_exit_status", "restic's exit code of the last check.").add(
                check["exit_status"]
            ),
        ]
    locks = state.get("locks")
    if locks:
        listed += [
            Family("rampart_backup_locks", "Locks in the repository after the last run.").add(
                locks["count"]
            ),
            Family(
                "rampart_backup_lock_age_seconds",
                "Age of the oldest lock in the repository (0: none); a stale lock shows here "
                "and is never removed automatically.",
            ).add(locks["oldest_age"]),
        ]
    return listed
