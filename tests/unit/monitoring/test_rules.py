"""The Prometheus rules under monitoring/: valid, tested by promtool, complete annotations."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from rampart.monitoring.controls import CONTROL_METRIC

ROOT = Path(__file__).resolve().parents[3]
RULES = sorted((ROOT / "monitoring" / "rules").glob("*.yml"))
TESTS = sorted((ROOT / "monitoring" / "tests").glob("*_test.yml"))
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool comes with Debian's prometheus package"
)


def rules() -> list[dict[str, Any]]:
    """Every rule of every rule file."""
    found = []
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    completed = subprocess.run(
        ["promtool", "check", "rules", *map(str, RULES)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@needs_promtool
def test_promtool_unit_tests_pass() -> None:
    completed = subprocess.run(
        ["promtool", "test", "rules", *map(str, TESTS)],
        capture_output=True,
        text=True,
        cwd=ROOT / "monitoring" / "tests",
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_rule_is_exercised_by_a_promtool_test() -> None:
    tests = "\n".join(path.read_text() for path in TESTS)
    untested = [
        rule.get("alert") or rule["record"]
        for rule in rules()
        if f"alertname: {rule.get('alert')}" not in tests and f"{rule.get('record')}" not in tests
    ]
    assert untested == []


def test_every_alert_has_severity_annotations_and_an_existing_runbook() -> None:
    alerts = [rule for rule in rules() if "alert" in rule]
    assert len(alerts) >= 8
    for alert in alerts:
        assert alert["labels"]["severity"] in ("critical", "warning", "none"), alert["alert"]
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"], alert["alert"]
        runbook = ROOT / annotations["runbook_url"]
        assert runbook.is_file() and runbook.parent.name == "runbooks", alert["alert"]


def test_recording_rules_follow_level_metric_operations() -> None:
    """All but the controls matrix, which is a metric in its own right under the name
    issue 13 gives it (`rampart_control_ok`), not an aggregation of another."""
    for rule in rules():
        if "record" in rule and rule["record"] != CONTROL_METRIC:
            level, metric, operations = rule["record"].split(":")
            assert level == "service" and metric.startswith("rampart_") and operations
