"""Restore drills on the lab (REG-4.2.5): pass on a healthy fleet; fail, with metrics that
say why, on a corrupted pack, a manifest that disagrees, a wrong password, a missing
repository; SIGTERM mid-restore removes the scratch data and records "interrupted"."""

from __future__ import annotations

import json
import shlex
import subprocess
import tarfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import testinfra

from rampart.inventory import load_inventory
from tests.integration.backup_helpers import CHROOTS, metrics, restic_command, run_drill
from tests.integration.conftest import INVENTORY, rampart

pytestmark = pytest.mark.lab
BACKED_UP = ("oa-01", "hr-01", "fin-01")
SCRATCH = "/var/tmp/rampart-drill"


@pytest.fixture(scope="module")
def fleet(hosts: dict[str, testinfra.host.Host]) -> dict[str, testinfra.host.Host]:
    """Every backed-up host has a fresh snapshot."""
    for name in BACKED_UP:
        assert hosts[name].run("rampart backup run").rc == 0
    return hosts


def outcome(host: testinfra.host.Host, data_class: str) -> tuple[str, str]:
    """(outcome, reason) of the last drill of a class, from the metrics."""
    for series, value in metrics(host, "rampart_drill").items():
        wanted = f'data_class="{data_class}"' in series
        if wanted and series.startswith("rampart_drill_outcome_info") and value == 1:
            fields = dict(
                part.split("=", 1) for part in series.split("{", 1)[1].rstrip("}").split(",")
            )
            return fields["outcome"].strip('"'), fields["reason"].strip('"')
    raise AssertionError(f"no drill outcome for {data_class}")


def journal(host: testinfra.host.Host) -> list[dict[str, object]]:
    """The drill journal's lines (none on a host that has not been drilled yet)."""
    return [
        json.loads(line)
        for line in host.check_output(
            "cat /var/log/rampart/drill.jsonl 2>/dev/null || true"
        ).splitlines()
    ]


def assert_scratch_clean(host: testinfra.host.Host) -> None:
    assert host.check_output(f"find {SCRATCH} -mindepth 1 | head -1") == ""
    databases = host.run("runuser -u postgres -- psql -Atc 'SELECT datname FROM pg_database'")
    assert "rampart_drill" not in databases.stdout


def test_drill_passes_on_a_healthy_fleet(fleet: dict[str, testinfra.host.Host]) -> None:
    for name in BACKED_UP:
        host = fleet[name]
        result = run_drill(host)
        assert result.rc == 0, result.stderr
        samples = metrics(host, "rampart_drill")
        classes = json.loads(host.check_output("cat /etc/rampart/backup/config.json"))["data_sets"]
        verified_total = 0.0
        for data_class in {entry["class"] for entry in classes}:
            labels = f'{{data_class="{data_class}"}}'
            assert samples[f"rampart_drill_success{labels}"] == 1
            assert samples[f"rampart_drill_mismatches{labels}"] == 0
            manifest = json.loads(
                host.check_output(f"cat /var/lib/rampart/backup/manifests/{data_class}.json")
            )
            assert samples[f"rampart_drill_verified_files{labels}"] == len(manifest["files"])
            verified_total += samples[f"rampart_drill_verified_files{labels}"]
            assert samples[f"rampart_drill_rto_seconds{labels}"] > 0
            assert 0 <= samples[f"rampart_drill_rpo_seconds{labels}"] < 3600
        assert verified_total > 0
        assert_scratch_clean(host)
    # The database was restored into a scratch database and its rows counted.
    finished = [line for line in journal(fleet["hr-01"]) if line["event"] == "database_checked"]
    assert finished[-1]["tables"] == {"public.employees": 50}


@pytest.fixture(scope="module")
def scheduled_drill(fleet: dict[str, testinfra.host.Host]) -> tuple[str, dict[str, int]]:
    """What the weekly timer does, now: the runner on mon-01 drills every host over SSH.
    The run's id, and each backed-up host's drill journal length before it."""
    mon = fleet["mon-01"]
    before = {name: len(journal(fleet[name])) for name in BACKED_UP}
    started = mon.run("systemctl start rampart-drill@restore-drill.service")
    assert started.rc == 0, mon.run("journalctl -u rampart-drill@restore-drill -n 30").stdout
    return mon.check_output("ls -t /var/lib/rampart/runbooks | head -1"), before


