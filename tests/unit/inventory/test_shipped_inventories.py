"""The inventories in the repository are valid: the lab's catalog and people, the example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rampart.inventory import load_inventory
from rampart.inventory.cli import validate
from tests.unit.inventory.conftest import LAB_HOSTS, ROOT, public_key, write

LAB_CATALOG = ROOT / "inventory/lab/group_vars/all/catalog.yml"
LAB_PEOPLE = ROOT / "src/rampart/lab/people.yml"
EXAMPLE = ROOT / "inventory/example"


@pytest.fixture
def lab_inventory(tmp_path: Path) -> Path:
    """The lab inventory as `rampart lab up` leaves it: hosts, catalog, people with keys."""
    people = yaml.safe_load(LAB_PEOPLE.read_text(encoding="utf-8"))
    for person in people["rampart_people"]:
        person["ssh_keys"] = [public_key(person["username"]).replace("@test", "@rampart-lab")]
    directory = write(
        tmp_path / "lab",
        {
            "hosts.yml": LAB_HOSTS,
            "group_vars/all/people.yml": "---\n" + yaml.safe_dump(people, sort_keys=False),
            "group_vars/all/lab_connection.yml": "---\nansible_user: root\nrampart_lab: true\n",
        },
    )
    shutil.copy(LAB_CATALOG, directory / "group_vars/all/catalog.yml")
    return directory


def test_lab_inventory_is_valid(lab_inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate([lab_inventory]) == 0
    assert capsys.readouterr().out == (
        f"inventory OK: {lab_inventory} (5 hosts, 4 services, 6 data sets, 5 people)\n"
    )


def test_lab_catalog_describes_the_stand_in_services(lab_inventory: Path) -> None:
    lab = load_inventory(lab_inventory)
    assert set(lab.services) == {"office-portal", "mail", "hr-records", "finance-records"}
    hr_records = lab.services["hr-records"]
    assert lab.resolve(hr_records.hosts[0]) == ("hr-01",)
    assert {(port.port, port.clients) for port in hr_records.ports} == {
        (8080, ("office", "monitoring")),
        (5432, ("monitoring", "backup_servers")),
    }
    database_check = next(check for check in hr_records.checks if check.type == "postgresql")
    assert database_check.query == "SELECT count(*) FROM employees"
    assert lab.services["office-portal"].objective.availability_percent == 99.5
    assert lab.services["finance-records"].objective.availability_percent == 99.9
    classes = {name: data_set.data_class for name, data_set in lab.data_sets.items()}
    assert classes == {
        "portal-content": "public",
        "mail-spool": "internal",
        "hr-database": "sensitive",
        "hr-documents": "sensitive",
        "finance-database": "sensitive",
        "finance-reports": "internal",
    }


def test_lab_people_and_posts(lab_inventory: Path) -> None:
    lab = load_inventory(lab_inventory)
    posts = {person.username: (person.post, person.status) for person in lab.people}
    assert posts == {
        "alice": ("it-admin", "active"),
        "bob": ("hr-officer", "active"),
        "carol": ("finance-officer", "active"),
        "dave": ("finance-officer", "left"),
        "erin": ("auditor", "active"),
    }
    assert lab.posts["it-admin"].access[0].sudo
    assert not any(grant.sudo for grant in lab.posts["auditor"].access)


def test_lab_with_extra_hosts_is_valid(lab_inventory: Path) -> None:
    hosts = (
        LAB_HOSTS.replace(
            "  children:\n", "    extra-01: {ansible_host: 10.77.0.101}\n  children:\n"
        )
        + "    extra: {hosts: {extra-01: null}}\n"
    )
    write(lab_inventory, {"hosts.yml": hosts})
    assert load_inventory(lab_inventory).hosts["extra-01"].groups == ("extra",)


def test_example_inventory_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate([EXAMPLE]) == 0
    assert capsys.readouterr().out == (
        f"inventory OK: {EXAMPLE} (8 hosts, 5 services, 7 data sets, 6 people)\n"
    )


def test_example_keeps_secrets_in_vault_files_only() -> None:
    for vault in EXAMPLE.glob("group_vars/*/vault.yml"):
        text = vault.read_text(encoding="utf-8")
        assert "ENCRYPT WITH ANSIBLE-VAULT BEFORE USE" in text
        names = yaml.safe_load(text)
        assert names and all(name.startswith("vault_") for name in names)
        plain = (vault.parent / "vars.yml").read_text(encoding="utf-8")
        for name in names:
            assert f"{{{{ {name} }}}}" in plain


def test_example_stays_valid_once_its_vault_files_are_encrypted(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    for vault in copy.glob("group_vars/*/vault.yml"):
        vault.write_text("$ANSIBLE_VAULT;1.1;AES256\n3132333435\n", encoding="utf-8")
    assert len(load_inventory(copy).services) == 5
