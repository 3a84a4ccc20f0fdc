"""The journal of a run: one JSON object per line, written and flushed to disk as each
event happens, so a run that is killed still leaves what it did.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rampart.errors import ConfigError

JOURNAL_NAME = "journal.jsonl"
REPORT_NAME = "evidence.md"
DEFAULT_RUNS_DIRECTORY = Path("/var/lib/rampart/runbooks")
RUNS_ENVIRONMENT = "RAMPART_RUNBOOK_RUNS"


def runs_directory(given: Path | None) -> Path:
    """Where runs live: the flag, else $RAMPART_RUNBOOK_RUNS, else /var/lib/rampart/runbooks."""
    if given is not None:
        return given
    return Path(os.environ.get(RUNS_ENVIRONMENT, str(DEFAULT_RUNS_DIRECTORY)))


def now() -> str:
    """The current time in UTC, ISO-8601 with microseconds."""
    return datetime.now(UTC).isoformat()


class Journal:
    """Appends events to `<run>/journal.jsonl`; each write is flushed and synced."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / JOURNAL_NAME
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o750)
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"cannot write the journal {self.path}: {error.strerror or error};"
                " choose another folder with --runs-dir or $RAMPART_RUNBOOK_RUNS"
            ) from error

    def write(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one event and make sure it is on disk before going on."""
        record = {"time": now(), "event": event, **fields}
        self._file.write(json.dumps(record, sort_keys=False, default=str) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        return record

    def close(self) -> None:
        """Close the file; further writes fail."""
        self._file.close()


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every event of a journal; a line cut short by a kill at the end is ignored."""
    events = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"cannot read journal {path}: {error.strerror or error}") from error
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


@dataclass(frozen=True)
class RunSummary:
    """One run as `history` lists it."""

    run_id: str
    runbook: str
    mode: str
    started: str
    status: str
    duration_seconds: float | None
    directory: Path


def summarise(directory: Path) -> RunSummary | None:
    """What a run directory's journal says about the run; None if it has no journal."""
    path = directory / JOURNAL_NAME
    if not path.is_file():
        return None
    events = read_journal(path)
    if not events:
        return None
    started = events[0]
    finished = [event for event in events if event["event"] == "run_finished"]
    status = finished[-1]["status"] if finished else "unfinished (killed?)"
    if finished and events[-1]["event"] != "run_finished":
        status = "unfinished (killed?)"
    return RunSummary(
        run_id=directory.name,
        runbook=str(started.get("runbook", "?")),
        mode=str(started.get("mode", "?")),
        started=str(started.get("time", "?")),
        status=str(status),
        duration_seconds=finished[-1].get("duration_seconds") if finished else None,
        directory=directory,
    )


def history(runs: Path) -> list[RunSummary]:
    """Every run under the runs directory, oldest first (by start time)."""
    if not runs.is_dir():
        return []
    summaries = [
        summary
        for directory in runs.iterdir()
        if directory.is_dir() and (summary := summarise(directory)) is not None
    ]
    return sorted(summaries, key=lambda summary: summary.started)
