"""Runbook figures (issue 6), printed as tables; not a pass/fail test.

1. Engine overhead per step: a runbook of local no-op steps (`true`) run by the engine,
   against running `true` the same number of times with `rampart.commands.run`.
2. The service-outage drill on the lab: time to detect and time to recover, per run.
3. With `all`: every other shipped drill once (backup-failed, restore-drill,
   data-leak-containment, host-lost), the same figures. host-lost really rebuilds hr-01.

Run as root from the repository root with the lab up (RAMPART_LAB_INSTANCE set as for
the lab), with the venv's bin first on PATH (drill steps call `rampart` and
`ansible-playbook`): `.venv/bin/python -m tests.benchmarks.runbook_benchmark [RUNS] [all]`.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rampart.commands import run
from rampart.journal import read_journal
from rampart.runbook import engine
from rampart.runbook.evidence import timings
from rampart.runbook.journal import JOURNAL_NAME
from rampart.runbook.load import load_runbook

ROOT = Path(__file__).resolve().parents[2]
STEPS = 100


def no_op_runbook(folder: Path) -> Path:
    """A runbook of STEPS local `true` steps."""
    steps = "".join(
        f"  - name: step-{number}\n    kind: local\n    command: 'true'\n    destructive: false\n"
        for number in range(STEPS)
    )
    path = folder / "no-op.yml"
    path.write_text(
        "---\nid: no-op\ntitle: No-op\nowner: bench\nclauses: [REG-9.2]\nseverity: low\n"
        "rto_seconds: 60\nsteps:\n"
        + steps
        + "exit_criteria:\n  - {kind: local, command: 'true'}\n",
        encoding="utf-8",
    )
    return path


def engine_overhead() -> tuple[float, float, float]:
    """(engine seconds per step, raw seconds per command, overhead per step)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        runbook = load_runbook(no_op_runbook(folder))
        options = engine.RunOptions(
            drill=False,
            runs=folder / "runs",
            inventory=ROOT / "inventory" / "example",
            metrics=folder / "metrics",
        )
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):
            outcome = engine.start(runbook, options)
        engine_seconds = time.monotonic() - started
        assert outcome.status == "succeeded"
    started = time.monotonic()
    for _ in range(STEPS + 1):
        run(["true"])
    raw_seconds = time.monotonic() - started
    per_step = engine_seconds / (STEPS + 1)
    per_raw = raw_seconds / (STEPS + 1)
    return per_step, per_raw, per_step - per_raw


BACKED_UP = ("oa-01", "hr-01", "fin-01")
OTHER_DRILLS = ("backup-failed", "restore-drill", "data-leak-containment", "host-lost")


def drills(runbook_id: str, count: int) -> list[dict[str, float]]:
    """Run a runbook's drill `count` times on the lab; its measured timings."""
    runbook = load_runbook(ROOT / "runbooks" / f"{runbook_id}.yml")
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        options = engine.RunOptions(
            drill=True,
            runs=Path(scratch) / "runs",
            inventory=ROOT / "inventory" / "lab",
            metrics=Path(scratch) / "metrics",
            yes=True,
        )
        for _ in range(count):
            with contextlib.redirect_stdout(io.StringIO()):
                outcome = engine.start(runbook, options)
            assert outcome.status == "succeeded", outcome
            events = read_journal(outcome.directory / JOURNAL_NAME)
            taken = {key: timing.seconds for key, timing in timings(events).items()}
            measured = {"detect": 0.0, "recover": 0.0, "outage": 0.0, **taken}
            measured["run"] = next(e for e in events if e["event"] == "run_finished")[
                "duration_seconds"
            ]
            results.append(measured)
    return results


def main() -> None:
    """Print both tables."""
    per_step, per_raw, overhead = engine_overhead()
    print(f"Engine overhead, {STEPS} local no-op steps (`true`)")
    print("| measure | ms |")
    print("| --- | --- |")
    print(f"| engine, per step (journal fsync, render, run) | {per_step * 1000:.2f} |")
    print(f"| raw `true` via rampart.commands.run | {per_raw * 1000:.2f} |")
    print(f"| overhead per step | {overhead * 1000:.2f} |")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    results = drills("service-outage", count)
    print(f"\nservice-outage drill on the lab (nginx stopped on oa-01), {count} runs")
    print("| run | detect s | recover s | outage (RTO achieved) s | whole run s |")
    print("| --- | --- | --- | --- | --- |")
    for number, result in enumerate(results, start=1):
        print(
            f"| {number} | {result['detect']:.3f} | {result['recover']:.3f} |"
            f" {result['outage']:.3f} | {result['run']:.3f} |"
        )
    for key in ("detect", "recover", "outage"):
        values = [result[key] for result in results]
        print(f"median {key}: {statistics.median(values):.3f} s (max {max(values):.3f} s)")
    if "all" not in sys.argv[2:]:
        return
    for host in BACKED_UP:  # the steady state of backup-failed and restore-drill
        run(["rampart", "lab", "ssh", host, "rampart", "backup", "run"], timeout=1800)
    print("\nThe other drills on the lab, one run each (0: the drill has no such milestone)")
    print("| drill | detect s | recover s | outage (RTO achieved) s | whole run s |")
    print("| --- | --- | --- | --- | --- |")
    for runbook_id in OTHER_DRILLS:
        (result,) = drills(runbook_id, 1)
        print(
            f"| {runbook_id} | {result['detect']:.3f} | {result['recover']:.3f} |"
            f" {result['outage']:.3f} | {result['run']:.3f} |"
        )


if __name__ == "__main__":
    main()
