"""The controls matrix as `rampart report controls` shows it: every control a row per place,
a control with no series a row of its own that fails, the exit status 0 only when all hold.
(The rules themselves are promtool-tested: monitoring/tests/controls_test.yml.)"""

from __future__ import annotations

from datetime import UTC, datetime

from rampart.monitoring.controls import CONTROLS
from rampart.monitoring.controls_report import document, matrix, table

AS_OF = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def sample(control: str, clause: str, value: float, **place: str) -> tuple[dict[str, str], float]:
    labels = {"__name__": "rampart_control_ok", "clause": clause, "control": control}
    return {**labels, **place}, value


SAMPLES = [
    sample("backup-fresh", "REG-4.1.1", 1, instance="oa-01"),
    sample("backup-fresh", "REG-4.1.1", 0, instance="hr-01"),
    sample("restore-drill", "REG-4.2.5", 1, instance="oa-01"),
    sample("storage", "REG-4.1.1", 1, instance="oa-01"),
    sample("antivirus", "REG-4.2.4", 1, instance="oa-01"),
    sample("access-review", "REG-6.2.3", 1, instance="oa-01"),
    sample("monitored", "REG-7.1.1", 1, instance="oa-01"),
    sample("availability-objective", "REG-7.1.1", 1, service="office-portal"),
]


def test_each_place_is_a_row_in_the_controls_order_and_a_silent_control_says_so() -> None:
    rows = matrix(SAMPLES)
    assert [(row.control.name, row.where, row.result) for row in rows] == [
        ("backup-fresh", "hr-01", "FAILING"),
        ("backup-fresh", "oa-01", "ok"),
        ("restore-drill", "oa-01", "ok"),
        ("storage", "oa-01", "ok"),
        ("antivirus", "oa-01", "ok"),
        ("access-review", "oa-01", "ok"),
        ("monitored", "oa-01", "ok"),
        ("availability-objective", "office-portal", "ok"),
        ("drill-passed", "-", "NO EVIDENCE"),
    ]
    assert [control.name for control in CONTROLS][-1] == "drill-passed"


def test_the_table_counts_and_says_what_each_control_checks() -> None:
    text = table(matrix(SAMPLES), AS_OF)
    lines = text.splitlines()
    assert lines[0] == "controls as of 2026-12-02 09:00 UTC (Prometheus rampart_control_ok)"
    assert lines[1].split() == ["CLAUSE", "CONTROL", "WHERE", "RESULT"]
    assert lines[2].split() == ["REG-4.1.1", "backup-fresh", "host", "hr-01", "FAILING"]
    assert lines[9].split() == [
        "REG-7.1.1",
        "availability-objective",
        "service",
        "office-portal",
        "ok",
    ]
    assert lines[10].split() == ["REG-9.2", "drill-passed", "-", "NO", "EVIDENCE"]
    assert "controls: 7 ok, 1 failing, 1 without evidence" in lines
    for control in CONTROLS:
        assert f"  {control.name} ({control.clause}): {control.holds_when}; from " in text


def test_the_json_names_each_place_by_its_kind() -> None:
    rows = document(matrix(SAMPLES), AS_OF)["controls"]
    assert rows[0] | {"holds_when": "", "evidence": ""} == {
        "clause": "REG-4.1.1",
        "control": "backup-fresh",
        "host": "hr-01",
        "ok": False,
        "holds_when": "",
        "evidence": "",
    }
    assert rows[7]["service"] == "office-portal" and rows[7]["ok"] is True
    assert rows[8]["runbook"] is None and rows[8]["ok"] is None