def test_the_restore_drill_runbook_runs_on_its_schedule_from_the_drill_host(
    fleet: dict[str, testinfra.host.Host], scheduled_drill: tuple[str, dict[str, int]]
) -> None:
    mon = fleet["mon-01"]
    timer = mon.service("rampart-drill-restore-drill.timer")
    assert timer.is_enabled and timer.is_running
    latest, before = scheduled_drill
    events = [
        json.loads(line)
        for line in mon.file(
            f"/var/lib/rampart/runbooks/{latest}/journal.jsonl"
        ).content_string.splitlines()
    ]
    assert events[0]["runbook"] == "restore-drill" and events[-1]["status"] == "succeeded"
    for name in BACKED_UP:
        drilled = journal(fleet[name])[before[name] :]
        assert drilled[-1]["event"] == "run_finished", name
        assert drilled[-1]["status"] == "succeeded", name
    evidence = mon.file(f"/var/lib/rampart/runbooks/{latest}/evidence.md")
    assert evidence.contains("restore-and-verify")


def test_the_month_s_evidence_archive_holds_that_drill_the_review_and_the_evaluation(
    scheduled_drill: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    """What an auditor is handed (REG-9.2, REG-4.2.5, REG-6.2.3, REG-7.2): one archive whose
    sums check, with the scheduled drill's journal and evidence from mon-01, each host's
    drill lines, the controls matrix (the drill holds on every host), the access review and
    the month's evaluation as PDF."""
    run_id, _ = scheduled_drill
    inventory = load_inventory(INVENTORY)
    month = f"{datetime.now(ZoneInfo(inventory.time_zone)):%Y-%m}"
    archive = tmp_path / "evidence.tar.gz"
    exported = rampart(
        "evidence", "export", "--month", month, "--output", str(archive), check=False
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"evidence {month}: {archive} (")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    root = tmp_path / f"rampart-evidence-{month}"
    checked = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=root, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    readme = (root / "README.txt").read_text(encoding="utf-8")
    assert "Gaps (what this archive could not collect):\n- none" in readme
    run = root / "hosts/mon-01/runbooks" / run_id
    first = json.loads((run / "journal.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["runbook"] == "restore-drill"
    assert "restore-and-verify" in (run / "evidence.md").read_text(encoding="utf-8")
    for name in BACKED_UP:
        lines = (root / f"hosts/{name}/backup/drill.jsonl").read_text(encoding="utf-8")
        finished = [json.loads(text) for text in lines.splitlines()]
        assert any(event.get("status") == "succeeded" for event in finished), name
    controls = json.loads((root / "controls.json").read_text(encoding="utf-8"))["controls"]
    drilled = {row["host"]: row["ok"] for row in controls if row["control"] == "restore-drill"}
    assert drilled == dict.fromkeys(BACKED_UP, True), drilled
    review = json.loads((root / "access/review.json").read_text(encoding="utf-8"))
    assert review["hosts"] == sorted(inventory.hosts)
    assert (root / "evaluation/report.pdf").read_bytes().startswith(b"%PDF")
    services = json.loads((root / "evaluation/report.json").read_text(encoding="utf-8"))
    assert services["period"]["label"] == month


def test_a_random_snapshot_within_the_window_also_passes(
    fleet: dict[str, testinfra.host.Host],
) -> None:
    result = run_drill(fleet["fin-01"], "--pick", "random")
    assert result.rc == 0, result.stderr


@pytest.fixture
def repository_packs(fleet: dict[str, testinfra.host.Host]) -> Iterator[str]:
    """oa-01's pack files on the backup server, put back as they were afterwards."""
    server = fleet["backup-01"]
    data = f"{CHROOTS}/oa-01/repo/data"
    server.check_output(f"rm -rf /root/packs-saved && cp -a {data} /root/packs-saved")
    yield data
    server.check_output(f"rm -rf {data} && mv /root/packs-saved {data}")


def test_a_corrupted_pack_fails_the_drill(
    fleet: dict[str, testinfra.host.Host], repository_packs: str
) -> None:
    server, host = fleet["backup-01"], fleet["oa-01"]
    # Flip a byte every 32 bytes of every pack: each blob is damaged, whichever pack and
    # wherever in it the public files' blobs are (one flip in a pack's middle could miss
    # them, once earlier backups had laid the packs out otherwise).
    flip = (
        "import pathlib, sys\n"
        "for pack in pathlib.Path(sys.argv[1]).rglob('*'):\n"
        "    if pack.is_file():\n"
        "        data = bytearray(pack.read_bytes())\n"
        "        for offset in range(0, len(data), 32):\n"
        "            data[offset] ^= 0xFF\n"
        "        pack.write_bytes(bytes(data))\n"
    )
    server.check_output(f"python3 -c {shlex.quote(flip)} {repository_packs}")
    host.check_output("rm -rf /var/cache/rampart/restic/*")
    result = run_drill(host)
    assert result.rc != 0
    assert "error" in result.stderr
    result_outcome, reason = outcome(host, "public")
    assert result_outcome == "failed"
    assert reason in {"restic_failed", "mismatch"}
    assert metrics(host, "rampart_drill")['rampart_drill_success{data_class="public"}'] == 0
    assert_scratch_clean(host)


def test_a_manifest_that_disagrees_fails_the_drill(fleet: dict[str, testinfra.host.Host]) -> None:
    host = fleet["hr-01"]
    document = "/srv/hr/documents/leave-policy.txt"
    original = host.check_output(f"base64 -w0 {document}")
    try:
        # A snapshot whose files changed after the manifest was taken: the stale manifest
        # goes into the snapshot with the new file.
        host.check_output(f"echo 'changed after the manifest' >> {document}")
        host.check_output(
            restic_command(
                host,
                "backup --tag rampart --tag rampart-class-sensitive /srv/hr/documents "
                "/var/lib/rampart/backup/dumps/hr-database.dump "
                "/var/lib/rampart/backup/manifests/sensitive.json",
            )
        )
        result = run_drill(host)
        assert result.rc != 0
        assert "leave-policy.txt" in result.stderr
        assert outcome(host, "sensitive") == ("failed", "mismatch")
        samples = metrics(host, "rampart_drill")
        assert samples['rampart_drill_mismatches{data_class="sensitive"}'] == 1
        assert samples['rampart_drill_success{data_class="sensitive"}'] == 0
        assert_scratch_clean(host)
    finally:
        host.check_output(f"echo {original} | base64 -d > {document}")
        assert host.run("rampart backup run").rc == 0


def test_a_wrong_password_fails_the_drill(fleet: dict[str, testinfra.host.Host]) -> None:
    host = fleet["fin-01"]
    password_file = "/etc/rampart/backup/repository.password"
    host.check_output(f"cp -a {password_file} /root/password.saved")
    try:
        host.check_output(f"chmod 600 {password_file} && echo not-the-password > {password_file}")
        result = run_drill(host)
        assert result.rc != 0
        assert "status 12" in result.stderr
        assert outcome(host, "sensitive") == ("failed", "wrong_password")
        backup = host.run("rampart backup run")
        assert backup.rc != 0
        assert (
            metrics(host, "rampart_backup")['rampart_backup_exit_status{data_class="sensitive"}']
            == 12
        )
    finally:
        host.check_output(f"mv /root/password.saved {password_file}")
    assert host.run("rampart backup run").rc == 0


def test_a_missing_repository_fails_the_drill(fleet: dict[str, testinfra.host.Host]) -> None:
    server, host = fleet["backup-01"], fleet["oa-01"]
    repository = f"{CHROOTS}/oa-01/repo"
    server.check_output(
        f"mv {repository} {repository}.away && install -d -o backup-oa-01 -m 700 {repository}"
    )
    try:
        result = run_drill(host)
        assert result.rc != 0
        assert "status 10" in result.stderr
        assert outcome(host, "public") == ("failed", "repository_missing")
        assert_scratch_clean(host)
    finally:
        server.check_output(f"rm -rf {repository} && mv {repository}.away {repository}")
    assert run_drill(host).rc == 0


def test_sigterm_mid_restore_cleans_up_and_records_interrupted(
    fleet: dict[str, testinfra.host.Host],
) -> None:
    host = fleet["oa-01"]
    big = "/srv/portal/www/drill-sigterm.bin"
    host.check_output(f"head -c 150M /dev/urandom > {big}")
    try:
        assert host.run("rampart backup run").rc == 0
        host.check_output(
            # Only the class of the big file: SIGTERM must land during its restore.
            "systemd-run --unit=drill-sigterm-test --collect"
            " /usr/local/bin/rampart backup drill --data-class public"
        )
        for _ in range(240):
            events = [line["event"] for line in journal(host)]
            if (
                events
                and events[-1] == "restore_started"
                and host.run(f"test -d {SCRATCH}").rc == 0
            ):
                break
            time.sleep(0.25)
        else:
            pytest.fail("the drill never started restoring")
        time.sleep(0.5)
        host.check_output("systemctl kill --signal=SIGTERM --kill-whom=main drill-sigterm-test")
        for _ in range(120):
            if host.run("systemctl is-active --quiet drill-sigterm-test").rc != 0:
                break
            time.sleep(0.5)
        lines = journal(host)
        assert lines[-1]["event"] == "run_finished"
        assert lines[-1]["status"] == "interrupted"
        assert any(line["event"] == "scratch_removed" for line in lines[-4:])
        assert outcome(host, "public")[0] == "interrupted"
        assert host.run("pgrep -x restic").rc != 0
        assert_scratch_clean(host)
    finally:
        host.run("systemctl reset-failed drill-sigterm-test")
        host.check_output(f"rm -f {big}")
        assert host.run("rampart backup run").rc == 0
