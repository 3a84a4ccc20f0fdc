"""A drill's times from monitoring's view, against a real Prometheus: backfilled prober
series at known times, and a live drill whose fault a real Prometheus scrapes and alerts
on, its RTO within a scrape interval of the prober's downtime."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rampart.inventory import load_inventory
from rampart.runbook.context import RunContext
from rampart.runbook.evidence import recovery_lines, timings
from rampart.runbook.measure import measure
from rampart.runbook.model import Measurement
from tests.unit.prometheus_server import running_prometheus

ROOT = Path(__file__).resolve().parents[3]
RAMPART = str(Path(sys.executable).with_name("rampart"))
INVENTORY = ROOT / "inventory" / "example"
FAULT = int(time.time()) // 60 * 60 - 1800
"""The backfilled fault: half an hour ago, on a whole minute."""
UP = 'rampart_availability_up{{job="rampart-availability",service="office-portal"}} {} {}'
ALERT = 'ALERTS{{alertname="RampartServiceDown",alertstate="firing",service="office-portal"}} 1 {}'
DOWN = 'rampart_availability_down_seconds_total{{service="office-portal"}} {} {}'


def history() -> str:
    """Every 5 s: the prober fails from +20 s to +110 s, the alert fires at +80 s."""
    lines = []
    for moment in range(FAULT - 60, FAULT + 300, 5):
        down = FAULT + 20 <= moment < FAULT + 110
        lines.append(UP.format(0 if down else 1, moment))
    for moment in range(FAULT + 80, FAULT + 110, 5):
        lines.append(ALERT.format(moment))
    for moment in range(FAULT - 60, FAULT + 300, 5):
        lines.append(DOWN.format(min(max(moment - FAULT - 20, 0), 90), moment))
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("prometheus")
    source = folder / "history.om"
    # promtool wants the families grouped: one metric name after the other.
    text = history().splitlines()
    grouped = [*sorted(text[:-1], key=lambda line: line.split("{")[0]), text[-1]]
    source.write_text("\n".join(grouped) + "\n")
    subprocess.run(
        [
            *("promtool", "tsdb", "create-blocks-from", "openmetrics"),
            str(source),
            str(folder / "data"),
        ],
        check=True,
        capture_output=True,
    )
    ready = "count_over_time(rampart_availability_up[1h])"
    with running_prometheus(folder, {}, ready=ready) as base:
        yield base


def context() -> RunContext:
    return RunContext(inventory=load_inventory(INVENTORY), variables={})


def test_times_come_from_the_prober_and_the_alert_not_the_runbook(backfilled: str) -> None:
    spec = Measurement("office-portal", "RampartServiceDown", prometheus_url=backfilled)
    seen = measure(spec, FAULT, context(), poll_seconds=0.5)
    assert seen.problem == ""
    assert seen.prober_down_at == FAULT + 20
    assert seen.alert_fired_at == FAULT + 80
    assert seen.prober_up_at == FAULT + 110
    assert seen.prober_down_seconds == 90
    events = [
        {"event": "run_started", "time": "2026-12-01T10:00:00+00:00"},
        {"event": "measured", "time": "2026-12-01T10:05:00+00:00", **seen.journal_fields()},
    ]
    measured = timings(events)
    assert (measured["outage"].seconds, measured["detect"].seconds) == (110, 80)
    assert measured["counted"].seconds == 90
    report = "\n".join(recovery_lines(events, 300))
    assert "RTO achieved: 110.0 s against a target of 300 s: **met**" in report
    assert "the prober's first success after it, in Prometheus" in report
    assert "time to detect: 80.0 s (from the fault's injection to the alert firing" in report
    assert f"measured by monitoring: Prometheus at {backfilled}" in report
    assert "downtime the prober counted: 90.0 s" in report


def test_a_fault_prometheus_never_saw_is_said_not_measured(backfilled: str) -> None:
    spec = Measurement("nowhere", None, prometheus_url=backfilled, timeout_seconds=1)
    seen = measure(spec, FAULT, context(), poll_seconds=0.5)
    assert seen.problem.endswith("did not show the prober failing within 1 s")
    events = [
        {"event": "run_started", "time": "2026-12-01T10:00:00+00:00"},
        {"event": "measured", "time": "2026-12-01T10:05:00+00:00", **seen.journal_fields()},
    ]
    report = "\n".join(recovery_lines(events, 300))
    assert "not measured by monitoring" in report
    assert "RTO achieved: not measured" in report


class Prober(BaseHTTPRequestHandler):
    """The prober's up series for one service, 1 or 0 as the file `state` says."""

    state: Path

    def do_GET(self) -> None:
        value = self.state.read_text().strip() if self.state.exists() else "1"
        body = f'rampart_availability_up{{service="office-portal"}} {value}\n'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *arguments: object) -> None:
        """Quiet."""


