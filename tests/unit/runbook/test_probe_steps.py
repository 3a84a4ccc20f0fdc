"""The http step runs the prober's http check (`rampart.checks`) against real servers."""

from __future__ import annotations

from pathlib import Path

from rampart.inventory import load_inventory
from rampart.runbook.actions import Prompter, execute
from rampart.runbook.context import RunContext
from rampart.runbook.model import Step

ROOT = Path(__file__).resolve().parents[3]
PROMPTER = Prompter(interactive=False, yes=False)


def context() -> RunContext:
    return RunContext(inventory=load_inventory(ROOT / "inventory" / "example"), variables={})


def test_http_step_passes_like_the_prober(http_port: int) -> None:
    step = Step(kind="http", url=f"http://127.0.0.1:{http_port}/health", expect_body="ok")
    result = execute(step, context(), PROMPTER)
    assert result.passed, result.summary
    assert result.summary.startswith(f"ok http://127.0.0.1:{http_port}/health in ")


def test_http_step_does_not_follow_a_redirect_as_the_prober_does_not(http_port: int) -> None:
    step = Step(kind="http", url=f"http://127.0.0.1:{http_port}/moved", expect_status=200)
    result = execute(step, context(), PROMPTER)
    assert not result.passed
    assert result.summary == f"down http://127.0.0.1:{http_port}/moved: status 302, expected 200"


def test_http_step_names_a_missing_body(http_port: int) -> None:
    step = Step(kind="http", url=f"http://127.0.0.1:{http_port}/", expect_body="Payroll")
    result = execute(step, context(), PROMPTER)
    assert result.summary.endswith("body does not contain 'Payroll'")


def test_https_step_verifies_against_its_ca_file(tmp_path: Path, http_port: int) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("not a certificate\n")
    step = Step(kind="http", url=f"https://127.0.0.1:{http_port}/", ca_file=str(ca_file))
    result = execute(step, context(), PROMPTER)
    assert not result.passed and result.summary.startswith("down https://127.0.0.1:")
