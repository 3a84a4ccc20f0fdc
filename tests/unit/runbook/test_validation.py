"""Invalid runbooks are refused with FILE:LINE: KEY: problem lines, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rampart.runbook.load import RunbookInvalid, load_runbook

ROOT = Path(__file__).resolve().parents[3]
RAMPART = str(Path(sys.executable).with_name("rampart"))

VALID = """\
---
id: example
title: Example
owner: IT
clauses: [REG-9.2]
severity: low
rto_seconds: 60
steps:
  - name: look
    kind: local
    command: "true"
    destructive: false
  - name: change
    kind: local
    command: touch /tmp/x
    rollback:
      kind: local
      command: rm -f /tmp/x
exit_criteria:
  - name: done
    kind: local
    command: "true"
"""


def write(tmp_path: Path, text: str, name: str = "example.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RunbookInvalid) as caught:
        load_runbook(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_valid_example_loads(tmp_path: Path) -> None:
    runbook = load_runbook(write(tmp_path, VALID))
    assert [step.name for step in runbook.steps] == ["look", "change"]
    assert runbook.steps[1].destructive is True
    assert runbook.steps[0].destructive is False


def test_shipped_runbooks_are_valid() -> None:
    result = subprocess.run(
        [RAMPART, "runbook", "validate", "runbooks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "runbook OK: runbooks/service-outage.yml" in result.stdout


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("severity: low", "severity: [low"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "not valid YAML" in problem
    line = int(problem.split(":")[1])
    assert line in (6, 7)


def test_unknown_step_kind_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        VALID.replace('kind: local\n    command: "true"', 'kind: sssh\n    command: "true"', 1),
    )
    problems = problems_of(path)
    assert f"{path}:10: steps[0].kind: 'sssh' is not one of:" in problems[0]
    assert "did you mean 'ssh'" in problems[0]


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        VALID.replace("    destructive: false\n", "    destructive: false\n    retires: 3\n"),
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:13: steps[0].retires: unknown key (did you mean 'retries'?)")


def test_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "owners: [x]\n")
    (problem,) = problems_of(path)
    assert f"{path}:23: owners: unknown key" in problem


def test_destructive_step_without_rollback_or_approval_is_refused(tmp_path: Path) -> None:
    text = VALID.replace("    rollback:\n      kind: local\n      command: rm -f /tmp/x\n", "")
    (problem,) = problems_of(write(tmp_path, text))
    assert ":13: steps[1]: step 'change' may change things (kind local)" in problem


def test_an_approval_gate_is_enough_for_a_destructive_step(tmp_path: Path) -> None:
    text = VALID.replace(
        "    rollback:\n      kind: local\n      command: rm -f /tmp/x\n",
        "    approval: approve\n",
    ).replace(
        "  - name: change\n",
        "  - name: approve\n    kind: approval\n    prompt: Go?\n  - name: change\n",
    )
    runbook = load_runbook(write(tmp_path, text))
    assert runbook.steps[2].approval == "approve"


def test_approval_must_name_an_earlier_gate(tmp_path: Path) -> None:
    text = VALID.replace(
        "    rollback:\n      kind: local\n      command: rm -f /tmp/x\n",
        "    approval: later\n",
    )
    (problem,) = problems_of(write(tmp_path, text))
    assert ":16: steps[1].approval: no earlier approval step named 'later'" in problem


def test_keys_of_another_kind_are_refused(tmp_path: Path) -> None:
    text = VALID.replace(
        '    command: "true"\n    destructive',
        '    command: "true"\n    url: http://x/\n    destructive',
        1,
    )
    (problem,) = problems_of(write(tmp_path, text))
    assert "steps[0].url: does not apply to local steps (only to http)" in problem


def test_a_rollback_cannot_be_a_check_only_kind(tmp_path: Path) -> None:
    text = VALID.replace(
        "      kind: local\n      command: rm -f /tmp/x",
        "      kind: wait\n      timeout_seconds: 3",
    )
    problems = problems_of(write(tmp_path, text))
    assert any("steps[1].rollback.kind: 'wait' is not one of: ssh, local" in p for p in problems)


def test_undeclared_secret_is_refused(tmp_path: Path) -> None:
    text = VALID.replace(
        "    destructive: false\n", "    destructive: false\n    secrets: [TOKEN]\n", 1
    )
    (problem,) = problems_of(write(tmp_path, text))
    assert ":13: steps[0].secrets: secret TOKEN is not declared under secrets" in problem


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, VALID, name="other.yml"))
    assert ":2: id: must match the file name (other)" in problem


def test_command_line_prints_every_problem_without_a_traceback(tmp_path: Path) -> None:
    text = VALID.replace("kind: local", "kind: sssh", 1).replace(
        "severity: low", "severity: urgent"
    )
    path = write(tmp_path, text)
    result = subprocess.run(
        [RAMPART, "runbook", "validate", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert "Traceback" not in result.stderr


def test_running_an_invalid_runbook_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("kind: local", "kind: sssh", 1))
    result = subprocess.run(
        [RAMPART, "runbook", "run", str(path), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_template_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    text = VALID.replace("command: touch /tmp/x", "command: test ${#X} = 3", 1)
    (problem,) = problems_of(write(tmp_path, text))
    assert ":15: steps[1].command: template does not parse" in problem


PLAYBOOK_STEP = """\
  - name: isolate
    kind: playbook
    playbook: playbooks/firewall.yml
    target: oa-01
    extra_vars: [{assignment}]
    rollback:
      kind: playbook
      playbook: playbooks/firewall.yml
      target: oa-01
exit_criteria:"""


def test_playbook_extra_variables_load_and_must_be_assignments(tmp_path: Path) -> None:
    good = VALID.replace(
        "exit_criteria:", PLAYBOOK_STEP.format(assignment="firewall_quarantine=true")
    )
    loaded = load_runbook(write(tmp_path, good))
    assert loaded.steps[-1].extra_vars == ("firewall_quarantine=true",)
    bad = VALID.replace("exit_criteria:", PLAYBOOK_STEP.format(assignment="quarantine"))
    (problem,) = problems_of(write(tmp_path, bad))
    assert "extra_vars" in problem and "NAME=VALUE" in problem, problem


COPY_STEP = """\
  - name: carry
    kind: copy
    source: "{{ host }}:/var/tmp/evidence.tar.gz"
    destination: {destination}
    destructive: {destructive}
"""


def with_copy_step(destination: str, destructive: str = "true") -> str:
    step = COPY_STEP.replace("{destination}", destination).replace("{destructive}", destructive)
    return VALID.replace("steps:\n", "vars:\n  host: oa-01\nsteps:\n" + step, 1)


def test_a_copy_step_needs_host_paths_and_counts_as_changing(tmp_path: Path) -> None:
    loose = problems_of(write(tmp_path, with_copy_step("/srv/evidence/x.tar.gz")))
    assert any(
        "steps[0].destination" in line and "a host and an absolute path" in line for line in loose
    ), loose
    unguarded = problems_of(write(tmp_path, with_copy_step("backup-01:/srv/e/x", "null")))
    assert any("may change things (kind copy)" in line for line in unguarded), unguarded
    fine = load_runbook(write(tmp_path, with_copy_step("backup-01:/srv/e/x", "false")))
    assert fine.steps[0].destination == "backup-01:/srv/e/x"
