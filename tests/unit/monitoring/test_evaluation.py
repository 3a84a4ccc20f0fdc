"""`rampart report evaluation` on a quarter of backfilled history (2026-Q3, Europe/Berlin)
in a real Prometheus: the monthly and quarterly figures match the injected downtime to
the minute, the maintenance window is left out and listed with its reason, incidents have
their start and end, a scrape gap and a service added mid-quarter are stated; the HTML
opens in headless Chromium and the PDF renders with pdftoppm; bad input is one line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from rampart.cli import main
from rampart.monitoring.evaluation.figures import retention_note
from rampart.monitoring.evaluation.period import month_period, quarter_period
from tests.browser import open_page
from tests.unit.monitoring.history import ServiceHistory, backfill, write_openmetrics
from tests.unit.prometheus_server import free_port, running_prometheus

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "inventory" / "example"
BERLIN = ZoneInfo("Europe/Berlin")
PORTAL, HR, CUSTOMERS = "office-portal", "hr-records", "customer-records"
AFTER_THE_QUARTER = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)


def at(text: str) -> int:
    """A Berlin wall-clock time (`2026-07-14 10:00`) as Unix seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


def span(start: str, end: str) -> tuple[int, int]:
    return (at(start), at(end))


MAINTENANCE = span("2026-09-05 20:00", "2026-09-05 23:00")
MAINTENANCE_REASON = "PostgreSQL minor upgrade"
GAP = span("2026-08-10 12:00", "2026-08-10 12:30")
HISTORY = {
    # Outages: 45 min in July; 150 min in August; one across the August/September midnight.
    PORTAL: ServiceHistory(
        first=at("2026-06-30 22:00"),
        outages=(
            span("2026-07-14 10:00", "2026-07-14 10:45"),
            span("2026-08-20 03:00", "2026-08-20 05:30"),
            span("2026-08-31 23:40", "2026-09-01 00:20"),
        ),
        maintenance=(),
        gaps=(),
        latencies=(0.04,) * 9 + (0.3,),
    ),
    # Down two hours inside its maintenance window (not counted), 7 minutes outside it;
    # a 30-minute scrape gap in August; slow answers.
    HR: ServiceHistory(
        first=at("2026-06-30 22:00"),
        outages=(
            span("2026-09-05 20:30", "2026-09-05 22:30"),
            span("2026-09-12 08:00", "2026-09-12 08:07"),
        ),
        maintenance=(MAINTENANCE,),
        gaps=(GAP,),
        latencies=(0.2,) * 8 + (1.6,) * 2,
    ),
    # Added in the middle of August.
    CUSTOMERS: ServiceHistory(
        first=at("2026-08-15 00:00"),
        outages=(span("2026-08-16 09:00", "2026-08-16 09:30"),),
        maintenance=(),
        gaps=(),
        latencies=(0.4,) * 10,
    ),
}
HISTORY_END = at("2026-10-01 02:00")
# What the report must find, in minutes, per month and for the quarter.
DOWNTIME = {
    "2026-07": {PORTAL: 45, HR: 0},
    "2026-08": {PORTAL: 150 + 20, HR: 0, CUSTOMERS: 30},
    "2026-09": {PORTAL: 20, HR: 7, CUSTOMERS: 0},
    "2026-Q3": {PORTAL: 235, HR: 7, CUSTOMERS: 30},
}


PROMETHEUS_FLAGS = (
    "--storage.tsdb.retention.time=3650d",
    # Leave the backfilled two-hour blocks as they are: no compaction work in the test.
    "--storage.tsdb.min-block-duration=2h",
    "--storage.tsdb.max-block-duration=2h",
)


@dataclass(frozen=True)
class Quarter:
    prometheus: str
    inventory: Path
    fixture_seconds: float


def inventory_copy(folder: Path) -> Path:
    """The example inventory in the company's zone, HR's maintenance window in September."""
    copy = folder / "inventory"
    shutil.copytree(EXAMPLE, copy)
    catalog_file = copy / "group_vars" / "all" / "catalog.yml"
    catalog = yaml.safe_load(catalog_file.read_text())
    catalog["rampart_time_zone"] = "Europe/Berlin"
    catalog["rampart_services"][HR]["maintenance"] = [
        {
            "start": datetime.fromtimestamp(MAINTENANCE[0], BERLIN).isoformat(),
            "end": datetime.fromtimestamp(MAINTENANCE[1], BERLIN).isoformat(),
            "reason": MAINTENANCE_REASON,
        }
    ]
    catalog_file.write_text("---\n" + yaml.safe_dump(catalog, sort_keys=False))
    return copy


