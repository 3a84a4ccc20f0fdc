"""Metrics written atomically and promtool-clean; which snapshot a drill picks; the drill's
and the backup's metric families."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rampart.backup.drill import drill_families
from rampart.backup.recovery import choose_snapshot
from rampart.backup.restic import Snapshot
from rampart.backup.state import backup_families
from rampart.errors import BackupError
from rampart.textfile import Family, render, write_atomically

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def snapshot(days_ago: float, name: str) -> Snapshot:
    return Snapshot(name, NOW - timedelta(days=days_ago), "hr-01", ("/srv",), ("rampart",))


def test_latest_is_the_newest() -> None:
    snapshots = [snapshot(9, "old"), snapshot(1, "new")]
    assert choose_snapshot(snapshots, "public", pick="latest", window_days=7, now=NOW).id == "new"


def test_random_stays_within_the_window() -> None:
    snapshots = [snapshot(30, "ancient")] + [snapshot(day, f"d{day}") for day in range(6)]
    picked = {
        choose_snapshot(snapshots, "public", pick="random", window_days=7, now=NOW).id
        for _ in range(200)
    }
    assert "ancient" not in picked
    assert len(picked) > 1


def test_no_snapshot_fails_with_a_reason() -> None:
    with pytest.raises(BackupError) as raised:
        choose_snapshot([], "public", pick="latest", window_days=7, now=NOW)
    assert raised.value.reason == "no_snapshot"


def test_textfile_is_replaced_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "rampart_backup.prom"
    target.write_text("old\n")
    write_atomically(target, render([Family("rampart_x_total", "x", "counter").add(2)]))
    assert (
        target.read_text()
        == "# HELP rampart_x_total x\n# TYPE rampart_x_total counter\nrampart_x_total 2.0\n"
    )
    assert [path.name for path in tmp_path.iterdir()] == ["rampart_backup.prom"]


def sample_text() -> str:
    drill = {
        "sensitive": {
            "last_run": 1.0, "success": 0, "outcome": "failed", "reason": "wrong_password",
            "rto_seconds": 2.5, "rpo_seconds": 60.0, "files_verified": 0,
            "bytes_verified": 0, "mismatches": 0,
        },
    }  # fmt: skip
    state = {
        "classes": {
            "sensitive": {
                "last_run": 2.0, "duration": 1.5, "exit_status": 12, "reason": "wrong_password",
                "last_success": 1.0, "snapshots": 4,
            },
        },
        "check": {"time": 3.0, "ok": True, "exit_status": 0},
        "locks": {"count": 1, "oldest_age": 4000.0},
    }  # fmt: skip
    return render(drill_families(drill) + backup_families(state))


def test_failures_carry_their_reason() -> None:
    text = sample_text()
    outcome = 'data_class="sensitive",outcome="failed",reason="wrong_password"'
    assert f"rampart_drill_outcome_info{{{outcome}}} 1" in text
    assert 'rampart_backup_exit_status{data_class="sensitive"} 12' in text
    assert 'rampart_backup_failure_info{data_class="sensitive",reason="wrong_password"} 1' in text
    assert "rampart_backup_lock_age_seconds 4000" in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_backup_and_drill_metrics_are_promtool_clean() -> None:
    checked = subprocess.run(
        ["promtool", "check", "metrics"],
        input=sample_text(),
        text=True,
        capture_output=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
