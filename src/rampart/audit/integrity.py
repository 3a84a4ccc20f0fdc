"""File integrity with AIDE (REG-4.2.3): the baseline, the scheduled check, and the
acceptance of a reviewed change, each recorded in the audit journal.

AIDE (0.18 and later) writes its report as JSON. Rampart writes AIDE's settings from the
plan's paths on every run, keeps the baseline root-only beside them, and never moves a
new baseline in without a journal record saying who made it and why: `baseline` (the
first, after the converge) and `accept` (a reviewed change). `digest` tells the audit role
the baseline's SHA-256 and whether a record stands behind it, so the copy of the digest
kept on another host changes only with such a record.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart import commands
from rampart.audit.config import AuditConfig
from rampart.errors import CommandError, RampartError
from rampart.file_walk import sha256_of
from rampart.journal import Journal, JournalError, read_journal
from rampart.textfile import Family, render, write_atomically
from rampart.user_input import parse_json

INTEGRITY_TEXTFILE = "rampart_integrity.prom"
ATTRIBUTES = "p+u+g+n+s+m+c+sha256"
"""What AIDE compares: permissions, owner, group, links, size, mtime, ctime and content
(SHA-256). Not inode numbers: they change when a container's overlay is mounted again."""
DIFFERENCES = 0b111
"""AIDE's exit status bits for added (1), removed (2) and changed (4) entries; 14 and
above are its errors."""
CHANGES = ("added", "removed", "changed")
BASELINE_EVENTS = ("integrity_baseline", "integrity_accepted")
AIDE_TIMEOUT_SECONDS = 3600


class IntegrityError(RampartError):
    """AIDE could not make or check the baseline."""


@dataclass(frozen=True)
class Report:
    """What AIDE found against the baseline: paths by kind of change."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    entries: int
    """Files and folders the baseline covers."""
    seconds: float

    def by_change(self) -> dict[str, tuple[str, ...]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}

    @property
    def differences(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def aide_settings(config: AuditConfig) -> str:
    """AIDE's settings: the baseline's files, a JSON report on stdout, the plan's paths."""
    lines = [
        "# Written by Rampart (rampart audit) from the host's plan on every run.",
        f"database_in=file:{config.database}",
        f"database_out=file:{config.new_database}",
        "gzip_dbout=no",
        "report_format=json",
        "report_url=stdout",
        f"Rampart = {ATTRIBUTES}",
    ]
    lines += [f"!{re.escape(path)}$" for path in config.integrity_excludes]
    lines += [f"{re.escape(path)} Rampart" for path in config.integrity_paths]
    return "\n".join(lines) + "\n"


def _aide(config: AuditConfig, action: str) -> Report:
    """Run AIDE's `action` (init, check, update) with the plan's settings; its report."""
    config.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(config.aide_config, aide_settings(config), mode=0o600)
    started = time.monotonic()
    argv = ["aide", f"--config={config.aide_config}", f"--{action}"]
    try:
        result = commands.run(argv, check=False, timeout=AIDE_TIMEOUT_SECONDS)
    except CommandError as error:
        raise IntegrityError(f"aide --{action} did not finish: {error.stderr}") from None
    if result.returncode & ~DIFFERENCES:
        lines = (result.stderr or result.stdout).strip().splitlines()
        why = lines[-1] if lines else "no error output"
        raise IntegrityError(f"aide --{action} failed (exit {result.returncode}): {why}")
    return _report(result.stdout, time.monotonic() - started, action)


def _report(text: str, seconds: float, action: str) -> Report:
    """The changes of AIDE's JSON report (init reports none)."""
    if action == "init":
        return Report((), (), (), 0, seconds)
    raw: Any = parse_json(text, f"aide --{action}", "AIDE's report")
    if not isinstance(raw, dict):
        raise IntegrityError(f"aide --{action}: the report is not a JSON object")
    found = {change: tuple(sorted(raw.get(change) or {})) for change in CHANGES}
    counts = raw.get("number_of_entries") or {}
    total = counts.get("total", 0) if isinstance(counts, dict) else 0
    return Report(found["added"], found["removed"], found["changed"], int(total or 0), seconds)


