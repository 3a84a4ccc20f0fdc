"""The evidence of a run, made from its journal: a Markdown report for auditors and
node_exporter textfile metrics (`rampart_runbook_*`) for dashboards and alerts.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rampart.journal import STATUSES, read_journal
from rampart.runbook.journal import JOURNAL_NAME, REPORT_NAME, history
from rampart.runbook.model import Runbook
from rampart.textfile import Family, render, write_atomically

METRICS_ENVIRONMENT = "RAMPART_TEXTFILE_DIR"
DEFAULT_METRICS_DIRECTORY = Path("/var/lib/prometheus/node-exporter")


def metrics_directory(given: Path | None) -> Path:
    """Where textfile metrics go: the flag, else $RAMPART_TEXTFILE_DIR, else node_exporter's."""
    if given is not None:
        return given
    return Path(os.environ.get(METRICS_ENVIRONMENT, str(DEFAULT_METRICS_DIRECTORY)))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def timings(events: list[dict[str, Any]]) -> dict[str, float]:
    """Drill timings from the milestones: detect (fault to detection), recover (detection
    to recovery) and outage (fault, or the run's start, to recovery: the RTO achieved)."""
    marks: dict[str, datetime] = {}
    for event in events:
        if event["event"] == "milestone":
            marks[event["name"]] = _time(event["time"])
    start = marks.get("fault_injected", _time(events[0]["time"]))
    result: dict[str, float] = {}
    if "detected" in marks and "fault_injected" in marks:
        result["detect"] = (marks["detected"] - marks["fault_injected"]).total_seconds()
    if "recovered" in marks:
        result["outage"] = (marks["recovered"] - start).total_seconds()
        if "detected" in marks:
            result["recover"] = (marks["recovered"] - marks["detected"]).total_seconds()
    return result


def write(directory: Path, runbook: Runbook, runs: Path, metrics: Path | None) -> None:
    """Write the report beside the journal and the runbook's metrics file.

    The run is over and its journal complete: a folder that cannot be written is said in
    one line on stderr and does not change the run's outcome."""
    events = read_journal(directory / JOURNAL_NAME)
    report = directory / REPORT_NAME
    partial = report.with_suffix(".partial")
    try:
        partial.write_text(render_report(events, runbook), encoding="utf-8")
        partial.replace(report)
    except OSError as error:
        print(f"rampart: warning: cannot write {report}: {error.strerror}", file=sys.stderr)
    target = metrics_directory(metrics)
    try:
        write_metrics(runbook, runs, target)
    except OSError as error:
        print(f"rampart: warning: cannot write metrics in {target}: {error}", file=sys.stderr)


def render_report(events: list[dict[str, Any]], runbook: Runbook) -> str:
    """The run as Markdown: who, when, each step with timings and output, outcome, RTO."""
    started = events[0]
    finished = [event for event in events if event["event"] == "run_finished"]
    last = finished[-1] if finished and events[-1]["event"] == "run_finished" else None
    status = last["status"] if last else "unfinished (the runner was killed)"
    lines = [
        f"# Evidence: {runbook.title} ({runbook.id})",
        "",
        "| | |",
        "| --- | --- |",
        f"| run | `{started['run_id']}` |",
        f"| mode | {started['mode']} |",
        f"| operator | {started['operator']} on {started['controller']} |",
        f"| started | {started['time']} |",
        f"| finished | {last['time'] if last else '-'} |",
        f"| outcome | **{status}** |",
        f"| clauses | {', '.join(runbook.clauses)} |",
        f"| runbook | `{started['file']}` (sha256 {started['digest'][:12]}) |",
    ]
    if last and last.get("reason"):
        lines.append(f"| reason | {last['reason']} |")
    for event in events:
        if event["event"] == "run_resumed":
            lines.append(f"| resumed | {event['time']} by {event['operator']} |")
    measured = timings(events)
    rto = runbook.rto_seconds
    lines += ["", "## Recovery time", ""]
    if "outage" in measured:
        verdict = "met" if measured["outage"] <= rto else "MISSED"
        lines.append(
            f"- RTO achieved: {measured['outage']:.1f} s against a target of {rto} s: **{verdict}**"
        )
    else:
        lines.append(f"- RTO achieved: not measured (no recovery milestone); target {rto} s")
    if "detect" in measured:
        lines.append(f"- time to detect: {measured['detect']:.1f} s")
    if "recover" in measured:
        lines.append(f"- time to recover (from detection): {measured['recover']:.1f} s")
    lines += [
        "",
        "## What happened",
        "",
        "| time | what | seconds | result |",
        "| --- | --- | --- | --- |",
    ]
    for event in events:
        row = _row(event)
        if row:
            lines.append(row)
    outputs = [
        e for e in events if e["event"] in ("step_attempt", "rollback_finished") and e.get("output")
    ]
    if outputs:
        lines += ["", "## Output (last lines of each step)", ""]
        for event in outputs:
            label = (
                f"rollback of {event['name']}"
                if event["event"] == "rollback_finished"
                else f"{event['name']} (attempt {event['attempt']})"
            )
            tail = "\n".join(str(event["output"]).splitlines()[-15:])
            lines += [f"### {label}", "", "```", tail, "```", ""]
    return "\n".join(lines) + "\n"


