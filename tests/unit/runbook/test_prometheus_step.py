"""The prometheus step kind against a real Prometheus on loopback that scrapes itself."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rampart.inventory import load_inventory
from rampart.runbook.actions import Prompter, execute
from rampart.runbook.context import RunContext
from rampart.runbook.model import Step

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prometheus that has scraped itself at least once; yields its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed: run `make system-packages`")
    folder = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n  - job_name: self\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
    )
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/query?query=up", timeout=2) as answer:
                    if json.load(answer)["data"]["result"]:
                        break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("Prometheus did not scrape itself within 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


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
