"""The data-leak-containment drill on the lab: hr-01 is quarantined (its service closed to
the monitoring host, nothing out), the evidence reaches the backup server intact through
the controller, the old backup key and the old repository password stop working, and the
drill ends with the quarantine lifted and a backup made with the new credentials."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.backup_helpers import password_of, restic_command
from tests.integration.conftest import PlaybookRun, only_journal, runbook

pytestmark = pytest.mark.lab

HOST, SERVER = "hr-01", "backup-01"
KEYS = f"/etc/ssh/rampart-backup-keys/backup-{HOST}"


def test_the_containment_drill_isolates_keeps_evidence_and_rotates_secrets(
    lab: PlaybookRun, hosts: dict[str, Any], tmp_path: Path
) -> None:
    host, server = hosts[HOST], hosts[SERVER]
    old_password = hashlib.sha256(password_of(HOST).encode()).hexdigest()
    old_key = server.file(KEYS).content_string.strip()
    runs = tmp_path / "runs"
    result = runbook(runs, "run", "data-leak-containment", "--drill", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    events = only_journal(runs)
    run_id = events[0]["run_id"]
    passed = {e["name"] for e in events if e["event"] == "step_finished" and e["passed"]}
    # While quarantined: nothing in but admin SSH, nothing out, and monitoring saw it.
    assert {"confirm-no-way-in", "confirm-no-way-out", "monitoring-sees-it"} <= passed
    milestones = [e["name"] for e in events if e["event"] == "milestone"]
    assert milestones == ["fault_injected", "detected", "recovered"]

    # The evidence arrived whole, with its sha256 and the incident record beside it.
    folder = f"/srv/evidence/{HOST}"
    assert server.run(f"cd {folder} && sha256sum --check {run_id}.tar.gz.sha256").rc == 0
    listing = server.check_output(f"tar -tzf {folder}/{run_id}.tar.gz")
    for name in ("processes", "connections", "journal", "accounts", "keys", "ruleset"):
        assert f"./{name}" in listing.split(), listing
    assert server.file(f"{folder}/{run_id}.tar.gz").mode == 0o600
    report = server.file(f"{folder}/{run_id}.report.txt").content_string
    assert "security@rampart.internal" in report and "repository password rotated" in report
    assert host.run("ls /var/tmp/rampart-evidence-*").rc == 0  # the host keeps its copy

    # The old backup key is gone, a new one is authorised, the old password opens nothing.
    new_key = server.file(KEYS).content_string.strip()
    assert new_key and new_key != old_key
    assert server.file(f"{folder}/{run_id}.revoked-backup-key").content_string.strip() == old_key
    new_password = hashlib.sha256(password_of(HOST).encode()).hexdigest()
    assert new_password != old_password
    on_host = host.check_output("sha256sum < /etc/rampart/backup/repository.password")
    assert on_host.split()[0] == new_password
    keys = json.loads(host.check_output(restic_command(host, "key list --json")))
    assert [key["hostName"] for key in keys] == ["rampart-rotation"]  # one key: the new one

    # The drill ended as it found the host: no quarantine, services and backups working.
    assert "quarantine" not in host.check_output("nft list table inet rampart")
    assert host.run("systemctl is-failed --quiet rampart-backup.service").rc != 0
    snapshots = json.loads(host.check_output(restic_command(host, "snapshots --json --latest 1")))
    assert snapshots, "a backup with the new credentials"
