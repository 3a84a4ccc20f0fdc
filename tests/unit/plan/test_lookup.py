"""The `rampart_plan` lookup: a host's plan for Ansible, and a refusal of a bad inventory."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from ansible.errors import AnsibleError

from rampart.inventory import InventoryInvalid, load_inventory
from rampart.plan import host_plan, plan_data
from tests.unit.inventory.conftest import ROOT

PLUGIN = ROOT / "plugins/lookup/rampart_plan.py"
BIN = Path(sys.executable).parent


def plugin() -> ModuleType:
    """The lookup plugin module, loaded from the repository as Ansible loads it."""
    spec = importlib.util.spec_from_file_location("rampart_plan_lookup", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(inventory: Path, hosts: list[str], **values: object) -> list[object]:
    lookup = plugin().LookupModule()
    result: list[object] = lookup.run(
        hosts, {"ansible_inventory_sources": [str(inventory)]}, **values
    )
    return result


def test_the_lookup_gives_each_host_its_plan(lab_inventory: Path) -> None:
    expected = plan_data(host_plan(load_inventory(lab_inventory), "hr-01"))
    assert run(lab_inventory, ["hr-01"]) == [expected]


def test_a_role_variable_replaces_the_catalog_entry(lab_inventory: Path) -> None:
    services = {
        "intranet": {
            "description": "Intranet",
            "owner": "IT",
            "hosts": ["hr"],
            "ports": [{"port": 8443, "clients": ["office"]}],
            "checks": [{"name": "tcp", "type": "tcp", "port": 8443}],
            "objective": {"availability_percent": 99},
        }
    }
    [plan] = run(lab_inventory, ["hr-01"], rampart_services=services)
    assert isinstance(plan, dict)
    rules = [(rule["name"], rule["port"], rule["sources"]) for rule in plan["port_rules"]]
    assert rules[0] == ("intranet", 8443, ["10.77.0.11"])


def test_an_invalid_inventory_is_refused_with_the_validators_lines(lab_inventory: Path) -> None:
    people = lab_inventory / "group_vars/all/people.yml"
    people.write_text(people.read_text().replace("post: auditor", "post: astronaut"))
    (lab_inventory / "group_vars/all/catalog.yml").write_text(
        (lab_inventory / "group_vars/all/catalog.yml")
        .read_text()
        .replace("clients: [office,", "clients: [ofice,")
    )
    with pytest.raises(InventoryInvalid) as invalid:
        load_inventory(lab_inventory)
    lines = [str(problem) for problem in invalid.value.problems]
    assert len(lines) == 3
    with pytest.raises(AnsibleError) as refused:
        run(lab_inventory, ["hr-01"])
    assert refused.value.message.strip().splitlines() == lines


def test_a_bad_role_variable_is_refused_naming_the_entry(lab_inventory: Path) -> None:
    people = [
        {
            "username": "zed",
            "full_name": "Zed",
            "post": "auditor",
            "status": "active",
            "ssh_keys": ["ssh-ed25519 not-base64!"],
        }
    ]
    with pytest.raises(AnsibleError, match=r"role variables: rampart_people\.zed\.ssh_keys\[0\]"):
        run(lab_inventory, ["hr-01"], rampart_people=people)
    services = {"web": {"hosts": ["office"], "ports": [{"port": 80, "clients": ["everyone"]}]}}
    with pytest.raises(
        AnsibleError, match=r"rampart_services\.web\.ports \(port 80\)\.clients: everyone"
    ):
        run(lab_inventory, ["oa-01"], rampart_services=services)


def test_ansible_finds_the_lookup_and_fails_the_task_on_a_bad_inventory(
    lab_inventory: Path,
) -> None:
    catalog = lab_inventory / "group_vars/all/catalog.yml"
    catalog.write_text(catalog.read_text().replace("class: public", "class: secret"))
    completed = subprocess.run(
        [
            str(BIN / "ansible"),
            "-i",
            str(lab_inventory),
            "oa-01",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "msg={{ lookup('rampart_plan', inventory_hostname).address }}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert f"{catalog}:" in completed.stdout + completed.stderr
    assert (
        "rampart_data_sets.portal-content.class: 'secret' is not one of"
        in completed.stdout + completed.stderr
    )


def test_a_source_that_is_no_address_is_refused(lab_inventory: Path) -> None:
    with pytest.raises(AnsibleError, match=r"not IP addresses or networks .*: vpn\.example\.com$"):
        run(lab_inventory, ["oa-01"], rampart_admin_sources=["10.20.0.0/24", "vpn.example.com"])
