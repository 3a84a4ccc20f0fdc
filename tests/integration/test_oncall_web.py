"""On-call's way into the monitoring (REG-7.1, REG-9.3.1), from the controller (an admin
source) as on-call would: Prometheus, Alertmanager and the runbook pages answer over HTTPS
with Rampart's CA and on-call's password, refuse anyone without them (401), give plain
HTTP nothing, and are unreachable from a host that is not an admin source; `rampart status`
lists every catalog service.
"""

from __future__ import annotations

import base64
import http.client
import json
import shlex
import ssl
from pathlib import Path
from typing import Any

import pytest
import testinfra
import yaml

from tests.integration.conftest import INVENTORY, ROOT, PlaybookRun, rampart

pytestmark = pytest.mark.lab

CA = ROOT / ".rampart" / "pki" / "ca.crt"
PASSWORD_FILE = ROOT / ".ansible" / "lab-secrets" / "monitoring-web-password"
USER = "oncall"
# (port, a path that answers 200 with the right credentials)
ENDPOINTS = {
    "prometheus": (9090, "/api/v1/status/buildinfo"),
    "alertmanager": (9093, "/api/v2/status"),
    "runbook pages": (8443, "/runbooks/service-outage.yml"),
}


def monitoring_address() -> str:
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text(encoding="utf-8"))["all"]
    return str(hosts["hosts"]["mon-01"]["ansible_host"])


def authorization(password: str) -> dict[str, str]:
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def https_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """GET from the controller over HTTPS, trusting only Rampart's CA."""
    context = ssl.create_default_context(cafile=str(CA))
    connection = http.client.HTTPSConnection(
        monitoring_address(), port, timeout=10, context=context
    )
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def password(lab: PlaybookRun) -> str:
    """On-call's password as the lab keeps it on the controller."""
    return PASSWORD_FILE.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_answers_over_https_with_the_credentials_from_the_controller(
    name: str, password: str
) -> None:
    port, path = ENDPOINTS[name]
    status, body = https_get(port, path, authorization(password))
    assert status == 200, body[:500]
    if name == "runbook pages":
        assert "A catalog service is down" in body
    else:
        assert json.loads(body)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_refuses_without_the_credentials(name: str, password: str) -> None:
    port, path = ENDPOINTS[name]
    assert https_get(port, path, {})[0] == 401
    assert https_get(port, path, authorization("wrong-" + password))[0] == 401


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_plain_http_gets_nothing(name: str, password: str) -> None:
    port, path = ENDPOINTS[name]
    connection = http.client.HTTPConnection(monitoring_address(), port, timeout=10)
    try:
        connection.request("GET", path, headers=authorization(password))
        response = connection.getresponse()
        status, body = response.status, response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return  # the runbook pages drop the connection
    finally:
        connection.close()
    # Prometheus and Alertmanager (Go) answer 400 "HTTP request to an HTTPS server".
    assert status == 400 and "HTTPS" in body, (status, body[:200])


PROBE = """
import json, socket, sys
address, ports = sys.argv[1], json.loads(sys.argv[2])
found = {}
for port in ports:
    try:
        socket.create_connection((address, port), timeout=2).close()
        found[port] = True
    except OSError:
        found[port] = False
print(json.dumps(found))
"""


def test_only_admin_sources_reach_the_ports(lab: PlaybookRun) -> None:
    ports = sorted(port for port, _ in ENDPOINTS.values())
    oa = testinfra.get_host(f"ansible://oa-01?ansible_inventory={INVENTORY}")
    command = shlex.join(["python3", "-c", PROBE, monitoring_address(), json.dumps(ports)])
    answer: dict[str, Any] = json.loads(oa.check_output(command))
    assert answer == {str(port): False for port in ports}


def test_prometheus_reaches_itself_and_alertmanager_over_https(password: str) -> None:
    status, body = https_get(9090, "/api/v1/targets?state=active", authorization(password))
    assert status == 200
    targets = json.loads(body)["data"]["activeTargets"]
    health = {target["labels"]["job"]: target["health"] for target in targets}
    assert health["prometheus"] == "up" and health["alertmanager"] == "up", health
    status, body = https_get(9090, "/api/v1/alertmanagers", authorization(password))
    active = json.loads(body)["data"]["activeAlertmanagers"]
    assert [entry["url"].split("://")[0] for entry in active] == ["https"]


def test_rampart_status_lists_every_catalog_service(lab: PlaybookRun) -> None:
    catalog = yaml.safe_load(
        (INVENTORY / "group_vars/all/catalog.yml").read_text(encoding="utf-8")
    )["rampart_services"]
    shown = rampart("status", "--json", check=False)
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert sorted(service["service"] for service in document["services"]) == sorted(catalog)
    assert {service["state"] for service in document["services"]} <= {"up", "down", "unknown"}
    text = rampart("status", check=False)
    assert text.returncode == 0, text.stderr
    for service in catalog:
        assert service in text.stdout
    assert Path(PASSWORD_FILE).read_text(encoding="utf-8").strip() not in text.stdout


def test_rampart_status_without_the_password_is_one_line(tmp_path: Path) -> None:
    wrong = tmp_path / "password"
    wrong.write_text("not-the-password\n", encoding="utf-8")
    shown = rampart("status", "--password-file", str(wrong), check=False)
    assert shown.returncode != 0
    assert shown.stdout == ""
    assert len(shown.stderr.strip().splitlines()) == 1
    assert "401" in shown.stderr
