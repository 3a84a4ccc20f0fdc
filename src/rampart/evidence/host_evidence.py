"""Runs ON a host (sent over SSH to its python3, or run on the controller for its own runs):
print as JSON the host's evidence of a period.

Standard library only, Python 3.9+. Arguments: the period's start and end (ISO-8601 with a
zone), the backup configuration file and the runbook runs folder. What it prints:

- `files`: name in the archive -> text. The backup's drill and restore journals
  (`backup/drill.jsonl`, `backup/restore.jsonl`), only their lines whose `time` is in the
  period; and every file of each runbook run that began in the period
  (`runbooks/<run id>/journal.jsonl`, `evidence.md`).
- `problems`: what could not be read, in words (a line with no readable time, a run
  folder that cannot be listed): the export states them, never drops them silently.

A host without a backup configuration or a runs folder has nothing of that kind: no
problem.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path


def timestamp(line: str) -> datetime | None:
    """The `time` of a journal line; None when the line does not say one."""
    try:
        event = json.loads(line)
        return datetime.fromisoformat(str(event["time"]))
    except (ValueError, KeyError, TypeError):
        return None


def journal_lines(path: Path, start: datetime, end: datetime, problems: list[str]) -> str:
    """The lines of a journal written in the period, in their order."""
    kept, unreadable = [], 0
    with path.open(encoding="utf-8", errors="replace") as journal:
        for line in journal:
            when = timestamp(line)
            if when is None:
                unreadable += line.strip() != ""
            elif start <= when < end:
                kept.append(line if line.endswith("\n") else line + "\n")
    if unreadable:
        problems.append(f"{path}: {unreadable} line(s) with no readable time left out")
    return "".join(kept)


def backup_journals(
    config: Path, start: datetime, end: datetime, problems: list[str]
) -> dict[str, str]:
    """The drill and restore journals the backup configuration names, cut to the period."""
    try:
        drill = Path(json.loads(config.read_text(encoding="utf-8"))["journal"])
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        problems.append(f"{config}: cannot read the journal's path ({error})")
        return {}
    files: dict[str, str] = {}
    for path in (drill, drill.with_name("restore.jsonl")):
        try:
            text = journal_lines(path, start, end, problems)
        except FileNotFoundError:
            continue
        except OSError as error:
            problems.append(f"{path}: {error.strerror or error}")
            continue
        if text:
            files[f"backup/{path.name}"] = text
    return files


def runbook_runs(runs: Path, start: datetime, end: datetime, problems: list[str]) -> dict[str, str]:
    """Every file of each run that began in the period (its journal's first line)."""
    try:
        folders = sorted(folder for folder in runs.iterdir() if folder.is_dir())
    except FileNotFoundError:
        return {}
    except OSError as error:
        problems.append(f"{runs}: cannot list the runs ({error.strerror or error})")
        return {}
    files: dict[str, str] = {}
    for folder in folders:
        try:
            with (folder / "journal.jsonl").open(encoding="utf-8", errors="replace") as journal:
                began = timestamp(journal.readline())
            if began is None:
                problems.append(f"{folder}: its journal says no start time; run left out")
            elif start <= began < end:
                for path in sorted(folder.iterdir()):
                    if path.is_file():
                        text = path.read_text(encoding="utf-8", errors="replace")
                        files[f"runbooks/{folder.name}/{path.name}"] = text
        except FileNotFoundError:
            continue  # a folder that is not a run
        except OSError as error:
            problems.append(f"{folder}: {error.strerror or error}; run left out")
    return files


def collect(start: datetime, end: datetime, config: Path | None, runs: Path) -> dict[str, object]:
    """The evidence of the period (see the module's text); no `config`, no backup journals."""
    problems: list[str] = []
    files = backup_journals(config, start, end, problems) if config else {}
    files.update(runbook_runs(runs, start, end, problems))
    return {"files": files, "problems": problems}


if __name__ == "__main__":
    first, last = (datetime.fromisoformat(text) for text in sys.argv[1:3])
    json.dump(collect(first, last, Path(sys.argv[3]), Path(sys.argv[4])), sys.stdout)
