"""The host-lost drill on the lab: hr-01 is powered off, monitoring sees it gone, the lab
builds an empty hr-01 in its place, the playbooks converge it and its data comes back from
backup: the same documents byte for byte and the rows written before the loss."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import testinfra

from tests.integration.backup_helpers import tree_digest
from tests.integration.conftest import INVENTORY, PlaybookRun, only_journal, runbook
from tests.integration.test_restore import DOCUMENTS, kept_databases, sql

pytestmark = pytest.mark.lab


def hr_01() -> testinfra.host.Host:
    """A new connection to hr-01 (the old one died with the old machine)."""
    return testinfra.get_host(f"ansible://hr-01?ansible_inventory={INVENTORY}")


def test_the_host_lost_drill_rebuilds_the_host_and_brings_its_data_back(
    lab: PlaybookRun, tmp_path: Path
) -> None:
    hr = hr_01()
    marker = f"host-lost-{int(time.time())}"
    hr.check_output(f"echo {marker} > {DOCUMENTS}/host-lost-marker.txt")
    sql(hr, f"INSERT INTO employees VALUES (2000, '{marker}', 'Tester', 1, DATE '2026-01-01')")
    documents = tree_digest(hr, DOCUMENTS)
    machine = hr.file("/etc/machine-id").content_string
    assert hr.run("rampart backup run").rc == 0

    runs = tmp_path / "runs"
    started = time.monotonic()
    result = runbook(runs, "run", "host-lost", "--drill", "--yes")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    events = only_journal(runs)
    milestones = [e["name"] for e in events if e["event"] == "milestone"]
    assert milestones == ["fault_injected", "detected", "recovered"]
    print(f"host-lost drill: {time.monotonic() - started:.0f} s end to end")

    rebuilt = hr_01()
    assert rebuilt.file("/etc/machine-id").content_string != machine  # a new machine
    assert tree_digest(rebuilt, DOCUMENTS) == documents
    assert sql(rebuilt, "SELECT full_name FROM employees WHERE id = 2000") == marker
    # What the rebuild had put there (the lab's seed data) is kept beside the restored data.
    assert rebuilt.run(f"ls -d {DOCUMENTS}.before-restore-*").rc == 0
    assert kept_databases(rebuilt)

    # Leave hr-01 as the other tests expect it: seed data only, a fresh backup of it.
    rebuilt.check_output(f"rm -rf {DOCUMENTS}/host-lost-marker.txt {DOCUMENTS}.before-restore-*")
    sql(rebuilt, "DELETE FROM employees WHERE id = 2000")
    for name in kept_databases(rebuilt):
        rebuilt.check_output(f"runuser -u postgres -- dropdb {name}")
    assert rebuilt.run("rampart backup run").rc == 0
