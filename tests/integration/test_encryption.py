"""Encryption at rest on the lab (REG-4.2.2): hr-01's HR documents, migrated by the role
from plaintext, are not in the raw bytes of its data volume image and still readable through
the host; locked, they are unreadable to root; the boot unit unlocks them from tang; with
tang gone, the recovery key from the controller's vault unlocks them; tang answers the
encrypting hosts only.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra

from rampart.lab.config import LabPaths
from tests.integration.backup_helpers import metrics
from tests.integration.conftest import BIN, ROOT, only_journal, rampart, runbook
from tests.integration.test_antivirus import wait_for

pytestmark = pytest.mark.lab
HR_DOCUMENTS = "/srv/hr/documents"
SERIES = f'{{data_set="hr-documents",method="fscrypt",path="{HR_DOCUMENTS}"}}'
ESCROW = ROOT / ".ansible" / "lab-secrets" / "escrow"
LOCK = "rampart encryption lock --data-set hr-documents"
VAULT_PASSWORD = ROOT / ".ansible" / "lab-secrets" / "escrow-vault-password"


def in_image(needle: str) -> bool:
    """Whether `needle` is in the raw bytes of hr-01's data volume image (on the controller)."""
    subprocess.run(["sync"], check=True)
    image = LabPaths().host("hr-01") / "data.img"
    found = subprocess.run(["grep", "-c", "-a", "-F", needle, str(image)], capture_output=True)
    return found.returncode == 0


def recovery_key(identifier: str) -> bytes:
    """hr-documents' recovery key (hex) from the controller's vault, as key holders open it."""
    vault = ESCROW / "hr-01" / f"hr-documents-{identifier}.vault"
    return subprocess.run(
        [
            str(BIN / "ansible-vault"),
            "view",
            "--vault-id",
            f"rampart-escrow@{VAULT_PASSWORD}",
            str(vault),
        ],
        capture_output=True,
        check=True,
    ).stdout


@pytest.fixture
def hr(hosts: dict[str, testinfra.host.Host]) -> Iterator[testinfra.host.Host]:
    """hr-01, left unlocked and with tang running whatever a test did."""
    yield hosts["hr-01"]
    hosts["mon-01"].run("systemctl start tangd.socket")
    hosts["hr-01"].run("rampart encryption unlock --wait 30")


def test_hr_documents_are_encrypted_on_disk_and_readable_through_the_host(
    hr: testinfra.host.Host,
) -> None:
    seeded = (ROOT / "roles/lab_services/files/documents/hr/leave-policy.txt").read_text()
    assert hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt") == seeded.strip()
    assert not in_image("Annual leave: 25 working days"), "the migrated plaintext is gone"
    marker = "RAMPART-AT-REST-MARKER-4d1f"
    hr.check_output(f"echo {marker} > {HR_DOCUMENTS}/rampart-test-marker.txt")
    try:
        assert hr.check_output(f"cat {HR_DOCUMENTS}/rampart-test-marker.txt") == marker
        assert not in_image(marker)
    finally:
        hr.run(f"rm -f {HR_DOCUMENTS}/rampart-test-marker.txt")
    hr.check_output("rampart encryption status")
    found = metrics(hr, "rampart_encryption")
    for name in ("encrypted", "unlocked", "key_escrowed"):
        assert found[f"rampart_encryption_{name}{SERIES}"] == 1, name
    database = '{data_set="hr-database",method="fscrypt",path="/srv/postgresql/hr-database"}'
    assert found[f"rampart_encryption_encrypted{database}"] == 1


def test_hr_database_rows_are_encrypted_on_disk_and_answer_through_postgresql(
    hr: testinfra.host.Host,
) -> None:
    psql = "runuser -u postgres -- psql -X -At -d hr -c"
    location = hr.check_output(
        f'{psql} "SELECT pg_tablespace_location(dattablespace) FROM pg_database'
        " WHERE datname = 'hr'\""
    )
    assert location == "/srv/postgresql/hr-database/tablespace"
    assert int(hr.check_output(f"{psql} 'SELECT count(*) FROM employees'")) > 0
    marker = "RAMPART-DB-AT-REST-MARKER-9e2b"
    hr.check_output(
        f'{psql} "CREATE TABLE rampart_test_marker (note text);'
        f" INSERT INTO rampart_test_marker VALUES ('{marker}'); CHECKPOINT\""
    )
    try:
        assert hr.check_output(f"{psql} 'SELECT note FROM rampart_test_marker'") == marker
        assert not in_image(marker)
    finally:
        hr.run(f"{psql} 'DROP TABLE IF EXISTS rampart_test_marker'")
    refused = hr.run("rampart encryption lock")
    assert refused.rc == 7 and "PostgreSQL runs on its tablespace" in refused.stderr
    assert "Annual leave" in hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt")


