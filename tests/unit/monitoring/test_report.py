"""`rampart report availability` against a real Prometheus holding the prober's counters:
the portal up all along, mail down all along, the example catalog's other services not
observed; and one clear line when Prometheus cannot be reached."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rampart.cli import main
from rampart.monitoring.report import Month
from tests.unit.monitoring.conftest import MAIL, PORTAL, ROOT, Fleet
from tests.unit.prometheus_server import ask, free_port

EXAMPLE = ROOT / "inventory" / "example"
COUNTER = "rampart_availability_down_seconds_total"
CATALOG = ("customer-records", "finance-records", "hr-records", MAIL, PORTAL)


def report(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    monkeypatch.setenv("RAMPART_PROMETHEUS_URL", fleet.prometheus)
    status = main(["report", "availability", "--inventory", str(EXAMPLE), *extra])
    return status, capsys.readouterr().out


def test_the_table_lists_every_catalog_service_with_its_month_so_far(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = report(fleet, monkeypatch, capsys)
    assert status == 0
    title, header, *rows = text.splitlines()
    assert title.startswith(f"availability {datetime.now(ZoneInfo('UTC')):%B %Y} so far (UTC)")
    assert header.split()[:3] == ["SERVICE", "AVAILABILITY", "OBJECTIVE"]
    by_service = {row.split()[0]: row for row in rows}
    assert sorted(by_service) == sorted(CATALOG)
    assert "100.000 %" in by_service[PORTAL] and by_service[PORTAL].endswith("-")
    assert " 0.000 %" in by_service[MAIL] and "RampartServiceDown" in by_service[MAIL]
    assert "not observed" in by_service["hr-records"]


def test_json_downtime_matches_the_prober_and_the_budget_the_month(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = report(fleet, monkeypatch, capsys, "--json")
    assert status == 0
    document = json.loads(text)
    figures = {figure["service"]: figure for figure in document["services"]}
    assert sorted(figures) == sorted(CATALOG)
    mail, portal = figures[MAIL], figures[PORTAL]
    # The prober counted from before Prometheus' first scrape; the month's downtime in
    # Prometheus is what it counted since (scrapes every second, increase() extrapolates).
    first = ask(fleet.prometheus, f'{COUNTER}{{service="{MAIL}"}}[1h]')["data"]["result"]
    counted = fleet.down_seconds(MAIL) - float(first[0]["values"][0][1])
    assert mail["downtime_minutes"] * 60 == pytest.approx(counted, abs=3)
    assert mail["availability_percent"] == pytest.approx(0, abs=1e-9)
    assert portal["availability_percent"] == 100 and portal["downtime_minutes"] == 0
    month = Month.of(datetime.fromisoformat(document["period"]["now"]))
    assert portal["budget_minutes"] == pytest.approx(0.005 * month.length_seconds / 60)
    assert portal["budget_left_percent"] == 100
    assert mail["budget_left_percent"] < 100
    assert "RampartServiceDown" in mail["firing_alerts"] and portal["firing_alerts"] == []
    assert figures["hr-records"]["availability_percent"] is None
    assert document["period"]["time_zone"] == "UTC"


def test_an_unreachable_prometheus_is_one_line_and_a_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAMPART_PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    status = main(["report", "availability", "--inventory", str(EXAMPLE)])
    captured = capsys.readouterr()
    assert status != 0 and captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert "did not answer" in captured.err and "rampart lab up" in captured.err


def test_the_month_begins_at_midnight_in_the_company_zone_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    month = Month.of(datetime(2026, 3, 31, 0, 30, tzinfo=berlin))
    assert month.start == datetime(2026, 3, 1, tzinfo=berlin)
    assert (
        month.start.timestamp() == datetime.fromisoformat("2026-02-28T23:00:00+00:00").timestamp()
    )
    assert month.length_seconds == 31 * 86400 - 3600  # summer time began on the 29th
    assert month.elapsed_seconds == 30 * 86400 - 3600 + 1800
