"""The firewall (roles/firewall, REG-4.2.4) as a user meets it: from every lab host and the
controller, each catalog port answers its allowed clients only, SSH answers the admin
sources only, a port outside the catalog never answers, and a ruleset that would cut the
controller off is reverted by the host itself while the play says so.
"""

from __future__ import annotations

import json
import shlex
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import testinfra
import yaml

from tests.integration.conftest import FLEET, INVENTORY, PlaybookRun, playbook

pytestmark = pytest.mark.lab

CONTROLLER = "controller"
HELPER = "/usr/local/sbin/rampart-firewall"
# A port no catalog or platform entry opens; a listener is started there for the test.
STRAY_PORT = 9977

PROBE_SCRIPT = """
import json, socket, sys
results = {}
for target in json.loads(sys.argv[1]):
    address, port = target.rsplit(":", 1)
    try:
        socket.create_connection((address, int(port)), timeout=2).close()
        results[target] = True
    except OSError:
        results[target] = False
print(json.dumps(results))
"""


def lab_host(name: str) -> Any:
    """A testinfra host of the lab, over SSH via Ansible."""
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def inventory_document(name: str) -> Any:
    return yaml.safe_load((INVENTORY / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def layout(lab: PlaybookRun) -> dict[str, Any]:
    """Addresses, group members, the catalog and the admin sources of the lab."""
    hosts = inventory_document("hosts.yml")["all"]
    addresses = {name: values["ansible_host"] for name, values in hosts["hosts"].items()}
    groups = {name: sorted(group.get("hosts") or {}) for name, group in hosts["children"].items()}
    catalog = inventory_document("group_vars/all/catalog.yml")["rampart_services"]
    connection = inventory_document("group_vars/all/lab_connection.yml")
    addresses[CONTROLLER] = connection["rampart_lab_controller_address"]
    return {"addresses": addresses, "groups": groups, "catalog": catalog}


def members(layout: dict[str, Any], names: list[str]) -> set[str]:
    """Host names (and `all`) that inventory names stand for."""
    found: set[str] = set()
    for name in names:
        found.update(layout["groups"].get(name, [name]))
    return found


def probe_from(source: str, targets: list[str]) -> dict[str, bool]:
    """Which ADDRESS:PORT targets accept a TCP connection from a lab host or the controller."""
    if source == CONTROLLER:
        results = {}
        for target in targets:
            address, port = target.rsplit(":", 1)
            try:
                socket.create_connection((address, int(port)), timeout=2).close()
                results[target] = True
            except OSError:
                results[target] = False
        return results
    command = f"python3 -c {shlex.quote(PROBE_SCRIPT)} {shlex.quote(json.dumps(targets))}"
    return dict(json.loads(lab_host(source).check_output(command)))


def test_catalog_ports_answer_allowed_clients_only(layout: dict[str, Any]) -> None:
    """Every port of every service on every host, from every lab host and the controller."""
    addresses = layout["addresses"]
    expected: dict[str, dict[str, bool]] = {source: {} for source in (*FLEET, CONTROLLER)}
    for service in layout["catalog"].values():
        for server in sorted(members(layout, service["hosts"])):
            for port in service["ports"]:
                allowed = members(layout, port["clients"])
                for source in expected:
                    if source == server:
                        continue
                    target = f"{addresses[server]}:{port['port']}"
                    expected[source][target] = "all" in allowed or source in allowed
    for source, wanted in expected.items():
        assert probe_from(source, sorted(wanted)) == wanted, source
    # The matrix must hold both answers, or it proves nothing.
    answers = {value for wanted in expected.values() for value in wanted.values()}
    assert answers == {True, False}


def test_ssh_answers_admin_sources_only(layout: dict[str, Any]) -> None:
    addresses = layout["addresses"]
    targets = [f"{addresses[name]}:22" for name in ("oa-01", "hr-01", "fin-01")]
    assert all(probe_from(CONTROLLER, targets).values())
    assert all(probe_from("mon-01", targets).values())
    assert not any(probe_from("backup-01", targets).values())
    assert not any(probe_from("oa-01", [f"{addresses['hr-01']}:22"]).values())


def test_a_port_outside_the_catalog_is_unreachable(layout: dict[str, Any]) -> None:
    server = lab_host("hr-01")
    server.check_output(
        f"systemd-run --unit=stray-listener --collect python3 -m http.server {STRAY_PORT}"
    )
    try:
        target = f"{layout['addresses']['hr-01']}:{STRAY_PORT}"
        for _ in range(20):
            if server.run(f"timeout 1 bash -c '</dev/tcp/127.0.0.1/{STRAY_PORT}'").rc == 0:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the stray listener did not start")
        assert probe_from(CONTROLLER, [target]) == {target: False}
        assert probe_from("mon-01", [target]) == {target: False}
    finally:
        server.run("systemctl stop stray-listener")


def test_ruleset_is_rampart_table_with_default_deny_and_rate_limited_log() -> None:
    listing = lab_host("hr-01").check_output("nft list table inet rampart")
    assert "type filter hook input priority filter; policy drop;" in listing
    assert 'log prefix "rampart-drop: "' in listing and "limit rate 5/minute" in listing
    assert lab_host("hr-01").run(f"{HELPER} in-sync").rc == 0


def test_a_ruleset_that_blocks_ssh_is_reverted_by_the_host(tmp_path: Path) -> None:
    """The drill: block new SSH; the host reverts by itself and the play says so."""
    host = lab_host("fin-01")
    host.check_output("nft add table inet bystander")
    variables = tmp_path / "lockout.yml"
    variables.write_text(
        yaml.safe_dump(
            {"firewall_input_extra_rules": ["tcp dport 22 drop"], "firewall_revert_seconds": 15}
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    run = playbook("firewall.yml", "--limit", "fin-01", "-e", f"@{variables}")
    elapsed = time.monotonic() - started
    assert run.returncode != 0, run.output[-3000:]
    assert "restored its previous ruleset by itself" in run.output, run.output[-3000:]
    assert "reverted after" in run.output
    print(f"lockout drill: play failed with the revert report after {elapsed:.1f} s")
    # Reachable again, with the confirmed ruleset live and the other table untouched.
    assert host.run(f"{HELPER} in-sync").rc == 0
    assert "tcp dport 22 drop" not in host.check_output("nft list table inet rampart")
    assert "table inet bystander" in host.check_output("nft list tables")
    host.check_output("nft delete table inet bystander")
    again = playbook("firewall.yml", "--limit", "fin-01")
    assert again.returncode == 0 and again.changed() == {"fin-01": 0}, again.output[-3000:]


def test_quarantine_lets_only_admin_ssh_in_and_nothing_out(layout: dict[str, Any]) -> None:
    addresses = layout["addresses"]
    portal = f"{addresses['oa-01']}:80"
    ssh = f"{addresses['oa-01']}:22"
    on = playbook("firewall.yml", "--limit", "oa-01", "-e", "firewall_quarantine=true")
    try:
        assert on.returncode == 0, on.output[-3000:]
        assert probe_from(CONTROLLER, [portal, ssh]) == {portal: False, ssh: True}
        # oa-01 is an allowed client of hr-01's web front, but quarantine lets nothing out.
        records = f"{addresses['hr-01']}:8080"
        assert probe_from("oa-01", [records]) == {records: False}
    finally:
        off = playbook("firewall.yml", "--limit", "oa-01")
    assert off.returncode == 0, off.output[-3000:]
    assert probe_from(CONTROLLER, [portal]) == {portal: True}
    records = f"{addresses['hr-01']}:8080"
    assert probe_from("oa-01", [records]) == {records: True}


BAD_INPUT = [
    ("firewall.yml", {"firewall_revert_seconds": "soon"}, "firewall_revert_seconds"),
    (
        "firewall.yml",
        {
            "firewall_services": {
                "web": {"hosts": ["office"], "ports": [{"port": 80, "clients": ["everyone"]}]}
            }
        },
        "rampart_services.web.ports (port 80).clients: everyone",
    ),
    ("firewall.yml", {"firewall_admin_sources": []}, "rampart_admin_sources"),
    (
        "access.yml",
        {
            "access_people": [
                {"username": "zed", "full_name": "Zed", "post": "astronaut", "status": "active"}
            ]
        },
        "zed: post astronaut",
    ),
    (
        "access.yml",
        {
            "access_people": [
                {
                    "username": "zed",
                    "full_name": "Zed",
                    "post": "auditor",
                    "status": "active",
                    "ssh_keys": ["ssh-ed25519 not-base64!"],
                }
            ]
        },
        "zed.ssh_keys[0]",
    ),
]


@pytest.mark.parametrize(("name", "variables", "named"), BAD_INPUT)
def test_bad_input_fails_before_any_change_naming_the_entry(
    lab: PlaybookRun, tmp_path: Path, name: str, variables: dict[str, Any], named: str
) -> None:
    extra = tmp_path / "bad.yml"
    extra.write_text(yaml.safe_dump(variables), encoding="utf-8")
    run = playbook(name, "--limit", "oa-01", "-e", f"@{extra}")
    assert run.returncode != 0
    assert named in run.output, run.output[-2000:]
    assert run.changed() == {"oa-01": 0}, run.output[-2000:]
