"""Availability monitoring on the lab (REG-7.1, REG-7.2), as on-call meets it: the office
portal goes down, the prober sees it, Prometheus shows it, Alertmanager fires and resolves,
and the downtime minutes from the rules match the outage. The endpoints refuse anyone
without the scrape credentials, and bad input is one clear line.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import testinfra

from rampart.prometheus import ON_HOST
from rampart.ssh import _FETCH
from tests.integration.conftest import BIN, INVENTORY, ROOT
from tests.integration.mail_helpers import ALERT_FOR, mails, text_of, wait_for_mail

pytestmark = pytest.mark.lab

CONTROLLER_DIR = ROOT / ".rampart"
PASSWORD_FILE = CONTROLLER_DIR / "scrape-password"
SCRAPE_INTERVAL = 5.0  # inventory/lab/group_vars/all/monitoring.yml
PORTAL = "office-portal"
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, step: float = 1.0) -> T:
    """Poll `probe` until it returns something other than None; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


def address(host: testinfra.host.Host) -> str:
    """The lab address of a host, as the inventory has it."""
    return str(host.ansible.get_variables()["ansible_host"])


# Run on the monitoring host: the firewall lets only it reach the exporters. The scrape
# password is read there from Prometheus' own file, so it never appears in a command line.
FETCH = """
import base64, http.client, json, ssl, sys
host, port, auth, scheme = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = {}
if auth != "none":
    with open("/etc/prometheus/rampart-scrape-password") as source:
        password = source.read().strip()
    if auth == "wrong":
        password = "wrong-" + password
    token = base64.b64encode(("prometheus:" + password).encode()).decode()
    headers["Authorization"] = "Basic " + token
if scheme == "https":
    context = ssl.create_default_context(cafile="/etc/rampart/tls/ca.crt")
    connection = http.client.HTTPSConnection(host, port, timeout=10, context=context)
else:
    connection = http.client.HTTPConnection(host, port, timeout=10)
try:
    connection.request("GET", "/metrics", headers=headers)
    response = connection.getresponse()
    answer = {"status": response.status, "body": response.read().decode("utf-8", "replace")}
except (OSError, http.client.HTTPException) as error:
    answer = {"error": type(error).__name__}
print(json.dumps(answer))
"""


def fetch(host: str, port: int, *, auth: str = "right", tls: bool = True) -> tuple[int, str]:
    """GET /metrics from the monitoring host (auth: right, wrong or none); status and body.
    A connection the server drops raises ConnectionError."""
    monitor = testinfra.get_host(f"ansible://mon-01?ansible_inventory={INVENTORY}")
    scheme = "https" if tls else "http"
    command = f"python3 -c {shlex.quote(FETCH)} {host} {port} {auth} {scheme}"
    answer = json.loads(monitor.check_output(command))
    if "error" in answer:
        raise ConnectionError(answer["error"])
    return int(answer["status"]), str(answer["body"])


def api(host: testinfra.host.Host, url: str) -> Any:
    """GET Prometheus' or Alertmanager's API on the monitoring host as JSON. They serve HTTPS
    on its fleet address, so `http://127.0.0.1:<port>/...` is asked there, on the host, with
    its CA and the password file Prometheus itself uses (read there, never in argv): the way
    `rampart.prometheus` asks on a host."""
    target = url.replace("http://127.0.0.1:", f"https://{address(host)}:")
    files = [ON_HOST.ca_file, ON_HOST.user, ON_HOST.password_file]
    result = host.run(shlex.join(["python3", "-c", _FETCH, target, "10", *files]))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def query(host: testinfra.host.Host, expression: str) -> dict[str, float]:
    """An instant Prometheus query: service label (or '') -> value."""
    encoded = urllib.parse.urlencode({"query": expression})
    answer = api(host, f"http://127.0.0.1:9090/api/v1/query?{encoded}")
    return {
        sample["metric"].get("service", ""): float(sample["value"][1])
        for sample in answer["data"]["result"]
    }


def portal_alerts(host: testinfra.host.Host) -> list[dict[str, Any]]:
    """Active RampartServiceDown alerts for the portal in Alertmanager."""
    alerts = api(host, "http://127.0.0.1:9093/api/v2/alerts?active=true")
    return [
        alert
        for alert in alerts
        if alert["labels"].get("alertname") == "RampartServiceDown"
        and alert["labels"].get("service") == PORTAL
    ]


def exporter_up(text: str, service: str) -> float | None:
    """rampart_availability_up of a service in exporter output."""
    return sample(text, "rampart_availability_up", service)


def sample(text: str, metric: str, service: str) -> float | None:
    """The value of a per-service metric in exporter output."""
    prefix = f'{metric}{{service="{service}"}} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return None


