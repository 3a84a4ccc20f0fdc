"""`rampart backup restore` on the lab (the host-lost runbook's restore): files and rows
come back in place, byte for byte, and what they replaced is kept beside them; a restore
that does not verify touches nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import testinfra

from tests.integration.backup_helpers import restic_command, tree_digest

pytestmark = pytest.mark.lab
DOCUMENTS = "/srv/hr/documents"
DOCUMENT = f"{DOCUMENTS}/leave-policy.txt"
PSQL = "runuser -u postgres -- psql -X -At -v ON_ERROR_STOP=1"
SCRATCH = "/var/tmp/rampart-drill"


def sql(host: testinfra.host.Host, statement: str, database: str = "hr") -> str:
    """One statement's answer, as the postgres user."""
    return str(host.check_output(f'{PSQL} -d {database} -c "{statement}"'))


def kept_databases(host: testinfra.host.Host) -> list[str]:
    """The databases a restore kept (`hr_before_restore_<stamp>`)."""
    listed = sql(host, "SELECT datname FROM pg_database ORDER BY 1", "postgres").split()
    return [name for name in listed if name.startswith("hr_before_restore_")]


def assert_no_scratch_left(host: testinfra.host.Host) -> None:
    assert host.check_output(f"find {SCRATCH} -mindepth 1 | head -1") == ""
    assert "rampart_restore" not in sql(host, "SELECT datname FROM pg_database", "postgres")
    assert host.check_output(f"ls -d {DOCUMENTS}.restoring-* 2>/dev/null || true") == ""


@pytest.fixture
def hr(hosts: dict[str, testinfra.host.Host]) -> Iterator[testinfra.host.Host]:
    """hr-01, put back afterwards: its document and rows as seeded, kept copies removed,
    a fresh backup of that."""
    host = hosts["hr-01"]
    original = host.check_output(f"base64 -w0 {DOCUMENT}")
    yield host
    host.check_output(f"echo {original} | base64 -d > {DOCUMENT}")
    sql(host, "DELETE FROM employees WHERE id >= 1000")
    host.check_output(f"rm -rf {DOCUMENTS}.before-restore-*")
    for name in kept_databases(host):
        host.check_output(f"runuser -u postgres -- dropdb {name}")
    assert host.run("rampart backup run").rc == 0


def test_restore_puts_files_and_rows_back_and_keeps_what_it_replaced(
    hr: testinfra.host.Host,
) -> None:
    marker = f"restore-test-{int(time.time())}"
    hr.check_output(f"echo {marker} >> {DOCUMENT}")
    sql(hr, f"INSERT INTO employees VALUES (1000, '{marker}', 'Tester', 1, DATE '2026-01-01')")
    backed_up = tree_digest(hr, DOCUMENTS)
    assert hr.run("rampart backup run").rc == 0

    # Lose data after the backup: a file gone, a row gone, a row changed.
    hr.check_output(f"rm {DOCUMENT}")
    sql(hr, "DELETE FROM employees WHERE id = 1000")
    sql(hr, "UPDATE employees SET salary = 1 WHERE id = 1")

    started = time.monotonic()
    result = hr.run("rampart backup restore")
    seconds = time.monotonic() - started
    assert result.rc == 0, result.stderr
    print(f"restore of hr-01: {seconds:.1f} s; {result.stdout.strip()}")
    [line] = [line for line in result.stdout.splitlines() if line.startswith("sensitive:")]
    assert "restored, snapshot " in line and " bytes verified, " in line

    assert tree_digest(hr, DOCUMENTS) == backed_up
    assert sql(hr, "SELECT full_name FROM employees WHERE id = 1000") == marker
    assert sql(hr, "SELECT salary FROM employees WHERE id = 1") != "1.00"
    # Grants came back with the dump: the web front still reads the table.
    assert sql(hr, "SELECT has_table_privilege('labfront', 'public.employees', 'SELECT')") == "t"

    # What the restore replaced is kept, named in its output.
    [kept_folder] = hr.check_output(f"ls -d {DOCUMENTS}.before-restore-*").split()
    assert kept_folder in line
    assert not hr.file(f"{kept_folder}/leave-policy.txt").exists
    [kept_database] = kept_databases(hr)
    assert kept_database in line
    assert sql(hr, "SELECT count(*) FROM employees WHERE id = 1000", kept_database) == "0"
    assert sql(hr, "SELECT salary FROM employees WHERE id = 1", kept_database) == "1.00"
    assert_no_scratch_left(hr)


