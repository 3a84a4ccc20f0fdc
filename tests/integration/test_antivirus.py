"""Antivirus on the lab (REG-4.2.4): every host holding a data set's files runs clamd with
signatures fetched from mon-01's private mirror only; the mirror answers the scanning
hosts alone; a republished signature reaches the hosts; EICAR dropped into HR's documents
is quarantined by the scan with its manifest, alerts in Prometheus and is in the month's
evidence archive; a false positive
released goes back as it was and is not found again; the malware drill runs green."""

from __future__ import annotations

import json
import secrets
import shlex
import tarfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import testinfra

from rampart.antivirus.signatures import EICAR, MARKER
from rampart.inventory import load_inventory
from tests.integration.backup_helpers import metrics, tree_digest
from tests.integration.conftest import INVENTORY, only_journal, rampart, runbook
from tests.integration.test_monitoring import api

SCANNING = ("oa-01", "hr-01", "fin-01")
MIRROR = "https://10.77.0.15:8873/rampart.cud"
CA = "/etc/rampart/antivirus/mirror-ca.crt"
QUARANTINE = "/var/lib/rampart/antivirus/quarantine"
FETCH = (
    "import ssl, sys, urllib.request\n"
    "context = ssl.create_default_context(cafile=sys.argv[2])\n"
    "try:\n"
    "    body = urllib.request.urlopen(sys.argv[1], timeout=5, context=context).read()\n"
    "    print(body[:10].decode())\n"
    "except OSError as error:\n"
    "    print(type(error).__name__)\n"
)


def scan(host: testinfra.host.Host) -> None:
    """Start the scan as its timer does and wait for it: the unit succeeds whether or not
    it found malware (it fails only when a file could not be scanned)."""
    started = host.run("systemctl start rampart-antivirus-scan.service")
    assert started.rc == 0, host.run("journalctl -u rampart-antivirus-scan -n 20").stdout


def firing(mon: testinfra.host.Host, alert: str, instance: str) -> list[dict[str, str]]:
    query = f'ALERTS{{alertname="{alert}",alertstate="firing",instance="{instance}"}}'
    url = f"http://127.0.0.1:9090/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    return [sample["metric"] for sample in api(mon, url)["data"]["result"]]


def wait_for(condition: Callable[[], object], what: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds:.0f} s")
        time.sleep(5)