def test_locked_documents_are_unreadable_to_root_until_the_boot_unit_unlocks_them(
    hr: testinfra.host.Host,
) -> None:
    assert hr.check_output(LOCK) == "hr-documents: absent"
    refused = hr.run(f"cat {HR_DOCUMENTS}/leave-policy.txt")
    assert refused.rc != 0
    names = hr.check_output(f"ls {HR_DOCUMENTS}").split()
    assert "leave-policy.txt" not in names and len(names) >= 3, "names are encrypted too"
    hr.check_output("rampart encryption status")
    assert metrics(hr, "rampart_encryption")[f"rampart_encryption_unlocked{SERIES}"] == 0
    # What runs at boot, with tang reachable.
    hr.check_output("systemctl restart rampart-encryption-unlock.service")
    assert "Annual leave" in hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt")


def test_after_a_restart_the_documents_unlock_by_themselves_and_the_web_front_answers(
    hr: testinfra.host.Host,
) -> None:
    # `lab restart` forgets the volume's keys, as a power cycle does.
    restarted = rampart("lab", "restart", "hr-01")
    assert "hr-01 restarted and answers SSH" in restarted.stdout + restarted.stderr
    # SSH may answer before the boot unit is done: wait for it.
    wait_for(
        lambda: (
            "hr-documents: unlocked"
            in hr.check_output("journalctl -b -u rampart-encryption-unlock --no-pager")
        ),
        "the boot unit did not unlock hr-documents with tang at this boot",
        60,
    )
    assert "Annual leave" in hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt")
    health = (
        'python3 -c "import urllib.request;'
        " print(urllib.request.urlopen('http://10.77.0.12:8080/health', timeout=3).read())\""
    )
    wait_for(
        lambda: hr.run(health).rc == 0, "the HR web front did not answer after the restart", 60
    )


def test_without_tang_the_escrowed_recovery_key_unlocks_the_documents(
    hosts: dict[str, testinfra.host.Host], hr: testinfra.host.Host
) -> None:
    hosts["mon-01"].check_output("systemctl stop tangd.socket")
    hr.check_output(LOCK)
    failed = hr.run("rampart encryption unlock --data-set hr-documents")
    assert failed.rc == 7
    assert failed.stderr.startswith("rampart: error: hr-documents: unlocking with tang at")
    assert len(failed.stderr.strip().splitlines()) == 1 and "Traceback" not in failed.stderr
    identifier = hr.check_output("cat /etc/rampart/encryption/keys/hr-documents.key-id")
    # The runbook's command (runbooks/key-loss.md): the key goes through pipes only.
    key = recovery_key(identifier)
    unlocked = subprocess.run(
        [
            str(BIN / "rampart"),
            "lab",
            "ssh",
            "hr-01",
            "rampart",
            "encryption",
            "unlock",
            "--data-set",
            "hr-documents",
            "--recovery-key-stdin",
        ],
        input=key,
        capture_output=True,
        check=False,
    )
    assert unlocked.returncode == 0, unlocked.stderr
    assert b"unlocked with the recovery key" in unlocked.stdout
    assert "Annual leave" in hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt")
    assert key.strip().decode() not in hr.check_output("journalctl --no-pager -n 200")


def test_tang_answers_the_encrypting_hosts_only(hosts: dict[str, testinfra.host.Host]) -> None:
    probe = (
        "python3 -c \"import socket; socket.create_connection(('10.77.0.15', 7500), timeout=3)\""
    )
    # hr-01 and fin-01 hold sensitive data (their keys are bound to tang); the others do not.
    for name in ("hr-01", "fin-01"):
        assert hosts[name].run(probe).rc == 0, name
    for name in ("oa-01", "backup-01"):
        assert hosts[name].run(probe).rc != 0, name


def test_the_key_loss_drill_recovers_locked_documents_from_escrow(
    hosts: dict[str, testinfra.host.Host], hr: testinfra.host.Host, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    result = runbook(runs, "run", "key-loss", "--drill", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    events = only_journal(runs)
    milestones = [event["name"] for event in events if event["event"] == "milestone"]
    assert milestones == ["fault_injected", "detected", "recovered"]
    recovered = next(
        e
        for e in events
        if e["event"] == "step_finished" and e["name"] == "unlock-with-recovery-key"
    )
    assert "unlocked with the recovery key" in recovered["summary"]
    assert events[-1]["status"] == "succeeded"
    report = next(runs.glob("*/evidence.md")).read_text()
    assert "RTO achieved:" in report
    assert "Annual leave" in hr.check_output(f"cat {HR_DOCUMENTS}/leave-policy.txt")
    assert hosts["mon-01"].service("tangd.socket").is_running
    identifier = hr.check_output("cat /etc/rampart/encryption/keys/hr-documents.key-id")
    key = recovery_key(identifier).decode().strip()
    journal = "\n".join(json.dumps(event) for event in events)
    assert len(key) == 128 and key not in journal and key not in report
