"""Run a runbook: steady state, steps with retries and verification, exit criteria; on a
failure or a signal, the rollbacks of completed steps in reverse order. Every event goes
to the journal as it happens; the report and the metrics are made from the journal.
"""

from __future__ import annotations

import secrets
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from rampart.caller import operator_name
from rampart.errors import ConfigError, RampartError
from rampart.interrupts import raised_on_signals
from rampart.inventory import load_inventory
from rampart.journal import RUN_STARTED, Journal, JournalDamagedError, read_journal
from rampart.journal import now as journal_time
from rampart.runbook import evidence, measure
from rampart.runbook.actions import Prompter, Result, execute
from rampart.runbook.context import RunContext, resolve_secrets
from rampart.runbook.journal import JOURNAL_NAME, open_journal
from rampart.runbook.load import load_runbook
from rampart.runbook.model import Runbook, Step

OUTPUT_LIMIT = 4000
"""Characters of a step's output kept in the journal (the summary is always kept)."""


@dataclass(frozen=True)
class RunOptions:
    """How to run: drill or incident, who may approve, where runs and metrics go."""

    drill: bool
    runs: Path
    inventory: Path
    metrics: Path | None = None
    metrics_host: str | None = None
    yes: bool = False
    interactive: bool = False
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended and where its evidence is."""

    run_id: str
    status: str
    directory: Path
    rollbacks: tuple[str, ...]


class StepFailed(RampartError):  # noqa: N818 - reads as what happened
    """A step, a verification or an exit criterion did not pass."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived during the run. A BaseException, like KeyboardInterrupt,
    so no `except Exception` in a step swallows it: the run stops and rolls back."""


def new_run_id(runbook: Runbook) -> str:
    """`<runbook>-<UTC time>-<4 hex>`: sortable, and unique on one controller."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{runbook.id}-{stamp}-{secrets.token_hex(2)}"


def runner_name() -> str:
    """This machine's short host name, as the inventory would name it."""
    return socket.gethostname().split(".")[0]


def start(runbook: Runbook, options: RunOptions) -> RunOutcome:
    """Run a runbook from its first step under a new run id."""
    run_id = new_run_id(runbook)
    variables = {**runbook.vars, **options.overrides, "run_id": run_id}
    context = _context(runbook, options, variables)
    metrics = _metrics(options, context)
    journal = open_journal(options.runs / run_id)
    journal.write(
        "run_started",
        run_id=run_id,
        runbook=runbook.id,
        file=str(runbook.file.resolve()),
        digest=runbook.digest,
        mode="drill" if options.drill else "incident",
        operator=operator_name(),
        controller=socket.gethostname(),
        inventory=str(options.inventory.resolve()),
        vars=variables,
        rto_seconds=runbook.rto_seconds,
    )
    run = Run(runbook, context, journal, options, run_id, metrics)
    return run.execute(skip=set(), resumed=False)


def resume(run_id: str, options: RunOptions) -> RunOutcome:
    """Continue a failed or interrupted run: steps whose effect still stands are skipped,
    steps that were rolled back or never finished run again, then the rest."""
    directory = options.runs / run_id
    if not (directory / JOURNAL_NAME).is_file():
        raise ConfigError(f"no run {run_id} in {options.runs}")
    events = read_journal(directory / JOURNAL_NAME)
    started = events[0]
    if started["event"] != RUN_STARTED or not {
        "file",
        "digest",
        "mode",
        "inventory",
        "vars",
    } <= set(started):
        raise JournalDamagedError(f"{directory / JOURNAL_NAME}:1: damaged journal: no run_started")
    finished = [event for event in events if event["event"] == "run_finished"]
    if finished and events[-1]["event"] == "run_finished" and finished[-1]["status"] == "succeeded":
        raise ConfigError(f"run {run_id} already succeeded; nothing to resume")
    runbook = load_runbook(Path(started["file"]))
    if runbook.digest != started["digest"]:
        raise ConfigError(
            f"runbook {runbook.file} changed since run {run_id} started; start a new run"
        )
    drill = started["mode"] == "drill"
    inventory = Path(started["inventory"])
    options = RunOptions(
        drill=drill,
        runs=options.runs,
        inventory=inventory,
        metrics=options.metrics,
        metrics_host=options.metrics_host,
        yes=options.yes,
        interactive=options.interactive,
    )
    context = _context(runbook, options, started["vars"])
    metrics = _metrics(options, context)
    passed = {e["index"] for e in events if e["event"] == "step_finished" and e["passed"]}
    undone = {e["index"] for e in events if e["event"] == "rollback_finished"}
    skip = passed - undone
    journal = open_journal(directory)
    first = min(
        (
            index
            for index, step in enumerate(runbook.steps)
            if step.runs_in(drill) and index not in skip
        ),
        default=len(runbook.steps),
    )
    journal.write(
        "run_resumed",
        operator=operator_name(),
        from_step=runbook.steps[first].name if first < len(runbook.steps) else None,
        redo=[runbook.steps[index].name for index in sorted(undone & passed)],
    )
    run = Run(runbook, context, journal, options, run_id, metrics)
    run.approvals = {
        runbook.steps[index].name for index in skip if runbook.steps[index].kind == "approval"
    }
    return run.execute(skip=skip, resumed=True)


