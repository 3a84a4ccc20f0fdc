"""The engine on the controller with local steps: journal, rollbacks in reverse order,
signals, resume, approvals, secrets kept out of the journal, dry run, evidence, metrics."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RAMPART = str(Path(sys.executable).with_name("rampart"))
INVENTORY = ROOT / "inventory" / "example"

HEAD = """\
---
id: {id}
title: Test runbook
owner: IT
clauses: [REG-9.2]
severity: low
rto_seconds: 60
vars:
  work: {work}
"""


def undoable(name: str, command: str = "true") -> str:
    """A step that notes itself in `done` and whose rollback notes itself in `undone`."""
    return f"""\
  - name: {name}
    kind: local
    command: sh -c '{command} && echo {name} >> {{{{ work }}}}/done'
    rollback:
      kind: local
      command: sh -c 'echo {name} >> {{{{ work }}}}/undone'
"""


EXIT = """\
exit_criteria:
  - name: fine
    kind: local
    command: "true"
"""


def make(tmp_path: Path, steps: str, runbook_id: str = "test", extra: str = "") -> Path:
    (tmp_path / "work").mkdir(exist_ok=True)
    path = tmp_path / f"{runbook_id}.yml"
    head = HEAD.format(id=runbook_id, work=tmp_path / "work")
    path.write_text(head + extra + "steps:\n" + steps + EXIT, encoding="utf-8")
    return path


def run_argv(path: Path, runs: Path, metrics: Path | None = None) -> list[str]:
    """The `rampart runbook run` command line for a test runbook and its folders."""
    argv = [RAMPART, "runbook", "run", str(path), "--inventory", str(INVENTORY)]
    argv += ["--runs-dir", str(runs)]
    return argv + (["--metrics-dir", str(metrics)] if metrics else [])


def rampart(
    tmp_path: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            RAMPART,
            "runbook",
            *arguments,
            "--runs-dir",
            str(tmp_path / "runs"),
            *(["--metrics-dir", str(tmp_path / "metrics")] if arguments[0] != "history" else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def run(
    tmp_path: Path, path: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return rampart(tmp_path, "run", str(path), "--inventory", str(INVENTORY), *arguments, env=env)


def journal(tmp_path: Path) -> list[dict[str, object]]:
    (run_directory,) = (tmp_path / "runs").iterdir()
    lines = (run_directory / "journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_green_run_journals_reports_and_writes_metrics(tmp_path: Path) -> None:
    path = make(tmp_path, undoable("one") + undoable("two"))
    result = run(tmp_path, path)
    assert result.returncode == 0, result.stdout + result.stderr
    events = journal(tmp_path)
    assert events[0]["event"] == "run_started"
    assert events[-1]["event"] == "run_finished" and events[-1]["status"] == "succeeded"
    assert lines(tmp_path / "work" / "done") == ["one", "two"]
    assert not (tmp_path / "work" / "undone").exists()
    (run_directory,) = (tmp_path / "runs").iterdir()
    report = (run_directory / "evidence.md").read_text()
    assert "outcome | **succeeded**" in report and "step two" in report
    metrics = (tmp_path / "metrics" / "rampart_runbook_test.prom").read_text()
    runner = socket.gethostname().split(".")[0]
    assert (
        f'rampart_runbook_last_status{{mode="incident",runbook="test",runner="{runner}",'
        'status="succeeded"} 1' in metrics
    )
    assert (
        f'rampart_runbook_last_success_timestamp_seconds{{runbook="test",runner="{runner}"}}'
        in metrics
    )
    history = rampart(tmp_path, "history").stdout
    assert run_directory.name in history and "succeeded" in history


def test_a_failing_step_rolls_back_completed_steps_in_reverse_order(tmp_path: Path) -> None:
    path = make(
        tmp_path, undoable("one") + undoable("two") + undoable("three") + undoable("four", "false")
    )
    result = run(tmp_path, path)
    assert result.returncode == 1
    assert lines(tmp_path / "work" / "done") == ["one", "two", "three"]
    assert lines(tmp_path / "work" / "undone") == ["three", "two", "one"]
    finished = journal(tmp_path)[-1]
    assert finished["status"] == "failed"
    assert finished["failed_step"] == "four"
    assert finished["rollbacks"] == ["three", "two", "one"]


def test_sigterm_rolls_back_says_interrupted_and_resume_finishes(tmp_path: Path) -> None:
    gate = tmp_path / "work" / "fast"
    slow = f"test -e {gate} || sleep 30"
    path = make(tmp_path, undoable("one") + undoable("two", slow) + undoable("three"))
    process = subprocess.Popen(
        run_argv(path, tmp_path / "runs", tmp_path / "metrics"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = list((tmp_path / "runs").glob("*/journal.jsonl"))
        if (
            runs
            and '"name": "two"' in runs[0].read_text()
            and "step_started" in runs[0].read_text().split('"name": "two"')[0].rsplit("\n", 1)[-1]
        ):
            break
        time.sleep(0.1)
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 130
    finished = journal(tmp_path)[-1]
    assert finished["status"] == "interrupted"
    assert "SIGTERM" in str(finished["reason"])
    assert finished["rollbacks"] == ["one"]
    assert lines(tmp_path / "work" / "undone") == ["one"]

    gate.touch()
    (run_directory,) = (tmp_path / "runs").iterdir()
    resumed = rampart(tmp_path, "resume", run_directory.name)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert lines(tmp_path / "work" / "done") == ["one", "one", "two", "three"]
    events = journal(tmp_path)
    assert events[-1]["status"] == "succeeded"
    assert any(e["event"] == "run_resumed" and e["redo"] == ["one"] for e in events)
    again = rampart(tmp_path, "resume", run_directory.name)
    assert again.returncode == 2 and "already succeeded" in again.stderr


def test_resume_skips_steps_whose_effect_stands(tmp_path: Path) -> None:
    flag = tmp_path / "work" / "ok"
    steps = """\
  - name: look
    kind: local
    command: sh -c 'echo look >> {{ work }}/done'
    destructive: false