@pytest.fixture(scope="module")
def monitored(hosts: dict[str, testinfra.host.Host]) -> testinfra.host.Host:
    """The monitoring host once every service is up in Prometheus."""
    monitor = hosts["mon-01"]
    wait_for(
        "every catalog service up in Prometheus",
        lambda: True if len(query(monitor, "rampart_availability_up == 1")) == 4 else None,
        timeout=90,
    )
    return monitor


@pytest.fixture(scope="module")
def password() -> str:
    return PASSWORD_FILE.read_text().strip()


def test_every_service_and_host_is_scraped(monitored: testinfra.host.Host) -> None:
    targets = api(monitored, "http://127.0.0.1:9090/api/v1/targets")["data"]["activeTargets"]
    health = {(t["labels"]["job"], t["labels"]["instance"]): t["health"] for t in targets}
    assert {instance for job, instance in health if job == "node"} == {
        "oa-01",
        "hr-01",
        "fin-01",
        "backup-01",
        "mon-01",
    }
    assert ("rampart-backup-server", "backup-01") in health
    assert set(health.values()) == {"up"}, health
    checks = query(monitored, 'rampart_availability_check_success{check="database"}')
    assert checks == {"hr-records": 1.0, "finance-records": 1.0}
    retention = monitored.run("cat /etc/default/prometheus").stdout
    assert "--storage.tsdb.retention.time=120d" in retention
    rules = api(monitored, "http://127.0.0.1:9090/api/v1/rules")["data"]["groups"]
    assert {group["name"] for group in rules} >= {
        "rampart-availability",
        "rampart-access",
        "rampart-monitoring-pipeline",
        "rampart-backup",
    }


def test_portal_outage_is_seen_alerted_mailed_resolved_and_counted(
    monitored: testinfra.host.Host, hosts: dict[str, testinfra.host.Host], password: str
) -> None:
    """One outage, as the on-call people and the month's figures meet it: the prober, then
    Prometheus, see the portal down; RampartServiceDown fires with its runbook link and a
    mail with that absolute link reaches IT's mailbox within the alert's `for` plus a
    minute; after the restart the alert resolves, a resolved mail follows, and the rules
    count the outage's length to a scrape."""
    office, monitor_address = hosts["oa-01"], address(monitored)
    assert portal_alerts(monitored) == []
    mails_before = len(mails(office))
    downtime = f'service:rampart_availability_downtime:minutes_30d{{service="{PORTAL}"}}'
    before = query(monitored, downtime).get(PORTAL, 0.0)

    office.run("systemctl stop nginx")
    stopped = time.monotonic()
    try:
        wait_for(
            "the prober reports the portal down",
            lambda: True if exporter_up(fetch(monitor_address, 9470)[1], PORTAL) == 0 else None,
            timeout=2 * SCRAPE_INTERVAL,
            step=0.5,
        )
        prober_seconds = time.monotonic() - stopped
        wait_for(
            "Prometheus shows the portal down",
            lambda: True if query(monitored, "rampart_availability_up").get(PORTAL) == 0 else None,
            timeout=2 * SCRAPE_INTERVAL,
            step=0.5,
        )
        prometheus_seconds = time.monotonic() - stopped
        firing = wait_for(
            "RampartServiceDown fires in Alertmanager",
            lambda: portal_alerts(monitored) or None,
            timeout=120,
        )
        alert_seconds = time.monotonic() - stopped
        assert firing[0]["status"]["state"] == "active"
        assert firing[0]["labels"]["severity"] == "critical"
        # The role installs the rules with links from rampart_alerting.runbook_base_url.
        runbook_url = firing[0]["annotations"]["runbook_url"]
        assert runbook_url == f"https://{monitor_address}:8443/runbooks/service-outage.yml"
        subject = f"RampartServiceDown {PORTAL}"
        mailed = wait_for_mail(office, mails_before, f"[FIRING:1] {subject}", ALERT_FOR + 60)
        mail_seconds = time.monotonic() - stopped
        assert "it@rampart.internal" in str(mailed["To"])
        text = text_of(mailed)
        assert f"Service {PORTAL} is down" in text
        assert f"Runbook: {runbook_url}" in text
        assert "Alert: https://" in text
    finally:
        office.run("systemctl start nginx")
    injected = time.monotonic() - stopped

    wait_for(
        "RampartServiceDown resolves",
        lambda: True if portal_alerts(monitored) == [] else None,
        timeout=60,
    )
    resolved_seconds = time.monotonic() - stopped - injected
    time.sleep(3 * SCRAPE_INTERVAL)  # a few more scrapes and rule evaluations
    counted = (query(monitored, downtime)[PORTAL] - before) * 60
    print(
        f"\nportal outage: injected {injected:.1f} s; prober saw it after {prober_seconds:.1f} s,"
        f" Prometheus after {prometheus_seconds:.1f} s, Alertmanager fired after"
        f" {alert_seconds:.1f} s, the mail was in after {mail_seconds:.1f} s; resolved"
        f" {resolved_seconds:.1f} s after the restart; the rules counted {counted:.1f} s"
    )
    assert abs(counted - injected) <= SCRAPE_INTERVAL
    resolved = wait_for_mail(office, mails_before, f"[RESOLVED] {subject}", 120)
    assert f"Runbook: {runbook_url}" in text_of(resolved)


