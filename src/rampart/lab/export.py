"""Write the lab's Ansible inventory, so Ansible and testinfra work from the repository
root with no flags: hosts and groups, connection settings, known_hosts and the people
directory with the keys generated for this lab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from rampart.lab.config import PARENT_GROUPS, LabConfig, LabPaths

HEADER = (
    "# Written by `rampart lab up`; do not edit (docs/lab.md). Regenerated on every up.\n"
    "# People and their own SSH keys: edit src/rampart/lab/people.yml instead.\n"
)
PEOPLE_SOURCE = Path(__file__).with_name("people.yml")


def hosts_document(config: LabConfig) -> dict[str, Any]:
    """The YAML inventory of the lab: every host with its address, and its groups."""
    groups: dict[str, dict[str, Any]] = {}
    for host in config.hosts:
        for group in host.groups:
            groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = None
    for parent, children in PARENT_GROUPS.items():
        groups[parent] = {"children": {child: None for child in children}}
    return {
        "all": {
            "hosts": {host.name: {"ansible_host": host.address} for host in config.hosts},
            "children": groups,
        }
    }


def connection_document(config: LabConfig, paths: LabPaths, inventory: Path) -> dict[str, Any]:
    """Variables that tell Ansible (and testinfra's Ansible backend) how to reach lab hosts."""
    known_hosts = (inventory / "known_hosts").resolve()
    return {
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(paths.ssh_key),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes"
        ),
        "rampart_lab": True,
        "rampart_lab_release": config.release,
        "rampart_lab_subnet": str(config.network),
        "rampart_lab_controller_address": config.bridge_address,
    }


def people_document(public_key_of: Callable[[str], str]) -> dict[str, Any]:
    """The lab's people directory with one generated SSH key per person."""
    document: dict[str, Any] = yaml.safe_load(PEOPLE_SOURCE.read_text(encoding="utf-8"))
    for person in document.get("rampart_people", []):
        # A person's own keys in the source stay; the lab's generated key (which the tests
        # log in with) is added after them.
        person["ssh_keys"] = [*person.get("ssh_keys", []), public_key_of(person["username"])]
    return document


def _write(path: Path, text: str) -> None:
    """Replace a file atomically, so a killed run never leaves half an inventory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _yaml(document: dict[str, Any]) -> str:
    return HEADER + "---\n" + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def write_inventory(
    config: LabConfig,
    paths: LabPaths,
    inventory: Path,
    known_hosts: str,
    public_key_of: Callable[[str], str],
) -> None:
    """Write hosts.yml, known_hosts and the generated group_vars of the lab inventory."""
    _write(inventory / "hosts.yml", _yaml(hosts_document(config)))
    _write(inventory / "known_hosts", known_hosts)
    group_vars = inventory / "group_vars" / "all"
    _write(group_vars / "lab_connection.yml", _yaml(connection_document(config, paths, inventory)))
    _write(group_vars / "people.yml", _yaml(people_document(public_key_of)))


def remove_inventory(inventory: Path) -> None:
    """Remove the generated files; the committed catalog stays."""
    for name in (
        "hosts.yml",
        "known_hosts",
        "group_vars/all/lab_connection.yml",
        "group_vars/all/people.yml",
    ):
        (inventory / name).unlink(missing_ok=True)