""" + undoable("two", f"test -e {flag}")
    path = make(tmp_path, steps)
    assert run(tmp_path, path).returncode == 1
    flag.touch()
    (run_directory,) = (tmp_path / "runs").iterdir()
    assert rampart(tmp_path, "resume", run_directory.name).returncode == 0
    assert lines(tmp_path / "work" / "done") == ["look", "two"]


GATE = """\
  - name: gate
    kind: approval
    prompt: Go on?
    safe_for_automation: {safe}
  - name: act
    kind: local
    command: sh -c 'echo act >> {{{{ work }}}}/done'
    approval: gate
"""


def test_yes_approves_only_gates_safe_for_automation(tmp_path: Path) -> None:
    safe = make(tmp_path, GATE.format(safe="true"), runbook_id="safe")
    assert run(tmp_path, safe, "--yes").returncode == 0
    assert lines(tmp_path / "work" / "done") == ["act"]
    unsafe = make(tmp_path, GATE.format(safe="false"), runbook_id="unsafe")
    result = run(tmp_path, unsafe, "--yes")
    assert result.returncode == 1
    assert "not safe for automation" in result.stdout
    assert lines(tmp_path / "work" / "done") == ["act"]
    without = run(tmp_path, safe)
    assert without.returncode == 1 and "needs approval" in without.stdout


def test_secrets_reach_the_step_but_never_the_journal_or_screen(tmp_path: Path) -> None:
    secret = "s3cr3t-value-0427"
    steps = """\
  - name: use
    kind: local
    command: sh -c 'echo token is $TOKEN; test -n "$TOKEN"'
    destructive: false
    secrets: [TOKEN]
"""
    path = make(tmp_path, steps, extra="secrets:\n  TOKEN: {env: TEST_TOKEN}\n")
    result = run(tmp_path, path, env={"TEST_TOKEN": secret})
    assert result.returncode == 0, result.stdout
    (run_directory,) = (tmp_path / "runs").iterdir()
    for file in run_directory.iterdir():
        assert secret not in file.read_text()
    assert "token is ********" in (run_directory / "journal.jsonl").read_text()
    assert secret not in result.stdout + result.stderr


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    path = make(tmp_path, undoable("one") + undoable("two"))
    result = run(tmp_path, path, "--dry-run")
    assert result.returncode == 0
    assert "nothing is run or changed" in result.stdout
    assert f"sh -c 'true && echo one >> {tmp_path}/work/done'" in result.stdout
    assert not (tmp_path / "work" / "done").exists()
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("interactive", [False])
def test_a_manual_step_fails_a_non_interactive_run_clearly(
    tmp_path: Path, interactive: bool
) -> None:
    steps = "  - name: ask\n    kind: manual\n    prompt: Check the rack\n"
    result = run(tmp_path, make(tmp_path, steps), "--yes")
    assert result.returncode == 1
    assert "a manual step needs a person" in result.stdout


def test_unwritable_runs_and_metrics_folders_are_one_line_each(tmp_path: Path) -> None:
    path = make(tmp_path, undoable("one"))
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = subprocess.run(
        run_argv(path, blocked / "runs"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("rampart: error: cannot write the journal")
    assert "Traceback" not in result.stderr
    result = subprocess.run(
        run_argv(path, tmp_path / "runs", blocked / "metrics"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0
    assert "rampart: warning: cannot write metrics" in result.stderr
    assert "Traceback" not in result.stderr