def test_a_port_the_firewall_blocks_for_the_prober_counts_as_down(
    monitored: testinfra.host.Host, hosts: dict[str, testinfra.host.Host], password: str
) -> None:
    office, monitor_address = hosts["oa-01"], address(monitored)
    table = "inet rampart_monitoring_test"
    rule = f"ip saddr {monitor_address} tcp dport 25 drop"

    def mail_up() -> float | None:
        return exporter_up(fetch(monitor_address, 9470)[1], "mail")

    assert mail_up() == 1
    blocked = office.run(
        f"nft add table {table} && nft add chain {table} input"
        f" '{{ type filter hook input priority -10 ; }}' && nft add rule {table} input {rule}"
    )
    assert blocked.rc == 0, blocked.stderr
    try:
        # The SMTP check runs every 15 s with a 5 s timeout (the catalog's defaults).
        wait_for("the prober reports mail down", lambda: True if mail_up() == 0 else None, 25)
    finally:
        office.run(f"nft delete table {table}")
    wait_for("the prober reports mail up again", lambda: True if mail_up() == 1 else None, 25)


# Opens a maintenance window for the mail service, from a minute ago to ten minutes ahead,
# in the prober's configuration on the monitoring host.
OPEN_WINDOW = """
import datetime, json, sys
path = sys.argv[1]
config = json.load(open(path))
now = datetime.datetime.now(datetime.timezone.utc)
stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
for service in config["services"]:
    if service["id"] == "mail":
        service["maintenance"] = [{"start": stamp(now - datetime.timedelta(minutes=1)),
                                   "end": stamp(now + datetime.timedelta(minutes=10)),
                                   "reason": "test"}]
json.dump(config, open(path, "w"))
"""


def test_downtime_inside_a_maintenance_window_is_not_counted(
    monitored: testinfra.host.Host, hosts: dict[str, testinfra.host.Host]
) -> None:
    office, monitor_address = hosts["oa-01"], address(monitored)
    config = "/etc/rampart/availability/config.json"

    def mail(metric: str) -> float | None:
        try:
            return sample(fetch(monitor_address, 9470)[1], metric, "mail")
        except ConnectionError:
            return None  # the exporter is restarting

    monitored.check_output(f"cp -p {config} /root/availability-config.saved")
    try:
        monitored.check_output(f"python3 -c {shlex.quote(OPEN_WINDOW)} {config}")
        monitored.check_output("systemctl restart rampart-availability-exporter")

        wait_for(
            "the prober marks mail in maintenance",
            lambda: mail("rampart_availability_maintenance") or None,
            30,
        )
        office.check_output("systemctl stop postfix")
        # The SMTP check runs every 15 s with a 5 s timeout (the catalog's defaults).
        wait_for(
            "the prober sees mail down",
            lambda: True if mail("rampart_availability_up") == 0 else None,
            30,
        )
        time.sleep(3 * SCRAPE_INTERVAL)  # scrapes and rule evaluations see it too
        assert mail("rampart_availability_down_seconds_total") == 0
        assert mail("rampart_availability_observed_seconds_total") == 0
        # Outside a window the alert would be pending by now; inside, the rule leaves it out.
        assert query(monitored, 'ALERTS{alertname="RampartServiceDown",service="mail"}') == {}
    finally:
        office.run("systemctl start postfix")
        monitored.run(f"cp -p /root/availability-config.saved {config}")
        monitored.run("systemctl restart rampart-availability-exporter")
    wait_for("mail up again", lambda: True if mail("rampart_availability_up") == 1 else None, 40)


def test_exporter_endpoints_refuse_plain_http_and_missing_credentials(
    monitored: testinfra.host.Host, hosts: dict[str, testinfra.host.Host], password: str
) -> None:
    endpoints = [(address(monitored), 9470), (address(hosts["backup-01"]), 9917)]
    endpoints += [(address(host), 9100) for host in hosts.values()]
    for host, port in endpoints:
        assert fetch(host, port, auth="none")[0] == 401, (host, port)
        assert fetch(host, port, auth="wrong")[0] == 401, (host, port)
        status, body = fetch(host, port)
        assert status == 200 and "# TYPE" in body, (host, port)
        try:
            plain_status, plain_body = fetch(host, port, tls=False)
        except ConnectionError:
            continue  # the Rampart exporter drops a plain HTTP client
        assert plain_status == 400 and "# TYPE" not in plain_body, (host, port)  # node_exporter


