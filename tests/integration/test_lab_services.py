"""The lab's stand-ins for the business services (roles/lab_services), as their users meet
them: the office portal and mail on oa-01, the HR and finance records on hr-01 and fin-01,
reached over the lab network from the controller and from other lab hosts.
"""

from __future__ import annotations

import shlex
import smtplib
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import testinfra
import yaml

from tests.integration.conftest import INVENTORY, ROOT, PlaybookRun

pytestmark = pytest.mark.lab

OFFICE = "oa-01"
# host -> (database, table, seeded rows, documents folder)
RECORDS = {
    "hr-01": ("hr", "employees", 50, "/srv/hr/documents"),
    "fin-01": ("finance", "ledger", 200, "/srv/finance/reports"),
}
SERVICE_HOSTS = {OFFICE, *RECORDS}
PROBE_USER = "rampart_probe"
# Where playbooks/lab_services.yml keeps the probe password unless the inventory sets one.
PROBE_PASSWORD_FILE = ROOT / ".ansible" / "lab-secrets" / "rampart_probe_password"
WEBFRONT_UNIT = "lab-webfront"
WEBFRONT_USER = "labfront"
# The catalog lets PostgreSQL in from monitoring and backup_servers only (the firewall
# enforces it), so the probe login is tried from mon-01, given a psql client for the test.
DATABASE_CLIENT = "mon-01"


@pytest.fixture(scope="module")
def converged(lab: PlaybookRun) -> PlaybookRun:
    """The lab converged with site.yml, which installs the stand-ins."""
    return lab


@pytest.fixture(scope="module")
def addresses(converged: PlaybookRun) -> dict[str, str]:
    """Lab address of every host, from the generated inventory."""
    document = yaml.safe_load((INVENTORY / "hosts.yml").read_text(encoding="utf-8"))
    return {name: values["ansible_host"] for name, values in document["all"]["hosts"].items()}


@pytest.fixture(scope="module")
def lab_hosts(converged: PlaybookRun) -> dict[str, Any]:
    """testinfra hosts for the service hosts and mon-01, the neutral client."""
    return {
        name: testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
        for name in (*sorted(SERVICE_HOSTS), "mon-01")
    }


@pytest.fixture(scope="module")
def probe_password(lab_hosts: dict[str, Any]) -> str:
    """The probe login's password (see `probe_password_value`), once mon-01 has psql."""
    installed = lab_hosts[DATABASE_CLIENT].run(
        "command -v psql || DEBIAN_FRONTEND=noninteractive apt-get install -y -q"
        " --no-install-recommends postgresql-client"
    )
    assert installed.rc == 0, installed.stderr
    return probe_password_value(lab_hosts)


def probe_password_value(lab_hosts: dict[str, Any]) -> str:
    """The probe login's password: from the inventory if it sets one, else the playbook's file."""
    variables = lab_hosts["hr-01"].ansible.get_variables()
    password = variables.get("rampart_lab_probe_password")
    if password:
        return str(password)
    return PROBE_PASSWORD_FILE.read_text(encoding="utf-8").strip()


