"""A valid inventory loads into typed records with Ansible's meaning and Rampart's defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rampart.errors import ConfigError
from rampart.inventory import (
    Check,
    DataClassPolicy,
    InventoryInvalid,
    Port,
    Retention,
    load_inventory,
)
from rampart.schema.problems import Problem
from tests.unit.inventory.conftest import edit, public_key, write


def test_hosts_know_their_groups_through_children(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    assert sorted(loaded.hosts) == ["backup-01", "fin-01", "hr-01", "mon-01", "oa-01"]
    assert loaded.hosts["hr-01"].groups == ("databases", "hr")
    assert loaded.groups["databases"].hosts == ("fin-01", "hr-01")
    assert loaded.groups["databases"].children == ("hr", "finance")
    assert loaded.groups["all"].hosts == ("backup-01", "fin-01", "hr-01", "mon-01", "oa-01")


def test_resolve_turns_host_and_group_names_into_hosts(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    assert loaded.resolve("databases") == ("fin-01", "hr-01")
    assert loaded.resolve("oa-01") == ("oa-01",)
    assert len(loaded.resolve("all")) == 5
    with pytest.raises(KeyError):
        loaded.resolve("nowhere")


def test_host_variables_merge_as_ansible_does(inventory: Path) -> None:
    write(
        inventory,
        {
            "group_vars/all/vars.yml": "---\nbackup_hour: 1\nowner_team: it\n",
            "group_vars/databases.yml": "---\nbackup_hour: 2\n",
            "group_vars/hr/vars.yml": "---\nbackup_hour: 3\n",
            "host_vars/hr-01.yml": "---\nowner_team: hr\n",
        },
    )
    loaded = load_inventory(inventory)
    assert loaded.hosts["hr-01"].vars == {
        "backup_hour": 3,
        "owner_team": "hr",
        "ansible_host": "10.77.0.12",
    }
    assert loaded.hosts["fin-01"].vars["backup_hour"] == 2
    assert loaded.hosts["oa-01"].vars["backup_hour"] == 1
    assert loaded.groups["databases"].vars == {"backup_hour": 2}


def test_catalog_loads_with_defaults_filled_in(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    portal = loaded.services["portal"]
    assert portal.ports == (Port(port=80, protocol="tcp", clients=("all",)),)
    assert portal.checks[0] == Check(
        name="health",
        type="http",
        port=80,
        path="/health",
        expect_status=200,
        expect_body=None,
        database=None,
        query=None,
        command=None,
        critical=True,
        interval_seconds=15,
        timeout_seconds=5,
    )
    records = loaded.services["records"]
    assert records.objective.availability_percent == 99.9
    assert records.maintenance[0].start == datetime(2025, 3, 1, 22, tzinfo=UTC)
    assert loaded.data_sets["hr-database"].data_class == "sensitive"
    assert loaded.data_sets["hr-database"].database is not None
    assert loaded.data_sets["portal-content"].paths == ("/srv/portal/www",)


def test_data_classes_left_out_get_the_default_policy(inventory: Path) -> None:
    classes = load_inventory(inventory).data_classes
    assert classes["sensitive"].retention == Retention(daily=7, weekly=4, monthly=12)
    assert classes["public"] == DataClassPolicy("public", False, True, Retention(7, 4, 3), True)
    assert not classes["internal"].cloud_allowed


def test_people_and_posts(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    alice, bob = loaded.people
    assert alice.active and alice.post == "admin"
    assert alice.ssh_keys == (public_key("alice"),)
    assert not bob.active
    assert loaded.posts["hr-officer"].access[0].hosts == "hr"
    assert not loaded.posts["hr-officer"].access[0].sudo


def test_a_person_who_left_may_have_no_post(inventory: Path) -> None:
    edit(inventory, "group_vars/all/people.yml", "    post: hr-officer\n", "")
    assert load_inventory(inventory).people[1].post is None


def test_templates_are_accepted_in_text_fields(inventory: Path) -> None:
    edit(inventory, "group_vars/all/catalog.yml", "IT department", "'{{ it_team_contact }}'")
    edit(inventory, "group_vars/all/catalog.yml", "    hosts: [office]", '    hosts: ["{{ web }}"]')
    portal = load_inventory(inventory).services["portal"]
    assert portal.owner == "{{ it_team_contact }}"
    assert portal.hosts == ("{{ web }}",)


def test_vault_files_and_values_are_accepted_unread(inventory: Path) -> None:
    write(
        inventory,
        {
            "group_vars/all/vault.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n",
            "group_vars/all/vars.yml": (
                "---\nbackup_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n"
            ),
        },
    )
    edit(
        inventory,
        "group_vars/all/catalog.yml",
        "    owner: HR department\n",
        "    owner: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n",
    )
    loaded = load_inventory(inventory)
    assert loaded.services["records"].owner.startswith("$ANSIBLE_VAULT;")


def test_other_variables_are_left_to_the_roles_that_read_them(inventory: Path) -> None:
    write(
        inventory,
        {
            "group_vars/all/lab_connection.yml": (
                "---\nansible_user: root\nrampart_lab: true\nrampart_lab_subnet: 10.77.0.0/24\n"
            )
        },
    )
    assert load_inventory(inventory).hosts["oa-01"].vars["rampart_lab"] is True


def test_problems_read_as_file_line_key_message() -> None:
    problem = Problem(Path("inventory/lab/hosts.yml"), 7, "all.children.hr", "broken")
    assert str(problem) == "inventory/lab/hosts.yml:7: all.children.hr: broken"
    assert str(Problem(Path("x.yml"), None, "", "missing")) == "x.yml: missing"


def test_invalid_inventory_is_a_config_error_naming_the_first_problem(inventory: Path) -> None:
    edit(inventory, "group_vars/all/catalog.yml", "      - port: 80\n", "      - port: 0\n")
    edit(inventory, "group_vars/all/people.yml", "status: left", "status: gone")
    with pytest.raises(InventoryInvalid) as raised:
        load_inventory(inventory)
    error = raised.value
    assert isinstance(error, ConfigError)
    assert error.exit_code == 2
    assert len(error.problems) == 2
    assert str(error).startswith(f"inventory {inventory} is not valid: {error.problems[0]}")
    assert "(and 1 more; see `rampart inventory validate`)" in str(error)


def test_the_time_zone_is_utc_unless_the_inventory_names_one(inventory: Path) -> None:
    assert load_inventory(inventory).time_zone == "UTC"
    write(inventory, {"group_vars/all/zone.yml": "---\nrampart_time_zone: Europe/Berlin\n"})
    assert load_inventory(inventory).time_zone == "Europe/Berlin"
