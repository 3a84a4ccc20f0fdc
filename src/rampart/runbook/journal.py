"""Runbook runs on disk: one folder per run holding its journal (`rampart.journal`) and
its evidence report; `history` lists them.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rampart.errors import ConfigError
from rampart.journal import RUN_FINISHED, Journal, JournalError, read_journal
from rampart.user_input import describe_os_error

JOURNAL_NAME = "journal.jsonl"
REPORT_NAME = "evidence.md"
DEFAULT_RUNS_DIRECTORY = Path("/var/lib/rampart/runbooks")
RUNS_ENVIRONMENT = "RAMPART_RUNBOOK_RUNS"


def runs_directory(given: Path | None) -> Path:
    """Where runs live: the flag, else $RAMPART_RUNBOOK_RUNS, else /var/lib/rampart/runbooks."""
    if given is not None:
        return given
    return Path(os.environ.get(RUNS_ENVIRONMENT, str(DEFAULT_RUNS_DIRECTORY)))


def open_journal(directory: Path) -> Journal:
    """The journal of the run in `directory`, opened for appending."""
    return Journal(
        directory / JOURNAL_NAME,
        hint="choose another folder with --runs-dir or $RAMPART_RUNBOOK_RUNS",
    )


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
    """What a run directory's journal says about the run; None if it has no journal or a
    damaged one (said on stderr, so `history` lists every other run)."""
    path = directory / JOURNAL_NAME
    try:
        if not path.is_file():
            return None
        events = read_journal(path)
    except JournalError as error:
        print(f"rampart: warning: {error}; run left out", file=sys.stderr)
        return None
    except OSError as error:  # a run folder this user may not look into
        print(
            f"rampart: warning: {path}: {describe_os_error(error)}; run left out", file=sys.stderr
        )
        return None
    started = events[0]
    finished = [event for event in events if event["event"] == RUN_FINISHED]
    status = finished[-1]["status"] if finished else "unfinished (killed?)"
    if finished and events[-1]["event"] != RUN_FINISHED:
        status = "unfinished (killed?)"
    return RunSummary(
        run_id=directory.name,
        runbook=str(started.get("runbook", "?")),
        mode=str(started.get("mode", "?")),
        started=str(started.get("time", "?")),
        status=str(status),
        duration_seconds=_seconds(finished[-1].get("duration_seconds")) if finished else None,
        directory=directory,
    )


def _seconds(value: object) -> float | None:
    """A duration as the journal gave it; anything but a finite number reads as unknown."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def history(runs: Path) -> list[RunSummary]:
    """Every run under the runs directory, oldest first (by start time)."""
    try:
        if not runs.is_dir():
            return []
        directories = [directory for directory in runs.iterdir() if directory.is_dir()]
    except OSError as error:
        raise ConfigError(f"{runs}: cannot list the runs: {describe_os_error(error)}") from None
    summaries = [
        summary for directory in directories if (summary := summarise(directory)) is not None
    ]
    return sorted(summaries, key=lambda summary: summary.started)


def last_drills(runs: Path) -> dict[str, RunSummary]:
    """The latest drill of each runbook in the run history, by runbook id."""
    return {run.runbook: run for run in history(runs) if run.mode == "drill"}


def drilled_text(summary: RunSummary | None, recorded: datetime | None) -> str:
    """What LAST DRILLED says: the latest drill in the history with its outcome, else the
    runbook's own `last_drilled`, else never."""
    if summary is not None:
        started = datetime.fromisoformat(summary.started).astimezone(UTC)
        return f"{started:%Y-%m-%d %H:%M}Z {summary.status}"
    if recorded is not None:
        return f"{recorded.astimezone(UTC):%Y-%m-%d %H:%M}Z (recorded)"
    return "never"
