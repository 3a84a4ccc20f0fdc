"""A small valid inventory for each test to break in one place, and helpers to read results."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from rampart.inventory import InventoryInvalid, load_inventory

ROOT = Path(__file__).resolve().parents[3]

# The lab's hosts and groups, as `rampart lab up` writes them.
LAB_HOSTS = """\
---
all:
  hosts:
    oa-01: {ansible_host: 10.77.0.11}
    hr-01: {ansible_host: 10.77.0.12}
    fin-01: {ansible_host: 10.77.0.13}
    backup-01: {ansible_host: 10.77.0.14}
    mon-01: {ansible_host: 10.77.0.15}
  children:
    office: {hosts: {oa-01: null}}
    hr: {hosts: {hr-01: null}}
    finance: {hosts: {fin-01: null}}
    databases: {children: {hr: null, finance: null}}
    backup_servers: {hosts: {backup-01: null}}
    monitoring: {hosts: {mon-01: null}}
"""


def public_key(name: str) -> str:
    """A syntactically valid Ed25519 public key line, different for each name."""
    key_type = b"ssh-ed25519"
    material = hashlib.sha256(name.encode()).digest()
    blob = len(key_type).to_bytes(4, "big") + key_type + (32).to_bytes(4, "big") + material
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {name}@test"


CATALOG = """\
---
rampart_services:
  portal:
    description: Office portal
    owner: IT department
    hosts: [office]
    ports:
      - port: 80
        clients: [all]
    checks:
      - name: health
        type: http
        port: 80
        path: /health
      - name: nginx
        type: ssh_command
        command: systemctl is-active nginx
    objective:
      availability_percent: 99.5
    data_sets: [portal-content]
  records:
    description: HR records
    owner: HR department
    hosts: [hr]
    ports:
      - port: 5432
        protocol: tcp
        clients: [monitoring, backup_servers]
    checks:
      - name: database
        type: postgresql
        port: 5432
        database: hr
        query: SELECT count(*) FROM employees
    objective:
      availability_percent: 99.9
      response_time_seconds: 0.5
    data_sets: [hr-database]
    maintenance:
      - start: 2025-03-01T22:00:00Z
        end: 2025-03-02T02:00:00Z
        reason: PostgreSQL upgrade
rampart_data_sets:
  portal-content:
    class: public
    description: Portal pages
    paths: [/srv/portal/www]
  hr-database:
    class: sensitive
    description: Staff records
    database: {engine: postgresql, name: hr}
rampart_data_classes:
  sensitive:
    encrypt_at_rest: true
    backup: true
    retention: {daily: 7, weekly: 4, monthly: 12}
    cloud_allowed: false
"""

PEOPLE = f"""\
---
rampart_posts:
  admin:
    title: Administrator
    access:
      - hosts: all
        sudo: true
  hr-officer:
    title: HR officer
    access:
      - hosts: hr
rampart_people:
  - username: alice
    full_name: Alice Admin
    post: admin
    status: active
    ssh_keys: ["{public_key("alice")}"]
  - username: bob
    full_name: Bob Baker
    post: hr-officer
    status: left
    ssh_keys: ["{public_key("bob")}"]
"""


def write(directory: Path, files: dict[str, str]) -> Path:
    """Write files (relative path -> text) under `directory` and return it."""
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """A valid inventory: the lab's hosts, a two-service catalog and two people."""
    return write(
        tmp_path / "inventory",
        {
            "hosts.yml": LAB_HOSTS,
            "group_vars/all/catalog.yml": CATALOG,
            "group_vars/all/people.yml": PEOPLE,
        },
    )


def edit(directory: Path, relative: str, old: str, new: str) -> str:
    """Replace `old` (which must be there) with `new` in a file; returns the new text."""
    path = directory / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, needle: str) -> int:
    """The line number (from 1) where `needle` first appears in `text`."""
    return text[: text.index(needle)].count("\n") + 1


def problems(directory: Path) -> list[str]:
    """The problems `load_inventory` reports, as the one-line texts a user sees."""
    with pytest.raises(InventoryInvalid) as raised:
        load_inventory(directory)
    return [str(problem) for problem in raised.value.problems]
