"""The backup runner runs on hosts from the few modules roles/backup copies there, with the
host's plain Python: a new import in those modules must not break every host's backups."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "rampart"
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(not Path(SYSTEM_PYTHON).exists(), reason="needs the system's python3")
def test_copied_modules_alone_run_the_backup_command(tmp_path: Path) -> None:
    role_vars = yaml.safe_load((ROOT / "roles/backup/vars/main.yml").read_text())
    package = tmp_path / "rampart"
    (package / "backup").mkdir(parents=True)
    for module in role_vars["__backup_runner_modules"]:
        shutil.copy(SOURCE / module, package / module)
    for module in (SOURCE / "backup").glob("*.py"):
        shutil.copy(module, package / "backup" / module.name)

    result = subprocess.run(
        [SYSTEM_PYTHON, "-B", "-s", "-m", "rampart.backup", "backup", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: rampart backup")
    for action in ("run", "check", "drill"):
        assert action in result.stdout