def dry_run_context(runbook: Runbook, options: RunOptions) -> RunContext:
    """The context a dry run renders with: no secrets read, nothing contacted."""
    return RunContext(
        inventory=load_inventory(options.inventory),
        variables={**runbook.vars, **options.overrides, "run_id": "<run id>"},
        drill=options.drill,
    )


def _metrics(options: RunOptions, context: RunContext) -> evidence.MetricsDestination:
    """Where the run's metrics go, decided before the run starts (a bad choice is one line)."""
    return evidence.metrics_destination(
        options.metrics, context.inventory, runner_name(), options.metrics_host
    )


def _context(runbook: Runbook, options: RunOptions, variables: dict[str, Any]) -> RunContext:
    inventory = load_inventory(options.inventory)
    root = Path.cwd()
    return RunContext(
        inventory=inventory,
        variables=variables,
        secrets=resolve_secrets(runbook, root),
        drill=options.drill,
        root=root,
    )


class Run:
    """One execution (or resumption) of a runbook, writing to its journal."""

    def __init__(
        self,
        runbook: Runbook,
        context: RunContext,
        journal: Journal,
        options: RunOptions,
        run_id: str,
        metrics: evidence.MetricsDestination,
    ) -> None:
        self.runbook = runbook
        self.context = context
        self.journal = journal
        self.options = options
        self.run_id = run_id
        self.prompter = Prompter(interactive=options.interactive, yes=options.yes)
        self.completed: list[tuple[int, Step]] = []
        self.approvals: set[str] = set()
        self.started = time.monotonic()
        self.metrics = metrics

    def execute(self, *, skip: set[int], resumed: bool) -> RunOutcome:
        """Run everything; always ends with a `run_finished` event, report and metrics."""
        status, reason = "succeeded", ""
        rollbacks: list[str] = []
        failed_step = None
        try:
            with raised_on_signals(lambda name: Interrupted(f"interrupted by {name}")):
                if not resumed:
                    self._steady_state()
                for index, step in enumerate(self.runbook.steps):
                    if not step.runs_in(self.options.drill):
                        mode = "a drill" if step.when == "drill" else "an incident"
                        self._say(f"skip  {step.name} (only in {mode})")
                        self.journal.write(
                            "step_skipped", index=index, name=step.name, reason=f"only in {mode}"
                        )
                        continue
                    if index in skip:
                        self._say(f"skip  {step.name} (done earlier in this run)")
                        self.journal.write(
                            "step_skipped", index=index, name=step.name, reason="done earlier"
                        )
                        self.completed.append((index, self.context.render(step)))
                        continue
                    failed_step = step.name
                    self._step(index, step)
                failed_step = "exit criteria"
                self._checks("exit_criteria", self.runbook.exit_criteria)
                failed_step = None
                self._measure()
        except StepFailed as failure:
            status, reason = "failed", str(failure)
        except Interrupted as interruption:
            status, reason = "interrupted", str(interruption)
        except RampartError as error:
            status, reason = "failed", str(error)
        if status != "succeeded":
            self._say(f"{status.upper()}: {reason}")
            with _signals_ignored(self.journal):
                rollbacks = self._rollbacks()
        duration = time.monotonic() - self.started
        self.journal.write(
            "run_finished",
            status=status,
            reason=reason,
            failed_step=failed_step if status != "succeeded" else None,
            rollbacks=list(rollbacks),
            duration_seconds=round(duration, 3),
        )
        self.journal.close()
        self._say(f"run {self.run_id}: {status}" + (f" ({reason})" if reason else ""))
        evidence.write(self.journal.path.parent, self.runbook, self.options.runs, self.metrics)
        self._say(f"evidence: {self.journal.path.parent / 'evidence.md'}")
        self._say(f"metrics: {self.metrics.describe()}")
        return RunOutcome(self.run_id, status, self.journal.path.parent, tuple(rollbacks))

    def _steady_state(self) -> None:
        """A drill starts only from the steady state; an incident notes it and goes on."""
        try:
            self._checks("steady_state", self.runbook.steady_state)
        except StepFailed as failure:
            if self.options.drill:
                raise StepFailed(f"not in the steady state, no fault injected: {failure}") from None

    def _checks(self, phase: str, checks: tuple[Step, ...]) -> None:
        failures = []
        for number, check in enumerate(checks):
            rendered = self.context.render(check)
            started = time.monotonic()
            result = execute(rendered, self.context, self.prompter)
            self._record(
                "check",
                phase=phase,
                index=number,
                name=check.name or f"{phase}[{number}]",
                passed=result.passed,
                result=result,
                seconds=time.monotonic() - started,
            )
            self._say(f"{_mark(result.passed)} {phase}: {check.name}: {result.summary}")
            if not result.passed:
                failures.append(f"{check.name or number}: {self._clean(result.summary)}")
        if failures:
            raise StepFailed(f"{phase} does not hold: {'; '.join(failures)}")

    def _step(self, index: int, step: Step) -> None:
        """Run a step with its retries and verification; raises StepFailed if it does not pass."""
        if step.approval and step.approval not in self.approvals:
            self.journal.write("step_started", index=index, name=step.name, kind=step.kind)
            self._finish(index, step, False, 0.0, f"approval '{step.approval}' was not granted")
            raise StepFailed(f"{step.name}: approval '{step.approval}' was not granted")
        rendered = self.context.render(step)
        self.journal.write(
            "step_started",
            index=index,
            name=step.name,
            kind=step.kind,
            target=rendered.target,
            command=self._clean(_describe(rendered)),
        )
        self._say(f"run   {step.name} [{step.kind}] {_describe(rendered)}")
        started = time.monotonic()
        result = Result(False, "not run")
        since = journal_time()
        for attempt in range(1, rendered.retries + 2):
            attempt_started = time.monotonic()
            since = journal_time()
            result = execute(rendered, self.context, self.prompter)
            if result.passed and rendered.verify is not None:
                verified = execute(rendered.verify, self.context, self.prompter)
                if not verified.passed:
                    result = Result(
                        False, f"verification failed: {verified.summary}", result.output
                    )
            self._record(
                "step_attempt",
                index=index,
                name=step.name,
                attempt=attempt,
                passed=result.passed,
                result=result,
                seconds=time.monotonic() - attempt_started,
            )
            if result.passed:
                break
            if attempt <= rendered.retries:
                self._say(f"retry {step.name}: {self._clean(result.summary)}")
                time.sleep(rendered.retry_delay_seconds)
        self._finish(index, step, result.passed, time.monotonic() - started, result.summary)
        if not result.passed:
            raise StepFailed(f"step {step.name} failed: {self._clean(result.summary)}")
        self.completed.append((index, rendered))
        if step.kind == "approval":
            self.approvals.add(step.name)
        if step.milestone:
            self.journal.write("milestone", name=step.milestone, step=step.name, since=since)

    def _measure(self) -> None:
        """In a drill with a `measure` section, take the fault's times from monitoring:
        from the injection's start to the prober's first success after its failure."""
        if not self.options.drill or self.runbook.measure is None:
            return
        events = read_journal(self.journal.path)
        injected = [
            e for e in events if e["event"] == "milestone" and e["name"] == "fault_injected"
        ]
        if not injected:
            return
        fault = injected[-1]
        fault_at = datetime.fromisoformat(str(fault.get("since", fault["time"]))).timestamp()
        measurement = self.runbook.measure.rendered(self.context.render_text)
        self._say(
            f"wait  for Prometheus to show the outage and the recovery ({measurement.service})"
        )
        seen = measure.measure(measurement, fault_at, self.context)
        self.journal.write("measured", **seen.journal_fields())
        if seen.problem:
            self._say(f"FAIL  measure: {self._clean(seen.problem)}")
        else:
            assert seen.prober_up_at is not None
            self._say(
                f"ok    measure: the prober saw {seen.prober_up_at - fault_at:.1f} s of outage"
            )

    def _finish(self, index: int, step: Step, passed: bool, seconds: float, summary: str) -> None:
        self.journal.write(
            "step_finished",
            index=index,
            name=step.name,
            passed=passed,
            seconds=round(seconds, 3),
            summary=self._clean(summary),
        )
        self._say(
            f"{'ok' if passed else 'FAIL':5} {step.name} ({seconds:.2f} s): {self._clean(summary)}"
        )

    def _rollbacks(self) -> list[str]:
        """Undo completed steps, last first; a failing rollback does not stop the others."""
        ran: list[str] = []
        for index, step in reversed(self.completed):
            if step.rollback is None:
                continue
            if not step.rollback.runs_in(self.context.drill):
                self.journal.write("rollback_skipped", index=index, name=step.name)
                self._say(f"keep  {step.name}: its rollback is for drills only")
                continue
            self.journal.write("rollback_started", index=index, name=step.name)
            self._say(f"undo  {step.name}: {_describe(step.rollback)}")
            started = time.monotonic()
            result = execute(step.rollback, self.context, self.prompter)
            self.journal.write(
                "rollback_finished",
                index=index,
                name=step.name,
                passed=result.passed,
                seconds=round(time.monotonic() - started, 3),
                summary=self._clean(result.summary),
                output=self._clean(result.output)[-OUTPUT_LIMIT:],
            )
            self._say(f"{_mark(result.passed)} rollback of {step.name}: {result.summary}")
            ran.append(step.name)
        return ran

    def _record(self, event: str, *, result: Result, seconds: float, **fields: Any) -> None:
        self.journal.write(
            event,
            **fields,
            seconds=round(seconds, 3),
            summary=self._clean(result.summary),
            output=self._clean(result.output)[-OUTPUT_LIMIT:],
        )

    def _clean(self, text: str) -> str:
        return self.context.scrub(text)

    def _say(self, line: str) -> None:
        print(self._clean(line), flush=True)