DRILL = """\
---
id: outage
title: A drill measured by Prometheus
owner: IT
clauses: [REG-9.2]
severity: low
rto_seconds: 60
measure:
  service: office-portal
  alert: RampartServiceDown
  prometheus_url: {base}
  timeout_seconds: 30
steps:
  - name: inject-fault
    when: drill
    kind: local
    destructive: false
    command: sh -c 'echo 0 > {state}'
    milestone: fault_injected
  - name: detect-outage
    when: drill
    kind: wait
    timeout_seconds: 30
    interval_seconds: 1
    milestone: detected
    until:
      kind: prometheus
      prometheus_url: {base}
      query: count(ALERTS{{alertname="RampartServiceDown",alertstate="firing"}}) or vector(0)
      compare: "== 1"
  - name: pause
    kind: local
    destructive: false
    command: sleep 3
  - name: restart
    kind: local
    destructive: false
    command: sh -c 'echo 1 > {state}'
    milestone: recovered
exit_criteria:
  - name: fine
    kind: local
    command: "true"
"""


def test_a_drills_rto_matches_the_probers_downtime_within_a_scrape(tmp_path: Path) -> None:
    Prober.state = tmp_path / "state"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Prober)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n  - name: test\n    rules:\n      - alert: RampartServiceDown\n"
        "        expr: rampart_availability_up == 0\n"
    )
    target = f"127.0.0.1:{server.server_address[1]}"
    (tmp_path / "prometheus").mkdir()
    try:
        with running_prometheus(
            tmp_path / "prometheus", {"prober": target}, [rules], ready='up{job="prober"}'
        ) as base:
            path = tmp_path / "outage.yml"
            path.write_text(DRILL.format(base=base, state=Prober.state))
            result = subprocess.run(
                [
                    *(RAMPART, "runbook", "run", str(path), "--drill"),
                    *("--inventory", str(INVENTORY), "--runs-dir", str(tmp_path / "runs")),
                    *("--metrics-dir", str(tmp_path / "m")),
                ],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=180,
            )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    events = [json.loads(line) for line in (run / "journal.jsonl").read_text().splitlines()]
    (measured,) = [event for event in events if event["event"] == "measured"]
    assert measured["problem"] == ""
    restart = next(e for e in events if e["event"] == "step_started" and e["name"] == "restart")
    from datetime import datetime

    restarted = datetime.fromisoformat(restart["time"]).timestamp()
    downtime = restarted - measured["fault_at"]
    rto = measured["prober_up_at"] - measured["fault_at"]
    # Prometheus scrapes every second: the prober's view lags the real state by at most that.
    assert downtime <= rto <= downtime + 2.5
    report = (run / "evidence.md").read_text()
    match = re.search(r"RTO achieved: ([0-9.]+) s", report)
    assert match and abs(float(match.group(1)) - rto) < 0.1
    assert "from the fault's injection to the prober's first success after it" in report
    metrics = (tmp_path / "m" / "rampart_runbook_outage.prom").read_text()
    assert "rampart_runbook_last_recovery_seconds" in metrics
