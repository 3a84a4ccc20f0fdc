"""The prometheus step kind against a real Prometheus on loopback that scrapes itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rampart.inventory import load_inventory
from rampart.runbook.actions import Prompter, execute
from rampart.runbook.context import RunContext
from rampart.runbook.model import Step
from tests.unit.prometheus_server import free_port, running_prometheus

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prometheus that has scraped itself at least once; yields its base URL."""
    with running_prometheus(
        tmp_path_factory.mktemp("prometheus"), {}, ready='up{job="self"}'
    ) as base:
        yield base


def context() -> RunContext:
    return RunContext(inventory=load_inventory(ROOT / "inventory" / "example"), variables={})


PROMPTER = Prompter(interactive=False, yes=False)


def test_a_query_whose_samples_compare_true_passes(prometheus: str) -> None:
    step = Step(
        kind="prometheus", query='up{job="self"}', compare="== 1", prometheus_url=prometheus
    )
    result = execute(step, context(), PROMPTER)
    assert result.passed, result.summary
    assert "all 1 samples == 1" in result.summary


def test_a_query_whose_samples_compare_false_fails(prometheus: str) -> None:
    step = Step(
        kind="prometheus", query='up{job="self"}', compare="== 0", prometheus_url=prometheus
    )
    result = execute(step, context(), PROMPTER)
    assert not result.passed
    assert "not == 0" in result.summary and "job=self" in result.summary


def test_a_query_without_samples_fails(prometheus: str) -> None:
    step = Step(
        kind="prometheus", query='up{job="nobody"}', compare="== 0", prometheus_url=prometheus
    )
    result = execute(step, context(), PROMPTER)
    assert not result.passed and "no samples" in result.summary


def test_a_wait_step_can_detect_with_a_prometheus_query(prometheus: str) -> None:
    until = Step(
        kind="prometheus", query="count(up == 1)", compare=">= 1", prometheus_url=prometheus
    )
    step = Step(kind="wait", until=until, timeout_seconds=10, interval_seconds=1)
    result = execute(step, context(), PROMPTER)
    assert result.passed and result.summary.startswith("after 1 poll(s)")


def test_an_unreachable_prometheus_is_a_failed_step_not_a_crash() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    step = Step(
        kind="prometheus", query="up", compare="== 1", prometheus_url=url, timeout_seconds=2
    )
    result = execute(step, context(), PROMPTER)
    assert not result.passed and "did not answer" in result.summary