def test_a_restore_that_does_not_verify_touches_nothing(hr: testinfra.host.Host) -> None:
    # A snapshot whose file changed after its manifest was taken (as in the drill test).
    assert hr.run("rampart backup run").rc == 0
    hr.check_output(f"echo 'changed after the manifest' >> {DOCUMENT}")
    hr.check_output(
        restic_command(
            hr,
            "backup --tag rampart --tag rampart-class-sensitive /srv/hr/documents "
            "/var/lib/rampart/backup/dumps/hr-database.dump "
            "/var/lib/rampart/backup/manifests/sensitive.json",
        )
    )
    hr.check_output(f"echo 'live after the backup' >> {DOCUMENT}")
    live = tree_digest(hr, DOCUMENTS)
    database = "SELECT oid FROM pg_database WHERE datname = 'hr'"
    live_database = sql(hr, database, "postgres")

    result = hr.run("rampart backup restore --data-class sensitive")
    assert result.rc == 5
    assert "mismatch" in result.stderr and "leave-policy.txt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(hr, DOCUMENTS) == live
    assert sql(hr, database, "postgres") == live_database
    assert hr.run(f"ls -d {DOCUMENTS}.before-restore-*").rc != 0
    assert kept_databases(hr) == []
    assert_no_scratch_left(hr)


def journal(host: testinfra.host.Host) -> list[dict[str, object]]:
    """The restore journal's lines."""
    text = host.check_output("cat /var/log/rampart/restore.jsonl")
    return [json.loads(line) for line in text.splitlines()]


def test_sigterm_mid_restore_leaves_live_data_and_no_scratch(hr: testinfra.host.Host) -> None:
    big = f"{DOCUMENTS}/restore-sigterm.bin"
    unit = "restore-sigterm-test"
    hr.check_output(f"head -c 150M /dev/urandom > {big}")
    try:
        assert hr.run("rampart backup run").rc == 0
        hr.check_output(f"echo 'live after the backup' >> {DOCUMENT}")
        live = tree_digest(hr, DOCUMENTS)
        hr.check_output(
            f"systemd-run --unit={unit} --collect"
            " /usr/local/bin/rampart backup restore --data-class sensitive"
        )
        for _ in range(240):
            if (
                hr.run("test -f /var/log/rampart/restore.jsonl").rc == 0
                and journal(hr)[-1]["event"] == "restore_started"
                and hr.run(f"test -d {SCRATCH}/*/sensitive/restore").rc == 0
            ):
                break
            time.sleep(0.25)
        else:
            pytest.fail("the restore never started restoring")
        time.sleep(0.5)  # restic is restoring the big file
        hr.check_output(f"systemctl kill --signal=SIGTERM --kill-whom=main {unit}")
        for _ in range(120):
            if hr.run(f"systemctl is-active --quiet {unit}").rc != 0:
                break
            time.sleep(0.5)
        lines = journal(hr)
        assert lines[-1]["event"] == "run_finished"
        assert lines[-1]["status"] == "interrupted"
        assert "interrupted" in hr.check_output(f"journalctl -u {unit} -o cat --no-pager")
        assert hr.run("pgrep -x restic").rc != 0
        assert tree_digest(hr, DOCUMENTS) == live
        assert hr.run(f"ls -d {DOCUMENTS}.before-restore-*").rc != 0
        assert kept_databases(hr) == []
        assert_no_scratch_left(hr)
    finally:
        hr.run(f"systemctl reset-failed {unit}")
        hr.check_output(f"rm -f {big}")
