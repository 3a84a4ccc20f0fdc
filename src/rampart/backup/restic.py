"""The one place Rampart talks to restic: typed results, typed errors.

Why not resticpy: it reports restic's exit code only inside the message text (so "wrong
password" and "no repository" cannot be told apart without parsing prose), keeps the
repository and password in process-wide settings (two repositories in one process, as the
drill and the exporter need, would share them), has no `restore --verify` and returns raw
text for `check` and `restore`. This module is a thin layer over `rampart.commands.run`:
each call names its repository, the password travels only as RESTIC_PASSWORD_FILE (never
in argv), and each restic exit code becomes its own exception class.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rampart.commands import run
from rampart.errors import BackupError, CommandError

# restic's documented exit codes (restic >= 0.17) and the reason each gives in metrics.
EXIT_FATAL = 1
EXIT_PARTIAL = 3
EXIT_NO_REPOSITORY = 10
EXIT_LOCKED = 11
EXIT_WRONG_PASSWORD = 12
EXIT_INTERRUPTED = 130


class ResticError(BackupError):
    """restic exited non-zero; `exit_status` is restic's own exit code."""

    reason = "restic_failed"

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


class PartialBackupError(ResticError):
    """restic made a snapshot but could not read some source files (exit 3)."""

    reason = "partial_backup"


class RepositoryMissingError(ResticError):
    """The repository does not exist (exit 10)."""

    reason = "repository_missing"


class RepositoryLockedError(ResticError):
    """The repository stayed locked by another run for the whole retry time (exit 11)."""

    reason = "repository_locked"


class WrongPasswordError(ResticError):
    """The repository password does not open the repository (exit 12)."""

    reason = "wrong_password"


_ERRORS_BY_EXIT: dict[int, type[ResticError]] = {
    EXIT_PARTIAL: PartialBackupError,
    EXIT_NO_REPOSITORY: RepositoryMissingError,
    EXIT_LOCKED: RepositoryLockedError,
    EXIT_WRONG_PASSWORD: WrongPasswordError,
}