def test_scanning_hosts_run_clamd_on_the_mirror_s_signatures_and_nothing_else_does(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    for name in SCANNING:
        host = hosts[name]
        assert host.service("clamav-daemon").is_running, name
        for unit in ("clamav-freshclam.service", "clamav-freshclam-once.service"):
            assert host.file(f"/etc/systemd/system/{unit}").linked_to == "/dev/null", unit
        assert host.file("/etc/systemd/system/clamav-freshclam-once.timer").linked_to == "/dev/null"
        assert host.file("/var/lib/clamav/rampart.cud").exists, name
        assert not host.file("/var/lib/clamav/daily.cvd").exists, "the lab mirror has none"
        socket = host.file("/run/clamav/clamd.ctl")
        assert (socket.mode, socket.group) == (0o660, "clamav"), "not every local user's"
        status = metrics(host, "rampart_antivirus")
        assert status["rampart_antivirus_clamd_up"] == 1
        assert status["rampart_antivirus_signature_max_age_seconds"] == 86400
    for name in ("backup-01", "mon-01"):
        assert not hosts[name].package("clamav-daemon").is_installed, f"{name} holds no data"
    assert hosts["mon-01"].file("/var/lib/rampart/antivirus-mirror/rampart.cud").exists


def test_the_mirror_answers_the_scanning_hosts_only(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    fetch = shlex.join(["python3", "-c", FETCH, MIRROR, "/etc/rampart/tls/ca.crt"])
    for name in SCANNING:
        assert hosts[name].check_output(fetch) == "ClamAV-VDB", name
    refused = hosts["backup-01"].check_output(fetch)
    assert refused in {"TimeoutError", "URLError"}, "backup-01 scans nothing: the port is closed"


def test_a_republished_signature_database_reaches_a_host(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    mon, fin = hosts["mon-01"], hosts["fin-01"]
    before = metrics(fin, "rampart_antivirus")
    time.sleep(1)  # the version is the build's second
    assert mon.run("systemctl start rampart-antivirus-feed.service").rc == 0
    published = mon.check_output("head -c 200 /var/lib/rampart/antivirus-mirror/rampart.cud")
    version = int(published.split(":")[2])
    assert fin.run("systemctl start rampart-antivirus-update.service").rc == 0
    assert fin.run("systemctl start rampart-antivirus-status.service").rc == 0
    after = metrics(fin, "rampart_antivirus")
    key = 'rampart_antivirus_signature_version{database="rampart"}'
    assert after[key] == version > before[key]
    logged = fin.check_output("journalctl -u rampart-antivirus-update -n 20 --no-pager -o cat")
    assert "rampart.cud updated" in logged


def exported_journal(folder: Path, host: str) -> list[dict[str, object]]:
    """The host's antivirus journal in this month's evidence archive."""
    month = f"{datetime.now(ZoneInfo(load_inventory(INVENTORY).time_zone)):%Y-%m}"
    archive = folder / "evidence.tar.gz"
    rampart("evidence", "export", "--month", month, "--output", str(archive), check=False)
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"rampart-evidence-{month}/hosts/{host}/antivirus/antivirus.jsonl")
        assert member is not None
        return [json.loads(line) for line in member.read().decode().splitlines()]


def test_eicar_in_hr_documents_is_quarantined_with_its_manifest_and_alerts(
    hosts: dict[str, testinfra.host.Host], tmp_path: Path
) -> None:
    hr, mon = hosts["hr-01"], hosts["mon-01"]
    dropped = "/srv/hr/documents/rampart-test-eicar.com"
    hr.run(f"printf %s {shlex.quote(EICAR.decode())} > {dropped} && chmod 0640 {dropped}")
    try:
        scan(hr)
        assert not hr.file(dropped).exists, "the infected file left the data set"
        [entry] = [
            json.loads(hr.check_output(f"cat {shlex.quote(path)}"))
            for path in hr.check_output(f"ls {QUARANTINE}/*/manifest.json").split()
        ]
        assert entry["path"] == dropped and entry["data_set"] == "hr-documents"
        assert entry["signature"] == "Rampart.Test.EICAR.UNOFFICIAL"
        assert (entry["owner"], entry["mode"], entry["size"]) == ("root", "0640", 68)
        held = hr.file(f"{QUARANTINE}/{entry['id']}/file")
        assert (held.mode, held.user) == (0o400, "root")
        assert hr.file(QUARANTINE).mode == 0o700
        journal = hr.check_output("tail -3 /var/log/rampart/antivirus.jsonl")
        assert '"event": "file_quarantined"' in journal
        wait_for(
            lambda: firing(mon, "RampartMalwareFound", "hr-01"),
            "RampartMalwareFound did not fire for hr-01",
        )
        [alert] = firing(mon, "RampartMalwareFound", "hr-01")
        assert alert["data_set"] == "hr-documents" and alert["severity"] == "critical"
        kept = exported_journal(tmp_path, "hr-01")
        assert any(
            event["event"] == "file_quarantined" and event["id"] == entry["id"] for event in kept
        ), "the month's evidence archive holds the quarantine's record"
    finally:
        hr.run(f"rm -rf {dropped} {QUARANTINE}/2*")
        scan(hr)
    wait_for(
        lambda: not firing(mon, "RampartMalwareFound", "hr-01"),
        "RampartMalwareFound still fires after a clean scan",
    )


def test_a_released_false_positive_is_back_as_it_was_and_not_found_again(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    """A file with Rampart's test pattern (unique, so allowing it allows nothing else) in
    the portal's pages: quarantined, released by a named person, and left alone after."""
    oa = hosts["oa-01"]
    page = "/srv/portal/www/rampart-test-notice.txt"
    content = f"notice {secrets.token_hex(8)}\n{MARKER.decode()}\n"
    oa.run(f"printf %s {shlex.quote(content)} > {page} && chown www-data {page}")
    oa.run(f"chmod 0644 {page} && touch -d '2026-11-30 08:00:00' {page}")
    try:
        scan(oa)
        assert not oa.file(page).exists
        listed = oa.check_output("rampart antivirus quarantine")
        [line] = [line for line in listed.splitlines() if page in line]
        assert "Rampart.Test.Marker.UNOFFICIAL" in line and "www-data" in line
        entry = line.split()[0]
        released = oa.run(f"SUDO_USER=alice rampart antivirus release {entry}")
        assert released.rc == 0, released.stderr
        assert oa.file(page).content_string == content
        assert (oa.file(page).user, oa.file(page).mode) == ("www-data", 0o644)
        assert oa.check_output(f"date -r {page} +%F.%T") == "2026-11-30.08:00:00"
        record = json.loads(oa.check_output(f"cat {QUARANTINE}/released/{entry}.json"))
        assert record["released_by"] == "alice"
        scan(oa)
        assert oa.file(page).exists, "an allowed file is not quarantined again"
        assert (
            metrics(oa, "rampart_antivirus_scan")[
                'rampart_antivirus_scan_infected_files{data_class="public",data_set="portal-content"}'
            ]
            == 0
        )
    finally:
        oa.run(f"rm -f {page}")


def test_the_malware_drill_detects_collects_evidence_and_leaves_nothing_behind(
    hosts: dict[str, testinfra.host.Host], tmp_path: Path
) -> None:
    """`malware-found --drill`: EICAR into hr-01's documents, the scan quarantines it, the
    alert fires, the evidence is collected, a rescan is clean, and the drill's own file and
    quarantine entry are gone; the rest of the data set is as it was."""
    hr = hosts["hr-01"]
    before = tree_digest(hr, "/srv/hr/documents")
    runs = tmp_path / "runs"
    result = runbook(runs, "run", "malware-found", "--drill", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    events = only_journal(runs)
    milestones = [event["name"] for event in events if event["event"] == "milestone"]
    assert milestones == ["fault_injected", "detected", "recovered"]
    [evidence] = [
        e["output"]
        for e in events
        if e["event"] == "step_attempt" and e["name"] == "collect-evidence" and e.get("passed")
    ]
    assert "/srv/hr/documents/rampart-drill-eicar.com" in evidence, "the manifest"
    assert "rampart-drill-eicar.com: Rampart.Test.EICAR.UNOFFICIAL(" in evidence, "clamd's log"
    assert "file_quarantined" in evidence, "the scan's journal"
    assert events[-1]["status"] == "succeeded"
    assert tree_digest(hr, "/srv/hr/documents") == before
    left = hr.run(f"grep -l rampart-drill-eicar {QUARANTINE}/*/manifest.json")
    assert left.stdout == "", "the drill's quarantine entry is gone"