def _move_in(config: AuditConfig) -> str:
    """Put the baseline AIDE just wrote in place; its SHA-256."""
    config.new_database.chmod(0o600)
    config.new_database.replace(config.database)
    return sha256_of(config.database)


def baseline(config: AuditConfig, by: str) -> str | None:
    """Make the first baseline (None when one exists: it changes only by `accept`)."""
    if config.database.exists():
        return None
    report = _aide(config, "init")
    digest = _move_in(config)
    with Journal(config.journal, host=config.host) as journal:
        journal.write("integrity_baseline", by=by, sha256=digest, seconds=report.seconds)
    write_metrics(config, Report((), (), (), _entries(config.database), report.seconds))
    return digest


def _entries(database: Path) -> int:
    """How many files and folders a baseline holds (AIDE's init reports no count): one
    line per entry, each starting with its path."""
    with database.open("rb") as lines:
        return sum(1 for line in lines if line.startswith(b"/"))


def check(config: AuditConfig) -> Report:
    """Compare the files with the baseline; the findings become metrics."""
    if not config.database.exists():
        raise IntegrityError(
            f"no AIDE baseline at {config.database}: run `rampart audit baseline` first"
        )
    report = _aide(config, "check")
    write_metrics(config, report)
    return report


def accept(config: AuditConfig, by: str, reason: str) -> tuple[Report, str]:
    """Make the files as they are now the baseline, recording who accepted which changes
    and why; the accepted report and the new baseline's SHA-256."""
    if not reason.strip():
        raise IntegrityError("say why the changes are accepted (--reason)")
    if not config.database.exists():
        raise IntegrityError(f"no AIDE baseline at {config.database} to accept changes into")
    report = _aide(config, "update")
    digest = _move_in(config)
    with Journal(config.journal, host=config.host) as journal:
        journal.write(
            "integrity_accepted",
            by=by,
            reason=reason,
            sha256=digest,
            **{change: list(paths) for change, paths in report.by_change().items()},
        )
    write_metrics(config, Report((), (), (), report.entries, report.seconds))
    return report, digest


def digest(config: AuditConfig) -> dict[str, Any]:
    """The baseline's SHA-256 and the journal record that made it (None if none did)."""
    if not config.database.exists():
        raise IntegrityError(f"no AIDE baseline at {config.database}")
    current = sha256_of(config.database)
    record = None
    try:
        events = read_journal(config.journal) if config.journal.exists() else []
    except JournalError:
        events = []
    for event in reversed(events):
        if event.get("event") in BASELINE_EVENTS and event.get("sha256") == current:
            record = {key: event.get(key) for key in ("event", "time", "by", "reason")}
            break
    return {"host": config.host, "sha256": current, "record": record}


def write_metrics(config: AuditConfig, report: Report) -> None:
    """The last check's findings for node_exporter."""
    changed = Family(
        "rampart_integrity_changed_files",
        "Files and folders that differ from the AIDE baseline at the last check, by change.",
    )
    for change, paths in report.by_change().items():
        changed.add(len(paths), change=change)
    families = [
        changed,
        Family(
            "rampart_integrity_check_timestamp_seconds", "When the last integrity check ended."
        ).add(time.time()),
        Family("rampart_integrity_check_duration_seconds", "How long AIDE's last run took.").add(
            report.seconds
        ),
        Family("rampart_integrity_entries", "Files and folders the baseline covers.").add(
            report.entries
        ),
        Family(
            "rampart_integrity_check_interval_seconds", "The interval between integrity checks."
        ).add(config.check_interval_seconds),
    ]
    write_atomically(config.textfile_dir / INTEGRITY_TEXTFILE, render(families))


def accepted_paths(report: Report) -> list[str]:
    """The report's paths as lines for people: `added /etc/x`."""
    return [f"{change} {path}" for change, paths in report.by_change().items() for path in paths]