def test_exporter_output_passes_promtool_and_keeps_secrets_out(
    monitored: testinfra.host.Host, password: str
) -> None:
    status, body = fetch(address(monitored), 9470)
    assert status == 200
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=body, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    probe_password = monitored.file("/etc/rampart/availability/postgresql-password")
    assert probe_password.mode == 0o640 and probe_password.group == "rampart-availability"
    secret = probe_password.content_string.strip()
    assert len(secret) >= 12
    processes = monitored.run("ps -eo args").stdout
    config = monitored.file("/etc/rampart/availability/config.json").content_string
    journal = monitored.run("journalctl -u rampart-availability-exporter --no-pager").stdout
    for place in (body, processes, config, journal):
        assert secret not in place and password not in place


def test_exporters_run_as_their_own_sandboxed_users(monitored: testinfra.host.Host) -> None:
    for unit, user in [
        ("rampart-availability-exporter", "rampart-availability"),
        ("prometheus-node-exporter", "prometheus"),
    ]:
        shown = monitored.run(
            f"systemctl show {unit} -p User -p ProtectSystem -p NoNewPrivileges -p ActiveState"
        ).stdout
        assert f"User={user}" in shown
        assert "ProtectSystem=strict" in shown and "NoNewPrivileges=yes" in shown
        assert "ActiveState=active" in shown


def test_textfile_metrics_reach_prometheus(
    monitored: testinfra.host.Host, hosts: dict[str, testinfra.host.Host]
) -> None:
    backup = hosts["backup-01"]
    directory = "/var/lib/prometheus/node-exporter"
    backup.run(
        f"printf 'rampart_monitoring_test_marker 42\\n' > {directory}/.t.tmp"
        # World-readable whatever the login's umask (027 on a hardened host).
        f" && chmod 0644 {directory}/.t.tmp"
        f" && mv {directory}/.t.tmp {directory}/rampart_monitoring_test.prom"
    )
    try:
        wait_for(
            "a textfile metric of backup-01 in Prometheus",
            lambda: (
                True
                if query(monitored, 'rampart_monitoring_test_marker{instance="backup-01"}')
                == {"": 42}
                else None
            ),
            timeout=4 * SCRAPE_INTERVAL,
        )
    finally:
        backup.run(f"rm -f {directory}/rampart_monitoring_test.prom")


def test_bad_input_is_one_line(monitored: testinfra.host.Host, tmp_path: Path) -> None:
    bad = {
        "services": [
            {
                "id": "portal",
                "objective_ratio": 0.99,
                "maintenance": [],
                "checks": [
                    {
                        "host": "oa-01",
                        "address": "10.0.0.1",
                        "name": "x",
                        "type": "gopher",
                        "port": 70,
                        "interval_seconds": 5,
                        "timeout_seconds": 1,
                    }
                ],
            }
        ]
    }
    web = "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n"
    no_certificate = {"web_config_file": "/tmp/rampart-test-web.yml", "services": []}
    # Files the exporter's account reads: 0644 whatever root's umask (027 once hardened).
    monitored.run(f"printf %s {shlex.quote(web)} > /tmp/rampart-test-web.yml")
    monitored.run("chmod 0644 /tmp/rampart-test-web.yml")
    for document, message in [
        (bad, "unknown check type 'gopher'"),
        (no_certificate, "cert_file /nonexistent.crt does not exist"),
    ]:
        monitored.run(f"printf %s {shlex.quote(json.dumps(document))} > /tmp/rampart-test.json")
        monitored.run("chmod 0644 /tmp/rampart-test.json")
        result = monitored.run(
            "runuser -u rampart-availability -- /opt/rampart/venv/bin/rampart"
            " exporter availability --config /tmp/rampart-test.json"
        )
        assert result.rc == 2
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    monitored.run("rm -f /tmp/rampart-test.json /tmp/rampart-test-web.yml")

    inventory = tmp_path / "inventory"
    subprocess.run(["cp", "-r", str(ROOT / "inventory" / "lab"), str(inventory)], check=True)
    catalog = inventory / "group_vars" / "all" / "catalog.yml"
    catalog.write_text(catalog.read_text().replace("type: smtp", "type: smtps", 1))
    generated = subprocess.run(
        [str(BIN / "rampart"), "exporter", "availability-config", "--inventory", str(inventory)],
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 2
    assert generated.stderr.count("\n") == 1 and "smtps" in generated.stderr, generated.stderr
