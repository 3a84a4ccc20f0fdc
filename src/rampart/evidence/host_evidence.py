"""Runs ON a host (sent over SSH to its python3, or run on the controller for its own runs):
print as JSON the host's evidence of a period.

Standard library only, Python 3.9+. Arguments: the period's start and end (ISO-8601 with a
zone), the backup configuration file, the runbook runs folder, the antivirus and audit
configuration files and the audit reports' folder. What it prints:

- `files`: name in the archive -> text. The backup's drill and restore journals
  (`backup/drill.jsonl`, `backup/restore.jsonl`) and the antivirus journal (scans,
  quarantines, releases and who released: `antivirus/antivirus.jsonl`), only their lines
  whose `time` is in the period; and every file of each runbook run that began in the
  period (`runbooks/<run id>/journal.jsonl`, `evidence.md`); the integrity journal of the
  security audit (baselines and accepted changes with who and why: `audit/integrity.jsonl`)
  and the audit reports kept on the host for days of the period (`audit/reports/`).
- `problems`: what could not be read, in words (a line with no readable time, a run
  folder that cannot be listed): the export states them, never drops them silently.

A host without a backup or antivirus configuration or a runs folder has nothing of that
kind: no problem.
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


def configured_journals(
    config: Path,
    folder: str,
    siblings: tuple[str, ...],
    period: tuple[datetime, datetime],
    problems: list[str],
) -> dict[str, str]:
    """The journal a role's configuration names (its `journal`) and the `siblings` beside
    it, cut to the period, as `<folder>/<name>`."""
    start, end = period
    try:
        named = Path(json.loads(config.read_text(encoding="utf-8"))["journal"])
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        problems.append(f"{config}: cannot read the journal's path ({error})")
        return {}
    files: dict[str, str] = {}
    for path in (named, *(named.with_name(name) for name in siblings)):
        try:
            text = journal_lines(path, start, end, problems)
        except FileNotFoundError:
            continue
        except OSError as error:
            problems.append(f"{path}: {error.strerror or error}")
            continue
        if text:
            files[f"{folder}/{path.name}"] = text
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


def audit_reports(
    folder: Path, start: datetime, end: datetime, problems: list[str]
) -> dict[str, str]:
    """The security audit's reports kept here (`audit-<UTC day>.json`, `.html`, `.sha256`)
    whose day is in the period, as `audit/reports/<name>`."""
    try:
        paths = sorted(folder.glob("audit-*"))
    except OSError as error:
        problems.append(f"{folder}: cannot list the reports ({error.strerror or error})")
        return {}
    files: dict[str, str] = {}
    for path in paths:
        day = path.name[len("audit-") :].split(".", 1)[0]
        try:
            kept = start.date().isoformat() <= day < end.date().isoformat()
            if kept and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                files[f"audit/reports/{path.name}"] = text
        except OSError as error:
            problems.append(f"{path}: {error.strerror or error}")
    return files


def collect(
    start: datetime,
    end: datetime,
    runs: Path,
    backup: Path | None = None,
    antivirus: Path | None = None,
    audit: Path | None = None,
    reports: Path | None = None,
) -> dict[str, object]:
    """The evidence of the period (see the module's text); a configuration not given, or
    not on the host, gives no journals."""
    problems: list[str] = []
    files: dict[str, str] = {}
    if audit is not None:
        files.update(configured_journals(audit, "audit", (), (start, end), problems))
    if reports is not None:
        files.update(audit_reports(reports, start, end, problems))
    if backup is not None:
        files.update(
            configured_journals(backup, "backup", ("restore.jsonl",), (start, end), problems)
        )
    if antivirus is not None:
        files.update(configured_journals(antivirus, "antivirus", (), (start, end), problems))
    files.update(runbook_runs(runs, start, end, problems))
    return {"files": files, "problems": problems}


if __name__ == "__main__":
    first, last = (datetime.fromisoformat(text) for text in sys.argv[1:3])
    backup, runs, antivirus, audit, reports = (Path(text) for text in sys.argv[3:8])
    json.dump(collect(first, last, runs, backup, antivirus, audit, reports), sys.stdout)