def error_for(returncode: int, action: str, stderr: str) -> ResticError:
    """The typed error for a restic exit code; the message is one line, never a secret."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    detail = lines[-1] if lines else "no error output"
    error_class = _ERRORS_BY_EXIT.get(returncode, ResticError)
    return error_class(f"restic {action} exited with status {returncode}: {detail}", returncode)


@dataclass(frozen=True)
class Snapshot:
    """One snapshot as `restic snapshots --json` lists it."""

    id: str
    time: datetime
    hostname: str
    paths: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class BackupSummary:
    """The summary line of `restic backup --json`."""

    snapshot_id: str
    files: int
    bytes_processed: int
    bytes_added: int
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    """The summary line of `restic restore --json`."""

    files_restored: int
    bytes_restored: int
    seconds: float


@dataclass(frozen=True)
class CheckResult:
    """What `restic check` found: success, and the errors it printed."""

    ok: bool
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lock:
    """A lock file in the repository: when it was made and by whom."""

    id: str
    time: datetime
    hostname: str
    pid: int
    exclusive: bool


@dataclass(frozen=True)
class Repository:
    """A restic repository and how to open it; every call names it, nothing is global."""

    location: str
    password_file: Path
    options: tuple[str, ...] = ()
    cache_dir: Path | None = None
    binary: str = "restic"
    retry_lock: str = "2m"
    environment: Mapping[str, str] = field(default_factory=dict)

    def _argv(self, *arguments: str, lock_retry: bool = False) -> list[str]:
        argv = [self.binary, "--repo", self.location]
        for option in self.options:
            argv += ["--option", option]
        if lock_retry:
            argv += ["--retry-lock", self.retry_lock]
        return argv + list(arguments)

    def _env(self) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "RESTIC_PASSWORD_FILE": str(self.password_file),
            "RESTIC_PROGRESS_FPS": "0.2",
        }
        if self.cache_dir is not None:
            environment["RESTIC_CACHE_DIR"] = str(self.cache_dir)
        environment.update(self.environment)
        return environment

    def _run(self, action: str, argv: Sequence[str], timeout: float | None = None) -> str:
        try:
            completed = run(argv, env=self._env(), timeout=timeout)
        except CommandError as error:
            raise error_for(error.returncode, action, error.stderr) from None
        return completed.stdout

    def exists(self) -> bool:
        """Whether the repository is there and the password opens it (else a typed error)."""
        try:
            self._run("cat config", self._argv("cat", "config", "--no-lock"))
        except RepositoryMissingError:
            return False
        return True

    def init(self) -> None:
        """Create the repository (callers check `exists` first)."""
        self._run("init", self._argv("init"))

    def snapshots(self, tags: Sequence[str] = ()) -> list[Snapshot]:
        """Every snapshot (with all of `tags`), oldest first."""
        argv = self._argv("snapshots", "--json", "--no-lock")
        if tags:
            argv += ["--tag", ",".join(tags)]
        return parse_snapshots(self._run("snapshots", argv))

    def backup(self, paths: Sequence[str], tags: Sequence[str]) -> BackupSummary:
        """Back up `paths` into one snapshot carrying `tags`."""
        argv = self._argv("backup", "--json", lock_retry=True)
        for tag in tags:
            argv += ["--tag", tag]
        return parse_backup_summary(self._run("backup", [*argv, "--", *paths]))

    def forget(self, tags: Sequence[str], keep: Mapping[str, int]) -> None:
        """Apply a retention policy to the snapshots with `tags` and prune what it frees."""
        argv = self._argv("forget", "--prune", "--tag", ",".join(tags), lock_retry=True)
        argv += ["--group-by", "host,tags"]
        for period, count in sorted(keep.items()):
            argv += [f"--keep-{period}", str(count)]
        self._run("forget", argv)

    def forget_snapshot(self, snapshot_id: str) -> None:
        """Remove one snapshot (its data goes with the next prune)."""
        self._run("forget", self._argv("forget", snapshot_id, lock_retry=True))

    def check(self, read_data_subset: str | None) -> CheckResult:
        """Check the repository, reading `read_data_subset` (e.g. "10%") of the pack data."""
        argv = self._argv("check", "--json", lock_retry=True)
        if read_data_subset:
            argv += ["--read-data-subset", read_data_subset]
        try:
            run(argv, env=self._env())
        except CommandError as error:
            if error.returncode != EXIT_FATAL:
                raise error_for(error.returncode, "check", error.stderr) from None
            problems = [line for line in error.stderr.splitlines() if line.strip()]
            return CheckResult(ok=False, errors=tuple(problems[-20:]))
        return CheckResult(ok=True)

    def restore(self, snapshot_id: str, target: Path) -> RestoreSummary:
        """Restore a snapshot into `target` (a scratch folder) and say what came back."""
        argv = self._argv("restore", snapshot_id, "--target", str(target), "--json")
        return parse_restore_summary(self._run("restore", argv))

    def locks(self) -> list[Lock]:
        """The locks in the repository now, read without taking a lock."""
        listed = self._run("list locks", self._argv("list", "locks", "--no-lock"))
        found = []
        for lock_id in listed.split():
            try:
                raw = self._run("cat lock", self._argv("cat", "lock", lock_id, "--no-lock"))
            except ResticError:
                continue  # removed by its owner between list and cat
            found.append(parse_lock(lock_id, raw))
        return found


def parse_time(text: str) -> datetime:
    """restic's RFC 3339 times with nanoseconds, which `fromisoformat` takes at most micro."""
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(character for character in rest if character.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_snapshots(output: str) -> list[Snapshot]:
    """Turn `restic snapshots --json` into snapshots, oldest first."""
    entries: list[dict[str, Any]] = json.loads(output or "[]") or []
    snapshots = [
        Snapshot(
            id=str(entry["id"]),
            time=parse_time(str(entry["time"])),
            hostname=str(entry.get("hostname", "")),
            paths=tuple(entry.get("paths") or ()),
            tags=tuple(entry.get("tags") or ()),
        )
        for entry in entries
    ]
    return sorted(snapshots, key=lambda snapshot: snapshot.time)


def _summary(output: str, action: str) -> dict[str, Any]:
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            message: dict[str, Any] = json.loads(line)
            if message.get("message_type") == "summary":
                return message
    raise ResticError(f"restic {action} printed no JSON summary", EXIT_FATAL)


def parse_backup_summary(output: str) -> BackupSummary:
    """The summary of `restic backup --json` (its last JSON line)."""
    summary = _summary(output, "backup")
    return BackupSummary(
        snapshot_id=str(summary.get("snapshot_id", "")),
        files=int(summary.get("total_files_processed", 0)),
        bytes_processed=int(summary.get("total_bytes_processed", 0)),
        bytes_added=int(summary.get("data_added", 0)),
        seconds=float(summary.get("total_duration", 0.0)),
    )


def parse_restore_summary(output: str) -> RestoreSummary:
    """The summary of `restic restore --json` (restic >= 0.17)."""
    summary = _summary(output, "restore")
    return RestoreSummary(
        files_restored=int(summary.get("files_restored", summary.get("total_files", 0))),
        bytes_restored=int(summary.get("bytes_restored", summary.get("total_bytes", 0))),
        seconds=float(summary.get("seconds_elapsed", 0.0)),
    )


def parse_lock(lock_id: str, output: str) -> Lock:
    """A lock from `restic cat lock ID`."""
    raw: dict[str, Any] = json.loads(output)
    return Lock(
        id=lock_id,
        time=parse_time(str(raw["time"])),
        hostname=str(raw.get("hostname", "")),
        pid=int(raw.get("pid", 0)),
        exclusive=bool(raw.get("exclusive", False)),
    )
