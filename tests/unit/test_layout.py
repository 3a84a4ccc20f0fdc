"""The design card's layout: the exporters live in the top-level `exporters/` and are the
import package `rampart.exporters`, in the editable install and in the wheel hosts get."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import rampart.exporters

ROOT = Path(__file__).resolve().parents[2]


def test_the_editable_install_imports_the_exporters_from_the_top_level_folder() -> None:
    assert Path(rampart.exporters.__file__).resolve().parent == ROOT / "exporters"


def test_the_wheel_for_hosts_carries_every_exporter_module(tmp_path: Path) -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(tmp_path), str(ROOT)),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("rampart-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        f"rampart/exporters/{path.relative_to(ROOT / 'exporters')}"
        for path in (ROOT / "exporters").rglob("*.py")
    }
    assert wanted and wanted <= names
    assert "rampart/exporters/backup_server.py" in names
    assert "rampart/exporters/availability/exposition.py" in names