def http_get(url: str) -> tuple[int, str]:
    """Status and body of a GET from the controller, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def http_get_from(host: Any, url: str) -> tuple[int, str]:
    """Status and body of a GET made on a lab host with its own python3 (hosts have no curl)."""
    script = (
        "import sys, urllib.request, urllib.error\n"
        "try:\n"
        f"    response = urllib.request.urlopen({url!r}, timeout=5)\n"
        "except urllib.error.HTTPError as error:\n"
        "    response = error\n"
        "sys.stdout.write(str(response.status) + '\\n' + response.read().decode())\n"
    )
    result = host.run(f"python3 -c {shlex.quote(script)}")
    assert result.rc == 0, result.stderr
    status, _, body = result.stdout.partition("\n")
    return int(status), body


def smtp_banner_from(host: Any, address: str) -> str:
    """The first line an SMTP server sends, read on a lab host with python3."""
    script = (
        "import socket\n"
        f"connection = socket.create_connection(({address!r}, 25), timeout=5)\n"
        "print(connection.makefile().readline().strip())\n"
    )
    return str(host.check_output(f"python3 -c {shlex.quote(script)}"))


def psql_from(host: Any, password: str, conninfo: str, sql: str) -> Any:
    """Run one statement with psql on a lab host as the probe login; returns the result."""
    return host.run(
        f"env PGPASSWORD={shlex.quote(password)} psql -X -A -t -w "
        f"{shlex.quote(conninfo)} -c {shlex.quote(sql)}"
    )


def probe_conninfo(address: str, database: str) -> str:
    return f"host={address} port=5432 dbname={database} user={PROBE_USER} connect_timeout=5"


# --- Ansible: converge, second run, check mode --------------------------------------------


# --- Office portal ---------------------------------------------------------------------------


def test_portal_serves_the_office_page_to_the_controller(addresses: dict[str, str]) -> None:
    status, body = http_get(f"http://{addresses[OFFICE]}/")
    assert status == 200
    assert "Office Portal" in body
    assert http_get(f"http://{addresses[OFFICE]}/health") == (200, "ok\n")


def test_portal_serves_the_office_page_to_another_lab_host(
    lab_hosts: dict[str, Any], addresses: dict[str, str]
) -> None:
    client = lab_hosts["mon-01"]
    status, body = http_get_from(client, f"http://{addresses[OFFICE]}/")
    assert status == 200
    assert "<title>Office Portal</title>" in body
    assert http_get_from(client, f"http://{addresses[OFFICE]}/health") == (200, "ok\n")
    assert http_get_from(client, f"http://{addresses[OFFICE]}/no-such-page")[0] == 404


# --- Mail ------------------------------------------------------------------------------------


def test_mail_greets_with_an_esmtp_banner(
    lab_hosts: dict[str, Any], addresses: dict[str, str]
) -> None:
    with socket.create_connection((addresses[OFFICE], 25), timeout=5) as connection:
        banner = connection.makefile().readline().strip()
    assert banner.startswith("220 ") and " ESMTP " in banner, banner
    from_mon = smtp_banner_from(lab_hosts["mon-01"], addresses[OFFICE])
    assert from_mon.startswith("220 ") and " ESMTP " in from_mon, from_mon


def test_mail_is_delivered_locally_into_the_spool(
    lab_hosts: dict[str, Any], addresses: dict[str, str]
) -> None:
    token = f"rampart-test-{uuid.uuid4().hex}"
    message = f"Subject: {token}\r\n\r\nDelivered by test_lab_services.\r\n"
    with smtplib.SMTP(addresses[OFFICE], 25, timeout=10) as client:
        refused = client.sendmail("tester@rampart.internal", [f"root@{OFFICE}"], message)
    assert refused == {}
    office = lab_hosts[OFFICE]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if office.run(f"grep -q {token} /var/mail/root").rc == 0:
            break
        time.sleep(0.5)
    else:
        queue = office.run("postqueue -p").stdout
        pytest.fail(f"mail {token} never reached /var/mail/root; queue:\n{queue}")


def test_mail_refuses_to_relay_for_other_domains(addresses: dict[str, str]) -> None:
    with smtplib.SMTP(addresses[OFFICE], 25, timeout=10) as client:
        client.ehlo("controller.rampart.internal")
        client.mail("tester@rampart.internal")
        code, reply = client.rcpt("someone@example.com")
    assert code == 554 and b"Relay access denied" in reply, (code, reply)


# --- Records databases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"), [(DATABASE_CLIENT, "hr-01"), (DATABASE_CLIENT, "fin-01")]
)
def test_probe_login_counts_the_seeded_records_from_another_host(
    lab_hosts: dict[str, Any],
    addresses: dict[str, str],
    probe_password: str,
    source: str,
    target: str,
) -> None:
    database, table, rows, _ = RECORDS[target]
    counted = psql_from(
        lab_hosts[source],
        probe_password,
        probe_conninfo(addresses[target], database),
        f"SELECT count(*) FROM {table}",
    )
    assert counted.rc == 0, counted.stderr
    assert counted.stdout.strip() == str(rows)


def test_probe_login_is_read_only(
    lab_hosts: dict[str, Any], addresses: dict[str, str], probe_password: str
) -> None:
    written = psql_from(
        lab_hosts[DATABASE_CLIENT],
        probe_password,
        probe_conninfo(addresses["hr-01"], "hr"),
        "INSERT INTO employees VALUES (9999, 'Mallory', 'Clerk', 1, current_date)",
    )
    assert written.rc != 0
    assert "read-only transaction" in written.stderr


def test_probe_login_reaches_only_its_data_set_and_needs_the_password(
    lab_hosts: dict[str, Any], addresses: dict[str, str], probe_password: str
) -> None:
    client = lab_hosts[DATABASE_CLIENT]
    other_database = psql_from(
        client, probe_password, probe_conninfo(addresses["hr-01"], "postgres"), "SELECT 1"
    )
    assert other_database.rc != 0 and "no pg_hba.conf entry" in other_database.stderr
    wrong_password = psql_from(
        client, "not-the-password", probe_conninfo(addresses["hr-01"], "hr"), "SELECT 1"
    )
    assert wrong_password.rc != 0 and "password authentication failed" in wrong_password.stderr


def test_seeded_records_are_the_documented_deterministic_ones(
    lab_hosts: dict[str, Any], addresses: dict[str, str], probe_password: str
) -> None:
    first_employee = psql_from(
        lab_hosts[DATABASE_CLIENT],
        probe_password,
        probe_conninfo(addresses["hr-01"], "hr"),
        "SELECT full_name, post, salary, hired FROM employees WHERE id = 1",
    )
    assert first_employee.stdout.strip() == "Alice Andersen|Information officer|79250.00|2012-06-06"
    ledger = psql_from(
        lab_hosts[DATABASE_CLIENT],
        probe_password,
        probe_conninfo(addresses["fin-01"], "finance"),
        "SELECT count(DISTINCT account), sum(amount), min(booked), max(booked) FROM ledger",
    )
    assert ledger.stdout.strip() == "8|-126657.00|2024-01-01|2024-12-31"


def test_postgresql_listens_on_all_addresses(lab_hosts: dict[str, Any]) -> None:
    for name in RECORDS:
        host = lab_hosts[name]
        assert host.socket("tcp://0.0.0.0:5432").is_listening, name
        assert host.run("pg_lsclusters --no-header").stdout.split()[3] == "online", name


def test_documents_folders_hold_their_seeded_files(lab_hosts: dict[str, Any]) -> None:
    for name, (_, _, _, folder) in RECORDS.items():
        directory = lab_hosts[name].file(folder)
        assert directory.is_directory, f"{name}:{folder}"
        # Its group and mode are roles/storage's: the data set's readers, closed to others.
        assert directory.mode == 0o2750
        assert directory.group.startswith("data-"), f"{name}:{folder}"
        assert len(directory.listdir()) >= 3, f"{name}:{folder}"


# --- Web fronts ------------------------------------------------------------------------------


def test_web_fronts_show_the_record_counts(
    lab_hosts: dict[str, Any], addresses: dict[str, str]
) -> None:
    for name, (database, _, rows, _) in RECORDS.items():
        url = f"http://{addresses[name]}:8080"
        # The catalog opens the web fronts to office and monitoring, not to the controller.
        assert http_get_from(lab_hosts["oa-01"], f"{url}/health") == (200, "ok\n"), name
        status, body = http_get_from(lab_hosts["mon-01"], f"{url}/")
        assert status == 200, name
        assert f'<strong id="record-count">{rows}</strong>' in body, name
        assert f"<code>{database}</code>" in body, name


@pytest.fixture
def hr_database_stopped(lab_hosts: dict[str, Any]) -> Iterator[Any]:
    """Stop PostgreSQL on hr-01 for one test, and start it again whatever happens."""
    host = lab_hosts["hr-01"]
    # The clusters' units are stopped by name too: stopping postgresql.service alone returns
    # while they are still shutting down.
    host.check_output("systemctl stop postgresql 'postgresql@*'")
    try:
        yield host
    finally:
        host.run("systemctl start postgresql")


def test_web_front_health_follows_its_database(
    hr_database_stopped: Any, addresses: dict[str, str], lab_hosts: dict[str, Any]
) -> None:
    client = lab_hosts["mon-01"]
    url = f"http://{addresses['hr-01']}:8080"
    assert http_get_from(client, f"{url}/health")[0] == 503
    assert http_get_from(client, f"{url}/")[0] == 503
    hr_database_stopped.check_output("systemctl start postgresql")
    deadline = time.monotonic() + 20
    while http_get_from(client, f"{url}/health") != (200, "ok\n"):
        assert time.monotonic() < deadline, "the web front did not recover with PostgreSQL"
        time.sleep(0.5)


def test_web_front_runs_sandboxed_as_its_own_unprivileged_user(
    lab_hosts: dict[str, Any],
) -> None:
    for name in RECORDS:
        host = lab_hosts[name]
        user = host.user(WEBFRONT_USER)
        assert user.exists and user.uid != 0 and user.shell == "/usr/sbin/nologin", name
        main_pid = host.check_output(f"systemctl show -p MainPID --value {WEBFRONT_UNIT}")
        assert main_pid not in ("", "0"), name
        owner = host.check_output(f"ps -o user= -p {main_pid}")
        assert owner == WEBFRONT_USER, name
        properties = dict(
            line.split("=", 1)
            for line in host.check_output(
                f"systemctl show -p NoNewPrivileges -p ProtectSystem -p PrivateTmp "
                f"-p ProtectHome -p CapabilityBoundingSet {WEBFRONT_UNIT}"
            ).splitlines()
        )
        assert properties["NoNewPrivileges"] == "yes", name
        assert properties["ProtectSystem"] == "strict", name
        assert properties["PrivateTmp"] == "yes", name
        assert properties["ProtectHome"] == "yes", name
        assert properties["CapabilityBoundingSet"] == "", name


# --- Services --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "services", "ports"),
    [
        (OFFICE, ("nginx", "postfix"), (80, 25)),
        ("hr-01", ("postgresql", WEBFRONT_UNIT), (5432, 8080)),
        ("fin-01", ("postgresql", WEBFRONT_UNIT), (5432, 8080)),
    ],
)
def test_services_are_enabled_running_and_listening(
    lab_hosts: dict[str, Any], name: str, services: tuple[str, ...], ports: tuple[int, ...]
) -> None:
    host = lab_hosts[name]
    for service in services:
        assert host.service(service).is_enabled, f"{name}: {service} not enabled"
        assert host.service(service).is_running, f"{name}: {service} not running"
    for port in ports:
        assert host.socket(f"tcp://0.0.0.0:{port}").is_listening, f"{name}: nothing on {port}"