def _row(event: dict[str, Any]) -> str | None:
    """One line of the report's table for a journal event; None for events not shown."""
    kind = event["event"]
    result = "ok" if event.get("passed") else "FAILED"
    if kind == "check":
        what, result = f"{event['phase']}: {event['name']}", f"{result}: {event['summary']}"
    elif kind == "step_finished":
        what, result = f"step {event['name']}", f"{result}: {event['summary']}"
    elif kind == "rollback_finished":
        what, result = f"rollback of {event['name']}", f"{result}: {event['summary']}"
    elif kind == "step_skipped":
        what, result = f"step {event['name']}", f"skipped: {event['reason']}"
    elif kind == "milestone":
        what, result = f"milestone **{event['name']}**", "-"
    elif kind == "run_finished":
        rolled = ", ".join(event["rollbacks"]) or "none"
        what, result = f"run {event['status']}", f"rollbacks run: {rolled}"
    elif kind == "signal_ignored":
        what, result = f"{event['signal']} ignored", event["reason"]
    else:
        return None
    seconds = event.get("seconds", event.get("duration_seconds", "-"))
    return f"| {event['time'][11:23]} | {what} | {seconds} | {_cell(result)} |"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")[:300]


def write_metrics(runbook: Runbook, runs: Path, directory: Path) -> None:
    """`rampart_runbook_<id>.prom`: last run, last success, duration, status, drill times."""
    runs_of_runbook = [run for run in history(runs) if run.runbook == runbook.id]
    if not runs_of_runbook:
        return
    latest = runs_of_runbook[-1]
    events = read_journal(latest.directory / JOURNAL_NAME)
    runbook_id = runbook.id
    last_run = Family(
        "rampart_runbook_last_run_timestamp_seconds", "When the runbook last ran (start)."
    )
    last_success = Family(
        "rampart_runbook_last_success_timestamp_seconds",
        "When a run of the runbook last succeeded (end).",
    )
    duration = Family("rampart_runbook_last_duration_seconds", "How long the last run took.")
    status = Family("rampart_runbook_last_status", "Outcome of the last run: 1 for its status.")
    target = Family("rampart_runbook_rto_target_seconds", "The runbook's recovery time objective.")
    last_run.add(_time(latest.started).timestamp(), runbook=runbook_id)
    successes = [run for run in runs_of_runbook if run.status == "succeeded"]
    if successes:
        finished = [
            e
            for e in read_journal(successes[-1].directory / JOURNAL_NAME)
            if e["event"] == "run_finished"
        ]
        last_success.add(_time(finished[-1]["time"]).timestamp(), runbook=runbook_id)
    if latest.duration_seconds is not None:
        duration.add(latest.duration_seconds, runbook=runbook_id)
    for name in STATUSES:
        status.add(
            1 if latest.status == name else 0, runbook=runbook_id, status=name, mode=latest.mode
        )
    target.add(runbook.rto_seconds, runbook=runbook_id)
    families = [last_run, last_success, duration, status, target]
    measured = timings(events)
    names = {
        "outage": (
            "rampart_runbook_last_recovery_seconds",
            "Fault (or start) to recovery in the last run: the RTO achieved.",
        ),
        "detect": (
            "rampart_runbook_last_detection_seconds",
            "Fault to detection in the last drill.",
        ),
    }
    for key, (name, help_text) in names.items():
        if key in measured:
            families.append(Family(name, help_text).add(measured[key], runbook=runbook_id))
    write_atomically(
        directory / f"rampart_runbook_{runbook_id.replace('-', '_')}.prom", render(families)
    )
