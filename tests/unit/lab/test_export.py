"""The inventory `lab up` writes: Ansible finds every host, group and key in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rampart.lab import export, keys
from rampart.lab.config import LabConfig, LabPaths


def test_hosts_document_lists_groups_and_addresses() -> None:
    document = export.hosts_document(LabConfig(extra=2, subnet="10.77.0.0/24"))
    everything = document["all"]
    assert everything["hosts"]["fin-01"] == {"ansible_host": "10.77.0.13"}
    assert everything["hosts"]["extra-02"] == {"ansible_host": "10.77.0.102"}
    assert list(everything["children"]["office"]["hosts"]) == ["oa-01"]
    assert list(everything["children"]["extra"]["hosts"]) == ["extra-01", "extra-02"]
    assert list(everything["children"]["databases"]["children"]) == ["hr", "finance"]


def test_written_inventory_is_complete_and_points_at_absolute_paths(tmp_path: Path) -> None:
    paths = LabPaths(state=tmp_path / "state", cache=tmp_path / "cache")
    inventory = tmp_path / "inventory" / "lab"
    known = keys.known_hosts_text({"oa-01": ("10.77.0.11", "ssh-ed25519 AAAAkey")})
    export.write_inventory(
        LabConfig(subnet="10.77.0.0/24"),
        paths,
        inventory,
        known,
        lambda username: f"ssh-ed25519 AAAA{username}",
    )
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    assert set(hosts["all"]["hosts"]) == {"oa-01", "hr-01", "fin-01", "backup-01", "mon-01"}
    assert (inventory / "known_hosts").read_text() == "oa-01,10.77.0.11 ssh-ed25519 AAAAkey\n"
    connection = yaml.safe_load((inventory / "group_vars/all/lab_connection.yml").read_text())
    assert connection["ansible_ssh_private_key_file"] == str(paths.ssh_key)
    assert (
        f"UserKnownHostsFile={inventory.resolve()}/known_hosts"
        in connection["ansible_ssh_common_args"]
    )
    assert "StrictHostKeyChecking=yes" in connection["ansible_ssh_common_args"]
    people = yaml.safe_load((inventory / "group_vars/all/people.yml").read_text())
    for person in people["rampart_people"]:
        assert person["ssh_keys"] == [f"ssh-ed25519 AAAA{person['username']}"]
    assert not list(inventory.rglob("*.partial"))

    export.remove_inventory(inventory)
    assert sorted(p.name for p in inventory.rglob("*") if p.is_file()) == []


def test_known_hosts_round_trip() -> None:
    entries = {
        "oa-01": ("10.77.0.11", "ssh-ed25519 AAAA1"),
        "hr-01": ("10.77.0.12", "ssh-ed25519 B"),
    }
    assert keys.parse_known_hosts(keys.known_hosts_text(entries)) == entries


def test_a_persons_own_key_in_the_source_is_kept_beside_the_lab_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "people.yml"
    source.write_text(
        "rampart_people:\n"
        "  - {username: erin, post: it-admin, status: active,"
        " ssh_keys: ['ssh-ed25519 AAAAown erin@laptop']}\n"
        "  - {username: frank, post: it-admin, status: active}\n"
    )
    monkeypatch.setattr(export, "PEOPLE_SOURCE", source)
    people = export.people_document(lambda username: f"ssh-ed25519 AAAA{username} lab")
    assert [person["ssh_keys"] for person in people["rampart_people"]] == [
        ["ssh-ed25519 AAAAown erin@laptop", "ssh-ed25519 AAAAerin lab"],
        ["ssh-ed25519 AAAAfrank lab"],
    ]
