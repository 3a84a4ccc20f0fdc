"""The series the plan expects, as the monitoring host publishes them for the rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RAMPART = str(Path(sys.executable).with_name("rampart"))


def test_every_backed_up_host_and_class_is_expected_and_promtool_clean(tmp_path: Path) -> None:
    output = tmp_path / "rampart_expected.prom"
    result = subprocess.run(
        [
            *(RAMPART, "exporter", "expected-series"),
            *("--inventory", str(ROOT / "inventory/example"), "--output", str(output)),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert (
        'rampart_backup_expected_info{data_class="sensitive",host="hr-db-01.corp.example.com"} 1.0'
        in text
    )
    assert (
        'rampart_antivirus_expected_info{data_set="hr-documents",host="hr-db-01.corp.example.com"}'
        " 1.0" in text
    )
    assert (
        'rampart_storage_expected_info{data_set="hr-documents",'
        'host="hr-db-01.corp.example.com",path="/srv/hr/documents"} 1.0' in text
    )
    assert 'data_set="mail-spool",host' not in text.split("rampart_storage_expected_info", 1)[1], (
        "/var/mail is not on the data volume: measured, not managed"
    )
    assert 'data_set="hr-database"' not in text, "a database-only data set is not scanned"
    assert 'host="mon-01.corp.example.com"' not in text, "mon-01 holds no data set"
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
