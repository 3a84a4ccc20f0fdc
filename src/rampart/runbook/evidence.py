"""The evidence of a run, made from its journal: a Markdown report for auditors and
node_exporter textfile metrics (`rampart_runbook_*`) for dashboards and alerts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from rampart.errors import ConfigError, RampartError
from rampart.inventory import Inventory
from rampart.journal import STATUSES, read_journal
from rampart.plan.monitoring import MONITORING_GROUP
from rampart.runbook.journal import JOURNAL_NAME, REPORT_NAME, history
from rampart.runbook.model import Runbook
from rampart.ssh import SshTarget, target_from_vars
from rampart.textfile import Family, render, write_atomically, write_remotely

METRICS_ENVIRONMENT = "RAMPART_TEXTFILE_DIR"
DEFAULT_METRICS_DIRECTORY = Path("/var/lib/prometheus/node-exporter")


@dataclass(frozen=True)
class MetricsDestination:
    """Where a run's textfile metrics go: a folder here, or node_exporter's folder on a
    host of the inventory (reached over SSH) when the run is on a machine nothing scrapes."""

    directory: Path
    host: str | None = None
    target: SshTarget | None = None
    runner: str = ""
    """The machine the run ran on: the `runner` label, so runs from several places differ."""

    def describe(self) -> str:
        """Where, in words."""
        return f"{self.host}:{self.directory}" if self.host else str(self.directory)


def metrics_destination(
    given: Path | None, inventory: Inventory, runner: str, drill_host: str | None = None
) -> MetricsDestination:
    """The flag or $RAMPART_TEXTFILE_DIR, a folder here; else, on a host of the inventory
    (a drill host), node_exporter's folder here; else (the controller, which nothing
    scrapes) node_exporter's folder on the drill host: `drill_host`, or the first host of
    the monitoring group, where the drills role runs scheduled drills."""
    if given is not None:
        return MetricsDestination(given, runner=runner)
    if METRICS_ENVIRONMENT in os.environ:
        return MetricsDestination(Path(os.environ[METRICS_ENVIRONMENT]), runner=runner)
    if any(runner in (host, host.split(".")[0]) for host in inventory.hosts):
        return MetricsDestination(DEFAULT_METRICS_DIRECTORY, runner=runner)
    group = inventory.groups.get(MONITORING_GROUP)
    host = drill_host or (sorted(group.hosts)[0] if group and group.hosts else None)
    if host is None or host not in inventory.hosts:
        raise ConfigError(
            f"nowhere to put the run's metrics: {runner} is no host of {inventory.directory}"
            f" and it has no {MONITORING_GROUP} host; give --metrics-dir or --metrics-host"
        )
    return MetricsDestination(
        DEFAULT_METRICS_DIRECTORY,
        host=host,
        target=target_from_vars(host, inventory.hosts[host].vars),
        runner=runner,
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Timing:
    """A drill time in seconds and where it was taken from, as the evidence states it."""

    seconds: float
    source: str


def timings(events: list[dict[str, Any]]) -> dict[str, Timing]:
    """The run's recovery times: `outage` (the RTO achieved), `detect` and `recover` (from
    detection), plus `counted` (the prober's own count of the downtime).

    A drill measured by monitoring (a `measured` event without a problem) counts from the
    fault's injection to the alert firing and to the prober's first success after its
    failure, as Prometheus holds them. Otherwise the runbook's own milestones are used:
    from the injection (or the run's start) to the step marked `recovered`."""
    measured = [e for e in events if e["event"] == "measured"]
    if measured and not measured[-1].get("problem"):
        return _monitored(measured[-1])
    marks: dict[str, datetime] = {}
    for event in events:
        if event["event"] == "milestone":
            marks[event["name"]] = _time(str(event.get("since", event["time"])))
    origin = "the fault's injection" if "fault_injected" in marks else "the run's start"
    start = marks.get("fault_injected", _time(events[0]["time"]))
    own = "the runbook's own steps"
    result: dict[str, Timing] = {}
    if "detected" in marks and "fault_injected" in marks:
        seconds = (marks["detected"] - marks["fault_injected"]).total_seconds()
        result["detect"] = Timing(
            seconds, f"{own}: the fault's injection to the step marked detected"
        )
    if "recovered" in marks:
        seconds = (marks["recovered"] - start).total_seconds()
        result["outage"] = Timing(seconds, f"{own}: {origin} to the step marked recovered")
        if "detected" in marks:
            seconds = (marks["recovered"] - marks["detected"]).total_seconds()
            result["recover"] = Timing(seconds, f"{own}: detection to the step marked recovered")
    return result


def _monitored(event: dict[str, Any]) -> dict[str, Timing]:
    fault = float(event["fault_at"])
    up = float(event["prober_up_at"])
    seen = "in Prometheus"
    result = {
        "outage": Timing(
            up - fault, f"the fault's injection to the prober's first success after it, {seen}"
        ),
        "prober_detect": Timing(
            float(event["prober_down_at"]) - fault,
            f"the fault's injection to the prober's first failure, {seen}",
        ),
    }
    detected = event.get("alert_fired_at")
    if detected is not None:
        result["detect"] = Timing(
            float(detected) - fault, f"the fault's injection to the alert firing, {seen}"
        )
        result["recover"] = Timing(
            up - float(detected), f"the alert firing to the prober's first success, {seen}"
        )
    else:
        result["detect"] = result["prober_detect"]
    if event.get("prober_down_seconds") is not None:
        result["counted"] = Timing(
            float(event["prober_down_seconds"]),
            "the prober's own count, rampart_availability_down_seconds_total",
        )
    return result


def write(directory: Path, runbook: Runbook, runs: Path, metrics: MetricsDestination) -> None:
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
    try:
        write_metrics(runbook, runs, metrics)
    except (OSError, RampartError) as error:
        print(
            f"rampart: warning: cannot write metrics in {metrics.describe()}: {error}",
            file=sys.stderr,
        )


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
    lines += ["", "## Recovery time", "", *recovery_lines(events, runbook.rto_seconds)]
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


def recovery_lines(events: list[dict[str, Any]], rto: int) -> list[str]:
    """The report's recovery times, each with where it was taken from."""
    measured = timings(events)
    lines = []
    for event in events:
        if event["event"] == "measured" and event.get("problem"):
            lines.append(f"- not measured by monitoring: {event['problem']}")
        elif event["event"] == "measured":
            lines.append(f"- measured by monitoring: {event['source']}")
        if event["event"] == "milestone" and event["name"] == "fault_injected":
            lines.append(f"- fault began: {event.get('since', event['time'])} (the injection)")
    if "outage" in measured:
        outage = measured["outage"]
        verdict = "met" if outage.seconds <= rto else "MISSED"
        lines.append(
            f"- RTO achieved: {outage.seconds:.1f} s against a target of {rto} s: **{verdict}**"
            f" (from {outage.source})"
        )
    else:
        lines.append(f"- RTO achieved: not measured (no recovery milestone); target {rto} s")
    labels = {
        "detect": "time to detect",
        "prober_detect": "time until the prober saw the failure",
        "recover": "time to recover (from detection)",
        "counted": "downtime the prober counted",
    }
    for key, label in labels.items():
        if key in measured and not (key == "prober_detect" and measured[key] == measured["detect"]):
            lines.append(f"- {label}: {measured[key].seconds:.1f} s (from {measured[key].source})")
    return lines


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
        what, result = f"milestone **{event['name']}**", f"since {event.get('since', '-')}"
    elif kind == "measured":
        what = "monitoring's view"
        result = event.get("problem") or event["source"]
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


def write_metrics(runbook: Runbook, runs: Path, destination: MetricsDestination) -> None:
    """`rampart_runbook_<id>.prom`: last run, last success, duration, status, drill times,
    labelled with the runner; written on the destination's host when it names one (as
    `rampart_runbook_<id>_from_<runner>.prom`, beside that host's own runs)."""
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
            "Fault (or start) to recovery in the last run: the RTO achieved (the prober's"
            " view when the runbook measures it).",
        ),
        "detect": (
            "rampart_runbook_last_detection_seconds",
            "Fault to detection (the alert firing, when measured) in the last drill.",
        ),
    }
    for key, (name, help_text) in names.items():
        if key in measured:
            families.append(Family(name, help_text).add(measured[key].seconds, runbook=runbook_id))
    runner = destination.runner
    for family in families:
        family.samples = [({**labels, "runner": runner}, value) for labels, value in family.samples]
    name = f"rampart_runbook_{runbook_id.replace('-', '_')}"
    if destination.target is None:
        write_atomically(destination.directory / f"{name}.prom", render(families))
        return
    remote = f"{name}_from_{_file_word(runner)}.prom"
    write_remotely(
        destination.target, PurePosixPath(destination.directory) / remote, render(families)
    )


def _file_word(text: str) -> str:
    """A host name as part of a file name."""
    return "".join(letter if letter.isalnum() else "_" for letter in text)
