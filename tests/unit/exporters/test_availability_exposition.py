"""State, scheduler and exposition: a scrape shows the latest results, never waits, and is
built once per change: unchanged results are served as the same bytes."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rampart.checks import Outcome, ProbeCheck
from rampart.exporters.availability.config import (
    ExporterConfig,
    ProbeService,
    Window,
)
from rampart.exporters.availability.exposition import AvailabilityExposition
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
    return AvailabilityExposition(state.snapshot).body().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, parsed by prometheus_client's own parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


CHECK_LABELS = (
    ("check", "health"), ("critical", "true"), ("host", "oa-01"), ("service", "portal"),
    ("type", "tcp"),
)  # fmt: skip


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


def test_histogram_and_finish_time_follow_the_results() -> None:
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
    finished = samples(text)[
        ("rampart_availability_check_finished_timestamp_seconds", CHECK_LABELS)
    ]
    assert finished == clock.now - 7


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_the_output_passes_promtool_check_metrics() -> None:
    check = make_check("health")
    state = AvailabilityState(make_config(check, make_check("port", False)))
    state.record(check, Outcome(True, 0.01, "ok", certificate_expiry=2e9))
    completed = subprocess.run(
        ["promtool", "check", "metrics"], input=scrape(state), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_scrape_after_a_new_result_shows_it() -> None:
    clock = FakeClock()
    check = make_check("health")
    state = AvailabilityState(make_config(check), clock=clock)
    exposition = AvailabilityExposition(state.snapshot)
    state.record(check, Outcome(True, 0.01, "ok"))
    first = samples(exposition.body().decode())
    clock.now += 5
    state.record(check, Outcome(False, 0.3, "refused"))
    second = samples(exposition.body().decode())
    success = ("rampart_availability_check_success", CHECK_LABELS)
    assert (first[success], second[success]) == (1.0, 0.0)
    assert second[("rampart_availability_up", (("service", "portal"),))] == 0.0
    assert second[("rampart_availability_check_finished_timestamp_seconds", CHECK_LABELS)] == (
        clock.now
    )
    count = (
        "rampart_availability_response_time_seconds_count",
        CHECK_LABELS[0:1] + CHECK_LABELS[2:4],
    )
    assert (first[count], second[count]) == (1.0, 2.0)
    observed = ("rampart_availability_observed_seconds_total", (("service", "portal"),))
    assert second[observed] == 5.0


def test_unchanged_results_are_served_as_the_same_bytes_as_time_passes() -> None:
    clock = FakeClock()
    check = make_check("health")
    state = AvailabilityState(make_config(check, make_check("page")), clock=clock)
    exposition = AvailabilityExposition(state.snapshot)
    state.record(check, Outcome(True, 0.01, "ok"))
    first = exposition.body()
    clock.now += 60
    assert exposition.body() is first  # not rebuilt: the very same bytes object
    state.record(check, Outcome(True, 0.01, "ok"))
    assert exposition.body() != first


def test_a_maintenance_window_opening_changes_the_scrape_without_a_result() -> None:
    clock = FakeClock()
    check = make_check("health")
    window = Window(clock.now + 100, clock.now + 200, "upgrade")
    state = AvailabilityState(make_config(check, windows=(window,)), clock=clock)
    exposition = AvailabilityExposition(state.snapshot)
    state.record(check, Outcome(True, 0.01, "ok"))
    maintenance = ("rampart_availability_maintenance", (("service", "portal"),))
    assert samples(exposition.body().decode())[maintenance] == 0.0
    clock.now += 150
    assert samples(exposition.body().decode())[maintenance] == 1.0
    clock.now += 100
    assert samples(exposition.body().decode())[maintenance] == 0.0


def test_the_output_parses_as_the_documented_families() -> None:
    check, port = make_check("health"), make_check('port "tls" \\ 100%', False)
    state = AvailabilityState(make_config(check, port))
    exposition = AvailabilityExposition(state.snapshot)
    state.record(check, Outcome(True, 0.01, "ok", certificate_expiry=2e9))
    exposition.body()
    state.record(port, Outcome(False, 0.5, "refused"))  # rebuilt from one changed check
    families = {
        family.name: family.type
        for family in text_string_to_metric_families(exposition.body().decode())
    }
    prefix = "rampart_availability_"
    assert families == {
        prefix + "up": "gauge",
        prefix + "maintenance": "gauge",
        prefix + "objective_ratio": "gauge",
        prefix + "response_time_objective_seconds": "gauge",
        prefix + "observed_seconds": "counter",
        prefix + "down_seconds": "counter",
        prefix + "check_success": "gauge",
        prefix + "check_duration_seconds": "gauge",
        prefix + "check_finished_timestamp_seconds": "gauge",
        prefix + "certificate_expiry_timestamp_seconds": "gauge",
        prefix + "response_time_seconds": "histogram",
        prefix + "checks_configured": "gauge",
    }
    parsed = samples(exposition.body().decode())
    assert (
        parsed[
            (prefix + "certificate_expiry_timestamp_seconds", CHECK_LABELS[0:1] + CHECK_LABELS[2:4])
        ]
        == 2e9
    )
    port_labels = (("check", 'port "tls" \\ 100%'), ("critical", "false"), *CHECK_LABELS[2:])
    assert parsed[(prefix + "check_success", port_labels)] == 0.0
    assert parsed[(prefix + "check_success", CHECK_LABELS)] == 1.0


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
