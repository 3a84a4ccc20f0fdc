"""Backups on the lab (REG-4.1.1): back up, destroy, restore byte for byte; isolation of
the per-host accounts; the repository password in no output, process list, metric or log."""

from __future__ import annotations

import json
import time

import pytest
import testinfra

from tests.integration.backup_helpers import (
    CHROOTS,
    metrics,
    password_of,
    restic_command,
    tree_digest,
)

pytestmark = pytest.mark.lab
BACKED_UP = ("oa-01", "hr-01", "fin-01")


@pytest.fixture(scope="module")
def backed_up(hosts: dict[str, testinfra.host.Host]) -> dict[str, testinfra.host.Host]:
    """Every host with data sets has made a backup with `rampart backup run`."""
    for name in BACKED_UP:
        result = hosts[name].run("rampart backup run")
        assert result.rc == 0, result.stderr
    return hosts


def test_only_hosts_with_data_sets_are_backed_up(backed_up: dict[str, testinfra.host.Host]) -> None:
    for name in BACKED_UP:
        assert backed_up[name].file("/etc/systemd/system/rampart-backup.timer").exists
        assert backed_up[name].service("rampart-backup.timer").is_enabled
    assert not backed_up["mon-01"].file("/etc/rampart/backup/config.json").exists
    listed = backed_up["backup-01"].check_output(f"ls {CHROOTS}").split()
    assert listed == sorted(BACKED_UP)


def test_backup_metrics_say_what_was_backed_up(backed_up: dict[str, testinfra.host.Host]) -> None:
    samples = metrics(backed_up["fin-01"], "rampart_backup")
    for data_class in ("internal", "sensitive"):
        assert samples[f'rampart_backup_success{{data_class="{data_class}"}}'] == 1
        assert samples[f'rampart_backup_exit_status{{data_class="{data_class}"}}'] == 0
        assert samples[f'rampart_backup_snapshots{{data_class="{data_class}"}}'] >= 1
        finished = samples[
            f'rampart_backup_last_success_timestamp_seconds{{data_class="{data_class}"}}'
        ]
        assert time.time() - finished < 3600
    assert samples["rampart_backup_lock_age_seconds"] == 0


