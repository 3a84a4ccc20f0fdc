"""The generated rule files: availability from one list of burn-rate alerts, the controls
matrix from one list of controls (and kept so)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rampart.monitoring import availability_rules
from rampart.monitoring import rules as rule_files

ROOT = Path(__file__).resolve().parents[3]


def test_the_committed_rules_files_are_what_the_generators_make() -> None:
    for name, render in rule_files.GENERATED.items():
        committed = (ROOT / rule_files.RULES_DIRECTORY / name).read_text(encoding="utf-8")
        assert committed == render(), f"{name}: run `make rules`"


def test_every_window_an_alert_reads_is_recorded_once_and_no_other() -> None:
    group = yaml.safe_load(availability_rules.render())["groups"][0]
    recorded = [
        rule["record"] for rule in group["rules"] if "errors:ratio_rate" in rule.get("record", "")
    ]
    read = {
        availability_rules.error_ratio_record(window)
        for alert in availability_rules.BURN_RATE_ALERTS
        for condition in alert.conditions
        for window in (condition.long_window, condition.short_window)
    }
    assert sorted(recorded) == sorted(read)
    assert len(recorded) == len(set(recorded))
    assert availability_rules.burn_rate_windows() == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


def test_a_rule_reads_only_records_made_before_it_in_the_group() -> None:
    rules = yaml.safe_load(availability_rules.render())["groups"][0]["rules"]
    made: set[str] = set()
    for rule in rules:
        for name in {rule2["record"] for rule2 in rules if "record" in rule2}:
            if name in rule["expr"]:
                assert name in made, f"{rule.get('record') or rule['alert']} reads {name} early"
        if "record" in rule:
            made.add(rule["record"])


def test_check_mode_names_a_stale_file_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "availability.yml"
    stale.write_text("---\ngroups: []\n", encoding="utf-8")
    assert rule_files.main(["--check", "--directory", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{stale}: not what `make rules` generates" in err
    assert f"{tmp_path / 'controls.yml'}: not what `make rules` generates" in err
    assert rule_files.main(["--directory", str(tmp_path)]) == 0
    assert rule_files.main(["--check", "--directory", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(rule_files.GENERATED)