def _describe(step: Step) -> str:
    """What a rendered step does, in one line, as `show` and the dry run print it."""
    where = f" on {step.target}" if step.target else ""
    if step.kind in ("ssh", "local"):
        return f"`{step.command}`{where}"
    if step.kind == "playbook":
        tags = f" --tags {','.join(step.tags)}" if step.tags else ""
        extra = "".join(f" -e {assignment}" for assignment in step.extra_vars)
        return f"ansible-playbook {step.playbook}{tags}{extra}{where}"
    if step.kind == "restic":
        return f"restic --repo {step.repository} {' '.join(step.restic)}{where}"
    if step.kind in ("http", "tcp"):
        what = (
            f"catalog check {step.service}/{step.check}"
            if step.service
            else step.url or f"port {step.port}"
        )
        expectation = " expecting it to FAIL" if step.outcome == "failure" else ""
        return f"{step.kind} {what}{where}{expectation}"
    if step.kind == "prometheus":
        return f"PromQL `{step.query}` {step.compare}"
    if step.kind == "wait":
        assert step.until is not None
        every = f"every {step.interval_seconds} s up to {step.timeout_seconds} s"
        return f"{every} until {_describe(step.until)}"
    if step.kind == "copy":
        return f"copy {step.source} -> {step.destination} through the runner, sha256 recorded"
    return f"ask: {step.prompt}"


describe = _describe


def _mark(passed: bool) -> str:
    """The left column of the run's screen output."""
    return f"{'ok' if passed else 'FAIL':5}"


@contextmanager
def _signals_ignored(journal: Journal) -> Iterator[None]:
    """While rollbacks run, a further signal is noted and otherwise ignored."""

    def note(number: int, frame: FrameType | None) -> None:
        journal.write(
            "signal_ignored", signal=signal.Signals(number).name, reason="rollbacks running"
        )
        print(f"{signal.Signals(number).name} ignored: rollbacks are running", file=sys.stderr)

    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
