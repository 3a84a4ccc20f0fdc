"""What a user sees from the `rampart` command: one line on error, a distinct exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RAMPART = str(Path(sys.executable).with_name("rampart"))


def test_help_lists_the_commands() -> None:
    result = subprocess.run([RAMPART, "--help"], capture_output=True, text=True, check=True)
    for command in ("lab", "inventory", "summary"):
        assert command in result.stdout


def test_unknown_lab_host_is_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "lab.json").write_text('{"release": "trixie", "extra": 0, "subnet": "10.77.0.0/24"}')
    result = subprocess.run(
        [RAMPART, "lab", "ssh", "db-07", "true"],
        capture_output=True,
        text=True,
        env={**os.environ, "RAMPART_LAB_STATE": str(state)},
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "rampart: error: no lab host named 'db-07'; "
        "the lab has oa-01, hr-01, fin-01, backup-01, mon-01\n"
    )


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to nobody"
)
def test_lab_as_non_root_says_it_needs_root() -> None:
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", RAMPART, "lab", "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert result.stderr.startswith("rampart: error: the lab needs root")
    assert "Traceback" not in result.stderr
