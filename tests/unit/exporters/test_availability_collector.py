"""State, scheduler and collector: a scrape shows the latest results and never waits."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from rampart.checks import Outcome, ProbeCheck
from rampart.exporters.availability.collector import AvailabilityCollector
from rampart.exporters.availability.config import (
    ExporterConfig,
    ProbeService,
    Window,
)
from rampart.exporters.availability.scheduler import Scheduler
from rampart.exporters.availability.state import AvailabilityState


def make_check(name: str, critical: bool = True, interval: float = 5) -> ProbeCheck:
    return ProbeCheck("portal", "oa-01", "127.0.0.1", name, "tcp", 80, critical, interval, 0.5)


def make_config(*checks: ProbeCheck, windows: tuple[Window, ...] = ()) -> ExporterConfig:
    service = ProbeService("portal", 0.995, 1.0, windows, checks)
    return ExporterConfig("127.0.0.1", 0, None, (service,))


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def scrape(state: AvailabilityState) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AvailabilityCollector(state.snapshot))
    return generate_latest(registry).decode()


def test_service_is_up_only_when_every_critical_check_passes() -> None:
    health, page, port = make_check("health"), make_check("page"), make_check("port", False)
    state = AvailabilityState(make_config(health, page, port))
    state.record(health, Outcome(True, 0.01, "ok"))
    assert 'rampart_availability_up{service="portal"}' not in scrape(state)
    state.record(page, Outcome(True, 0.02, "ok"))
    state.record(port, Outcome(False, 0.02, "refused"))
    assert 'rampart_availability_up{service="portal"} 1.0' in scrape(state)
    state.record(page, Outcome(False, 0.3, "status 502"))
    text = scrape(state)
    assert 'rampart_availability_up{service="portal"} 0.0' in text
    assert (
        'rampart_availability_check_success{check="page",critical="true",host="oa-01",'
        'service="portal",type="tcp"} 0.0'
    ) in text


def test_down_seconds_count_from_result_to_result_outside_maintenance() -> None:
    clock = FakeClock()
    check = make_check("health")
    window = Window(clock.now + 100, clock.now + 200, "upgrade")
    state = AvailabilityState(make_config(check, windows=(window,)), clock=clock)
    state.record(check, Outcome(True, 0.01, "ok"))
    clock.now += 30
    state.record(check, Outcome(False, 0.01, "refused"))
    clock.now += 45
    state.record(check, Outcome(True, 0.01, "ok"))
    clock.now += 50  # into the window, up
    state.record(check, Outcome(False, 0.01, "refused"))
    clock.now += 60  # down inside the window: not counted
    snapshot = state.snapshot()
    status = snapshot.services[0]
    assert status.down_seconds == 45
    assert status.observed_seconds == 30 + 45 + 25
    assert status.in_maintenance
    assert 'rampart_availability_maintenance{service="portal"} 1.0' in scrape(state)


def test_histogram_and_age_follow_the_results() -> None:
    clock = FakeClock()
    check = make_check("health")
    state = AvailabilityState(make_config(check), clock=clock)
    for seconds in (0.003, 0.04, 0.04, 2.0):
        state.record(check, Outcome(True, seconds, "ok"))
    clock.now += 7
    text = scrape(state)
    bucket = 'rampart_availability_response_time_seconds_bucket{check="health",host="oa-01",le='
    assert bucket + '"0.005",service="portal"} 1.0' in text
    assert bucket + '"0.05",service="portal"} 3.0' in text
    assert bucket + '"+Inf",service="portal"} 4.0' in text
    assert 'seconds_count{check="health",host="oa-01",service="portal"} 4.0' in text
    assert "rampart_availability_check_age_seconds{" in text
    assert 'service="portal",type="tcp"} 7.0' in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_the_output_passes_promtool_check_metrics() -> None:
    check = make_check("health")
    state = AvailabilityState(make_config(check, make_check("port", False)))
    state.record(check, Outcome(True, 0.01, "ok", certificate_expiry=2e9))
    completed = subprocess.run(
        ["promtool", "check", "metrics"], input=scrape(state), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_scrape_never_waits_on_a_slow_probe() -> None:
    check = make_check("slow", interval=60)
    state = AvailabilityState(make_config(check))
    release = threading.Event()

    def slow_probe(_check: ProbeCheck) -> Outcome:
        release.wait(10)
        return Outcome(True, 10, "ok")

    scheduler = Scheduler((check,), state, probe=slow_probe, workers=2)
    scheduler.start()
    try:
        time.sleep(0.2)
        started = time.perf_counter()
        text = scrape(state)
        assert time.perf_counter() - started < 0.1
        assert "rampart_availability_checks_configured 1.0" in text
    finally:
        release.set()
        scheduler.stop()


def test_the_scheduler_runs_each_check_on_its_interval() -> None:
    fast, slow = make_check("fast", interval=0.2), make_check("slow", interval=1.2)
    state = AvailabilityState(make_config(fast, slow))
    runs: dict[str, int] = {"fast": 0, "slow": 0}

    def count(check: ProbeCheck) -> Outcome:
        runs[check.name] += 1
        return Outcome(True, 0.0, "ok")

    scheduler = Scheduler((fast, slow), state, probe=count)
    scheduler.start()
    time.sleep(1.5)
    scheduler.stop()
    assert 5 <= runs["fast"] <= 9
    assert 1 <= runs["slow"] <= 2
    assert len(state.snapshot().results) == 2