def test_timers_have_randomised_delays_and_separate_schedules(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    host = backed_up["hr-01"]
    calendars = set()
    for job in ("rampart-backup", "rampart-backup-check", "rampart-backup-drill"):
        timer = host.check_output(f"systemctl cat {job}.timer")
        assert "RandomizedDelaySec=" in timer
        calendars.add(timer.split("OnCalendar=", 1)[1].splitlines()[0])
    assert len(calendars) == 3
    # The weekly drill is the restore-drill runbook's (drills role); this timer is off.
    assert not host.service("rampart-backup-drill.timer").is_enabled


def test_back_up_destroy_and_restore_is_byte_identical(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    host = backed_up["hr-01"]
    query = "SELECT md5(string_agg(e::text, ',' ORDER BY e::text)) FROM employees e"
    psql = "runuser -u postgres -- psql -At -d hr -c"
    documents_before = tree_digest(host, "/srv/hr/documents")
    answer_before = host.check_output(f'{psql} "{query}"')
    count_before = host.check_output(f'{psql} "SELECT count(*) FROM employees"')
    assert host.run("rampart backup run").rc == 0

    # Destroy the source: the documents and the database.
    host.check_output("rm -rf /srv/hr/documents && systemctl stop lab-webfront")
    host.check_output("runuser -u postgres -- dropdb hr")

    # Restore as on-call would (docs/backup.md): the latest sensitive snapshot, then the dump.
    restore = restic_command(
        host,
        "restore latest --tag rampart-class-sensitive --target / --include /srv/hr/documents "
        "--include /var/lib/rampart/backup/dumps",
    )
    host.check_output(restore)
    host.check_output(
        "runuser -u postgres -- pg_restore --create --exit-on-error -d postgres "
        "/var/lib/rampart/backup/dumps/hr-database.dump"
    )
    host.check_output("systemctl start lab-webfront")

    assert tree_digest(host, "/srv/hr/documents") == documents_before
    assert host.check_output(f'{psql} "{query}"') == answer_before
    assert host.check_output(f'{psql} "SELECT count(*) FROM employees"') == count_before
    # A restore puts the documents back in plaintext; the encryption role's next run (here
    # its command) encrypts them again, contents kept (docs/encryption.md).
    assert "changed: hr-documents: encrypt /srv/hr/documents" in host.check_output(
        "rampart encryption apply"
    )
    assert tree_digest(host, "/srv/hr/documents") == documents_before
    assert "nothing to change" in host.check_output("rampart encryption apply")


def test_an_account_cannot_reach_another_hosts_repository(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    host = backed_up["hr-01"]
    sftp = "sftp -F /etc/rampart/backup/ssh_config -b - rampart-backup"
    own = host.run(f"printf 'ls /\\nls /repo\\n' | {sftp}")
    assert own.rc == 0, own.stderr
    assert "config" in own.stdout
    for attempt in (
        f"ls {CHROOTS}/oa-01/repo",
        "ls /../oa-01/repo",
        f"get {CHROOTS}/oa-01/repo/config /tmp/stolen",
        "get /../oa-01/repo/config /tmp/stolen",
        f"rm {CHROOTS}/oa-01/repo/config",
    ):
        result = host.run(f"printf '%s\\n' {attempt!r} | {sftp}")
        assert result.rc != 0, attempt
    assert not host.file("/tmp/stolen").exists
    # The key opens no other account, and no shell on its own.
    # (ssh's own exit status 255 is testinfra's "connection failed": report it as text.)
    other = host.run(
        "ssh -F /etc/rampart/backup/ssh_config -l backup-oa-01 rampart-backup -s sftp "
        "</dev/null 2>&1; echo status=$?"
    )
    assert "status=0" not in other.stdout
    assert "Permission denied (publickey)" in other.stdout
    shell = host.run(
        "ssh -F /etc/rampart/backup/ssh_config rampart-backup cat /etc/passwd 2>&1; echo status=$?"
    )
    assert "root:x:0:0" not in shell.stdout
    assert "status=0" not in shell.stdout
    # The other repository is intact.
    assert backed_up["backup-01"].file(f"{CHROOTS}/oa-01/repo/config").exists


def test_password_is_in_no_process_list_metric_or_journal(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    host = backed_up["fin-01"]
    password = password_of("fin-01")
    host.check_output("systemctl start --no-block rampart-backup.service")
    seen = ""
    for _ in range(40):
        seen += host.check_output("ps -eo args")
        if (
            host.run("systemctl is-active --quiet rampart-backup.service").rc != 0
            and "restic" in seen
        ):
            break
        time.sleep(0.25)
    assert "restic" in seen, "the backup was not seen running"
    assert password not in seen
    for _ in range(120):
        if host.run("systemctl is-active --quiet rampart-backup.service").rc != 0:
            break
        time.sleep(1)
    assert host.run("systemctl is-failed --quiet rampart-backup.service").rc != 0
    assert password not in host.check_output("cat /var/lib/prometheus/node-exporter/*.prom")
    assert password not in host.check_output("journalctl --no-pager -o cat")
    assert host.file("/etc/rampart/backup/repository.password").mode == 0o400
    assert host.file("/etc/rampart/backup/repository.password").user == "root"


def test_a_host_whose_backup_metrics_are_gone_alerts(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    """The plan expects oa-01's backups (mon-01 publishes rampart_backup_expected_info): with
    its backup textfile gone, RampartBackupTooOld fires at once, not two days later, and
    clears when the file is back."""
    import urllib.parse

    from tests.integration.test_monitoring import api

    textfile = "/var/lib/prometheus/node-exporter/rampart_backup.prom"
    aside = "/var/lib/rampart/rampart_backup.prom.aside"
    oa, mon = backed_up["oa-01"], backed_up["mon-01"]
    assert mon.file("/var/lib/prometheus/node-exporter/rampart_expected.prom").contains(
        'host="oa-01"'
    )
    query = 'ALERTS{alertname="RampartBackupTooOld",alertstate="firing",instance="oa-01"}'
    url = f"http://127.0.0.1:9090/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    assert not api(mon, url)["data"]["result"], "oa-01 has just backed up"
    assert oa.run(f"mv {textfile} {aside}").rc == 0
    try:
        # Staleness (5 min without the series at most, sooner as the file vanishes from the
        # scrape), then an evaluation.
        deadline = time.monotonic() + 420
        while not api(mon, url)["data"]["result"]:
            if time.monotonic() > deadline:
                pytest.fail(f"{query} did not fire with oa-01's backup metrics gone")
            time.sleep(5)
    finally:
        oa.run(f"mv {aside} {textfile}")
    deadline = time.monotonic() + 120
    while api(mon, url)["data"]["result"]:
        if time.monotonic() > deadline:
            pytest.fail(f"{query} still fires with oa-01's backup metrics back")
        time.sleep(5)


def test_a_mail_spool_written_through_every_try_fails_the_backup_and_says_which_file(
    backed_up: dict[str, testinfra.host.Host],
) -> None:
    """A file written while restic reads it is backed up again (the manifest would disagree
    with the snapshot and the next drill fail); one written through all tries fails the run
    as `source_changed`, keeps the last snapshot, and the next quiet run succeeds."""
    oa = backed_up["oa-01"]
    spool = "/var/mail/rampart-test-writer"
    internal = restic_command(oa, "snapshots --json --tag rampart-class-internal")
    before = len(json.loads(oa.check_output(internal)))
    writer = oa.check_output(
        f"setsid sh -c 'while :; do date +%N >> {spool}; sleep 0.05; done' "
        "> /dev/null 2>&1 < /dev/null & echo $!"
    )
    try:
        result = oa.run("rampart backup run")
    finally:
        oa.run(f"kill {writer}; rm -f {spool}")
    assert result.rc != 0
    assert result.stderr.strip() == (
        "rampart: error: internal: 1 file(s) changed while restic read them, 3 tries; "
        f"first: {spool}"
    )
    samples = metrics(oa, "rampart_backup")
    assert samples['rampart_backup_success{data_class="internal"}'] == 0
    assert samples['rampart_backup_success{data_class="public"}'] == 1
    assert 'rampart_backup_failure_info{data_class="internal",reason="source_changed"}' in samples
    # The first two tries were forgotten; the third is kept, the newest copy there is.
    assert len(json.loads(oa.check_output(internal))) == before + 1
    quiet = oa.run("rampart backup run")
    assert quiet.rc == 0, quiet.stderr
    assert metrics(oa, "rampart_backup")['rampart_backup_success{data_class="internal"}'] == 1
