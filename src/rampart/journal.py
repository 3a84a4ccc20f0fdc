"""The one journal of Rampart's runs: runbook runs, restore drills and restores.

A journal is JSON lines, one event per line, appended, flushed and fsynced as each event
happens, so a run that is killed leaves everything it did up to that moment. Every line has
`time` (UTC, ISO-8601), `event` (a name from `EVENTS`) and the event's fields; a journal
that several runs share (the backup's) also puts the run's id and host on every line.

A kill can cut the last line short: the reader drops that line, and the next writer to open
the journal (a resumed run, the next drill) removes it first, so it never ends up in the
middle of the file. Anything else that does not read as a journal (an empty file, a line in
the middle that is not JSON, a line that is not an object with an `event`) is a damaged
journal, reported in one line.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rampart.errors import RampartError
from rampart.user_input import describe_os_error

# Every run, whatever it runs.
RUN_STARTED = "run_started"
RUN_RESUMED = "run_resumed"
RUN_FINISHED = "run_finished"
SIGNAL_IGNORED = "signal_ignored"
# The statuses of `run_finished` (and of a data class's `class_finished`).
SUCCEEDED = "succeeded"
FAILED = "failed"
INTERRUPTED = "interrupted"
STATUSES = (SUCCEEDED, FAILED, INTERRUPTED)

EVENTS: dict[str, str] = {
    RUN_STARTED: "a run began: what runs, where, who started it, with which options",
    RUN_RESUMED: "a failed or interrupted runbook run continues (`rampart runbook resume`)",
    RUN_FINISHED: "the run ended: `status` (succeeded, failed, interrupted) and `reason`",
    SIGNAL_IGNORED: "a signal came while rollbacks or cleanup ran and was noted only",
    # Runbook runs.
    "check": "a steady-state or exit-criteria check and its answer",
    "step_started": "a runbook step began",
    "step_attempt": "one attempt of a step (a step is retried as its runbook says)",
    "step_finished": "a step ended, passed or not",
    "step_skipped": "a step did not run (not for this mode, or done earlier in the run)",
    "milestone": "a step marked a moment of the drill (fault_injected, detected, recovered);"
    " `since` is when its passing attempt began (a fault begins with its injection)",
    "measured": "a drill's fault as monitoring saw it: the prober's failure and recovery and"
    " the alert in Prometheus (Unix times), or the `problem` that kept it from being seen",
    "rollback_started": "the rollback of a completed step began",
    "rollback_finished": "a rollback ended, passed or not",
    "rollback_skipped": "a rollback that is for drills only was left out of an incident",
    # Restore drills and restores, per data class.
    "restore_started": "restic began restoring a data class's snapshot into scratch space",
    "restore_finished": "restic finished restoring into scratch space",
    "files_verified": "the restored files were checked against the backup's manifest",
    "database_restore_started": "a database dump is being loaded into a scratch database",
    "database_checked": "a scratch database's row counts and catalog checks",
    "path_swapped": "a restore put a restored tree in place of a live path",
    "database_swapped": "a restore put a scratch database in place of a live database",
    "scratch_removed": "the scratch data (and scratch databases) of a data class are gone",
    "class_finished": "a data class's drill or restore ended: `status`, `reason`, figures",
    # The antivirus (REG-4.2.4).
    "scan_finished": "a data set's antivirus scan ended: files, bytes, seconds, infected, errors",
    "file_quarantined": "an infected file moved into the quarantine: its manifest's fields",
    "file_released": "a quarantined file was put back as a false positive, and by whom",
    # File integrity (REG-4.2.3).
    "integrity_baseline": "AIDE's first baseline of the host was made: by whom, its SHA-256",
    "integrity_accepted": "reviewed changes became AIDE's baseline: by whom, why, which"
    " files (added, removed, changed), the new baseline's SHA-256",
}


class JournalError(RampartError):
    """A journal that cannot be written or read."""

    exit_code = 2


class JournalDamagedError(JournalError):
    """A journal that does not read as a journal (a crash while it was being written)."""


def now() -> str:
    """The current time in UTC, ISO-8601 with microseconds."""
    return datetime.now(UTC).isoformat()


class Journal:
    """Appends events to one JSON-lines file; each write is flushed and synced.

    `context` fields (a run's id and host, when several runs share the file) go on every
    line. A folder that cannot be written is a `JournalError`, `hint` its last words."""

    def __init__(self, path: Path, *, hint: str = "", **context: Any) -> None:
        self.path = path
        self.context = context
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
            drop_cut_short_line(path)
            self._file: TextIO = path.open("a", encoding="utf-8")
        except OSError as error:
            advice = f"; {hint}" if hint else ""
            raise JournalError(
                f"cannot write the journal {path}: {error.strerror or error}{advice}"
            ) from error

    def write(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one event and make sure it is on disk before going on."""
        if event not in EVENTS:
            raise ValueError(f"{event!r} is not a journal event")  # a programming error
        record = {"time": now(), "event": event, **self.context, **fields}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        return record

    def close(self) -> None:
        """Close the file; further writes fail."""
        self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()


TAIL_BYTES = 1 << 20  # an event is far shorter (step output is cut at a few kB)


def drop_cut_short_line(path: Path) -> None:
    """Cut a last line that a kill left without its newline off the journal, if any."""
    try:
        file = path.open("rb+")
    except FileNotFoundError:
        return
    with file:
        size = file.seek(0, os.SEEK_END)
        start = max(0, size - TAIL_BYTES)
        file.seek(start)
        tail = file.read()
        if not tail or tail.endswith(b"\n"):
            return
        newline = tail.rfind(b"\n")
        if newline >= 0 or start == 0:
            file.truncate(start + newline + 1)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every event of a journal, oldest first; a last line cut short by a kill is dropped.

    Raises `JournalDamagedError` for a journal that holds no event or a line that is not
    one, and `JournalError` for one that cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = describe_os_error(error)
        raise JournalError(f"cannot read the journal {path}: {reason}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        number = raw[: error.start].count(b"\n") + 1
        raise JournalDamagedError(f"{path}:{number}: damaged journal: not UTF-8 text") from None
    lines = text.split("\n")
    cut_short = lines[-1] != ""  # every complete line ends with a newline
    events = []
    for number, line in enumerate(lines[:-1] if not cut_short else lines, start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if cut_short and number == len(lines):
                break
            raise JournalDamagedError(
                f"{path}:{number}: damaged journal: the line is not JSON"
            ) from None
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise JournalDamagedError(
                f"{path}:{number}: damaged journal: the line is not an event object"
            )
        events.append(event)
    if not events:
        raise JournalDamagedError(f"{path}: damaged journal: it holds no event")
    return events