def backfilled(cache: pytest.Cache) -> Path:
    """The quarter's TSDB blocks, made with promtool once per version of the history (and
    of promtool) and kept in pytest's cache: promtool 2.42 writes two-hour blocks only, and
    the quarter's 1,128 blocks take it about a minute, bound by the disk's fsyncs."""
    version = subprocess.run(
        ["promtool", "--version"], capture_output=True, text=True, check=True
    ).stdout
    source = (Path(__file__).parent / "history.py").read_text()
    key = hashlib.sha256(f"{source}{HISTORY}{HISTORY_END}{version}".encode()).hexdigest()[:16]
    folder = cache.mkdir(f"evaluation-quarter-{key}")
    data = folder / "data"
    if not (folder / "complete").exists():
        shutil.rmtree(data, ignore_errors=True)
        files = write_openmetrics(folder, HISTORY, HISTORY_END)
        backfill(files, data)
        for path in files:
            path.unlink()
        (folder / "complete").touch()
    return data


@pytest.fixture(scope="module")
def quarter(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Quarter]:
    """The quarter backfilled into a real Prometheus with ten years' retention."""
    began = time.monotonic()
    folder = tmp_path_factory.mktemp("quarter")
    # Blocks never change once written: the server gets hard links to the cached ones.
    shutil.copytree(backfilled(request.config.cache), folder / "data", copy_function=os.link)
    with running_prometheus(folder, {}, flags=PROMETHEUS_FLAGS) as base:
        seconds = time.monotonic() - began
        print(f"\nquarter fixture: backfilled quarter served in {seconds:.1f} s")
        yield Quarter(base, inventory_copy(folder), seconds)


def run_at(
    quarter: Quarter, monkeypatch: pytest.MonkeyPatch, now: datetime, *arguments: str
) -> int:
    """`rampart report evaluation ARGUMENTS` as if run at `now`, against the quarter."""
    from rampart.monitoring.evaluation import report

    monkeypatch.setenv("RAMPART_PROMETHEUS_URL", quarter.prometheus)
    original = report.report_evaluation

    def at_now(*args: Any, **kwargs: Any) -> int:
        return original(*args, **{**kwargs, "now": now})

    monkeypatch.setattr(report, "report_evaluation", at_now)
    return main(["report", "evaluation", "--inventory", str(quarter.inventory), *arguments])


def evaluation(
    quarter: Quarter,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *arguments: str,
    now: datetime = AFTER_THE_QUARTER,
) -> dict[str, Any]:
    """The JSON of `rampart report evaluation ... --json` as if run at `now`."""
    status = run_at(quarter, monkeypatch, now, *arguments, "--json")
    captured = capsys.readouterr()
    assert status == 0, captured.err
    document: dict[str, Any] = json.loads(captured.out)
    return document


@dataclass(frozen=True)
class Quarterly:
    """The quarter's report, made once with --output: report.html, .json and .pdf."""

    folder: Path
    document: dict[str, Any]


@pytest.fixture(scope="module")
def quarterly(quarter: Quarter, tmp_path_factory: pytest.TempPathFactory) -> Quarterly:
    folder = tmp_path_factory.mktemp("quarterly") / "out"
    began = time.monotonic()
    with pytest.MonkeyPatch.context() as monkeypatch:
        status = run_at(
            quarter, monkeypatch, AFTER_THE_QUARTER, "--quarter", "2026-Q3", "--output", str(folder)
        )
    print(f"\nquarterly report (HTML, JSON, PDF) in {time.monotonic() - began:.1f} s")
    assert status == 0
    return Quarterly(folder, json.loads((folder / "report.json").read_text()))


def by_service(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {service["service"]: service for service in document["services"]}


@pytest.mark.parametrize("month", ["2026-07", "2026-08", "2026-09"])
def test_each_month_downtime_matches_the_injected_outages_to_the_minute(
    quarter: Quarter,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    month: str,
) -> None:
    document = evaluation(quarter, monkeypatch, capsys, "--month", month)
    services = by_service(document)
    assert document["period"]["complete"] is True
    assert document["period"]["start"] == f"{month}-01T00:00:00+02:00"
    for service, minutes in DOWNTIME[month].items():
        assert services[service]["downtime_minutes"] == pytest.approx(minutes, abs=0.5), service
        incidents = sum(incident["minutes"] for incident in services[service]["incidents"])
        assert incidents == pytest.approx(minutes, abs=0.5), service
    assert services["mail"]["availability_percent"] is None


def test_the_quarter_adds_up_its_months_and_lists_each_incident(quarterly: Quarterly) -> None:
    document = quarterly.document
    services = by_service(document)
    for service, minutes in DOWNTIME["2026-Q3"].items():
        assert services[service]["downtime_minutes"] == pytest.approx(minutes, abs=0.5), service
    portal = services[PORTAL]
    assert [(incident["start"], incident["end"]) for incident in portal["incidents"]] == [
        ("2026-07-14T10:00:00+02:00", "2026-07-14T10:45:00+02:00"),
        ("2026-08-20T03:00:00+02:00", "2026-08-20T05:30:00+02:00"),
        ("2026-08-31T23:40:00+02:00", "2026-09-01T00:20:00+02:00"),
    ]
    # The quarter is 92 days; the portal was observed throughout.
    observed_minutes = 92 * 1440
    assert portal["availability_percent"] == pytest.approx(
        100 * (1 - 235 / observed_minutes), abs=1e-4
    )
    assert portal["meets_objective"] is True
    assert [month["period"]["label"] for month in document["months"]] == [
        "2026-07",
        "2026-08",
        "2026-09",
    ]
    monthly = [by_service(month)[PORTAL]["downtime_minutes"] for month in document["months"]]
    assert monthly == pytest.approx([45, 170, 20], abs=0.5)
    # The incident across midnight is cut at the month boundary in each month.
    august = by_service(document["months"][1])[PORTAL]["incidents"][-1]
    assert august["end"] == "2026-09-01T00:00:00+02:00" and august["minutes"] == 20


def test_the_maintenance_window_is_left_out_and_listed_with_its_reason(
    quarter: Quarter, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hr = by_service(evaluation(quarter, monkeypatch, capsys, "--month", "2026-09"))[HR]
    assert hr["downtime_minutes"] == pytest.approx(7, abs=0.5)
    assert [(incident["start"], incident["minutes"]) for incident in hr["incidents"]] == [
        ("2026-09-12T08:00:00+02:00", 7)
    ]
    [window] = hr["maintenance"]
    assert window["reason"] == MAINTENANCE_REASON
    assert (window["start"], window["end"]) == (
        "2026-09-05T20:00:00+02:00",
        "2026-09-05T23:00:00+02:00",
    )
    assert window["down_minutes"] == 120
    # 99.9 % of September (43,200 min) allows 43.2 min; 7 were spent.
    assert hr["budget_minutes"] == pytest.approx(43.2)
    assert hr["meets_objective"] is True


def test_gaps_and_a_service_added_mid_quarter_are_stated(quarterly: Quarterly) -> None:
    document = quarterly.document
    services = by_service(document)
    assert [(gap["start"], gap["end"], gap["minutes"]) for gap in services[HR]["gaps"]] == [
        ("2026-08-10T12:00:00+02:00", "2026-08-10T12:30:00+02:00", 30)
    ]
    assert services[PORTAL]["gaps"] == [] and services[PORTAL]["first_sample"] is None
    assert services[CUSTOMERS]["first_sample"] == "2026-08-15T00:00:00+02:00"
    notes = "\n".join(document["notes"])
    assert "hr-records: no samples from 2026-08-10 12:00 to 2026-08-10 12:30" in notes
    assert "customer-records: first sample at 2026-08-15 00:00" in notes
    assert "mail: no samples in the period" in notes
    assert "not over" not in notes
    july = by_service(document["months"][0])
    assert july[CUSTOMERS]["availability_percent"] is None


def test_response_times_against_the_objective(
    quarter: Quarter, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    services = by_service(evaluation(quarter, monkeypatch, capsys, "--month", "2026-08"))
    portal, hr = services[PORTAL]["response_time"], services[HR]["response_time"]
    # Nine probes in ten at 0.04 s, one at 0.3 s: p50 in the 0.025-0.05 bucket (here
    # 0.05 is the lowest bound written), p95 and p99 in the 0.25-0.5 bucket.
    assert 0 < portal["p50"] <= 0.05 and 0.25 < portal["p95"] <= 0.5 and portal["p99"] <= 0.5
    assert portal["meets_objective"] is True
    # Two in ten at 1.6 s: p95 between 1 and 2.5 s, over the 1 s objective.
    assert 0.1 < hr["p50"] <= 0.25 and 1.0 < hr["p95"] <= 2.5
    assert hr["meets_objective"] is False
    assert services["mail"]["response_time"]["p95"] is None


def test_a_period_not_over_is_to_date(
    quarter: Quarter, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime(2026, 8, 20, 4, 0, tzinfo=BERLIN)  # in the middle of an outage
    document = evaluation(quarter, monkeypatch, capsys, "--quarter", "2026-Q3", now=now)
    assert document["period"]["complete"] is False
    assert document["period"]["as_of"] == "2026-08-20T04:00:00+02:00"
    assert document["notes"][0].startswith("the quarter is not over: figures to date")
    assert [month["period"]["label"] for month in document["months"]] == ["2026-07", "2026-08"]
    portal = by_service(document)[PORTAL]
    assert portal["downtime_minutes"] == pytest.approx(45 + 60, abs=0.5)
    assert portal["incidents"][-1]["end"] == "2026-08-20T04:00:00+02:00"


def test_html_opens_in_chromium_and_the_pdf_renders(
    quarter: Quarter, quarterly: Quarterly, tmp_path: Path
) -> None:
    chromium, pdftoppm = shutil.which("chromium"), shutil.which("pdftoppm")
    if chromium is None or pdftoppm is None:
        pytest.fail("chromium and poppler-utils are needed: run `make system-packages`")
    output = quarterly.folder
    html = (output / "report.html").read_text()
    assert json.loads((output / "report.json").read_text())["period"]["label"] == "2026-Q3"
    # Self-contained: no script, no image or style fetched (so no image can break).
    assert "<img" not in html and "src=" not in html and "<link" not in html
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert MAINTENANCE_REASON in html and "2026-08-10 12:00" in html
    assert html.count("<svg") == 2 + len(by_service_names(quarter))
    # The page as a reader sees it: headless Chromium logs every console message.
    shot = tmp_path / "page.png"
    open_page(output / "report.html", tmp_path, f"--screenshot={shot}", "--window-size=1200,3000")
    assert shot.stat().st_size > 20000  # a real picture, not a blank page
    pdf = output / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    [page] = tmp_path.glob("page-*.png")
    assert page.stat().st_size > 5000


def by_service_names(quarter: Quarter) -> list[str]:
    catalog = yaml.safe_load((quarter.inventory / "group_vars" / "all" / "catalog.yml").read_text())
    return list(catalog["rampart_services"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--month", "2026-13"], "--month 2026-13: not a month; give YYYY-MM"),
        (["--quarter", "2026-Q5"], "--quarter 2026-Q5: not a quarter"),
        (["--month", "2099-01"], "--month 2099-01: the month has not begun"),
        (["--quarter", "2099-Q1"], "--quarter 2099-Q1: the quarter has not begun"),
    ],
)
def test_bad_periods_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    status = main(["report", "evaluation", "--inventory", str(EXAMPLE), *arguments])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert len(captured.err.splitlines()) == 1 and message in captured.err


def test_an_unreachable_prometheus_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAMPART_PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    status = main(["report", "evaluation", "--inventory", str(EXAMPLE), "--month", "2026-11"])
    captured = capsys.readouterr()
    assert status != 0 and captured.out == ""
    assert len(captured.err.splitlines()) == 1 and "did not answer" in captured.err


def test_a_retention_shorter_than_the_period_is_stated() -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    quarter = quarter_period("2026-Q4", now)
    note = retention_note("15d", quarter)
    assert note is not None and "Prometheus keeps 15d" in note and "2026-11-17 09:00" in note
    assert retention_note("400d", quarter) is None
    assert retention_note("0s", quarter) is None


def test_periods_follow_the_company_calendar() -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    march = month_period("2026-03", now)
    assert march.length_seconds == 31 * 86400 - 3600  # summer time began on the 29th
    q4 = quarter_period("2026-Q4", now)
    assert not q4.complete and q4.as_of == now
    assert [month.label for month in q4.months()] == ["2026-10", "2026-11", "2026-12"]
    assert q4.months()[1].complete and not q4.months()[2].complete


def test_without_an_output_option_a_summary_is_printed(
    quarter: Quarter, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run_at(quarter, monkeypatch, AFTER_THE_QUARTER, "--month", "2026-09")
    title, *lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert title == "evaluation September 2026 (Europe/Berlin)"
    by_name = {line.split(":")[0].strip(): line for line in lines if not line.startswith("  note")}
    assert "99.954 % (objective 99.5 % met), 20 min down, 1 incidents" in by_name[PORTAL]
    assert "7 min down, 1 incidents, 1 maintenance windows" in by_name[HR]
    assert "not observed" in by_name["mail"]
