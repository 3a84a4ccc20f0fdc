"""The lab inventory as `rampart lab up` leaves it, the example inventory, and golden files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.inventory.conftest import LAB_HOSTS, ROOT, public_key

EXAMPLE = ROOT / "inventory/example"
GOLDEN = Path(__file__).with_name("golden")
UPDATE = "RAMPART_UPDATE_GOLDEN"
"""Set to 1 to rewrite the golden files from the code; review every change by eye."""


@pytest.fixture
def lab_inventory(tmp_path: Path) -> Path:
    """The committed lab catalog with the hosts, connection and people `rampart lab up` writes."""
    directory = tmp_path / "lab"
    shutil.copytree(ROOT / "inventory/lab", directory)
    people = yaml.safe_load((ROOT / "src/rampart/lab/people.yml").read_text(encoding="utf-8"))
    for person in people["rampart_people"]:
        person["ssh_keys"] = [public_key(person["username"]).replace("@test", "@rampart-lab")]
    files = {
        "hosts.yml": LAB_HOSTS,
        "group_vars/all/people.yml": "---\n" + yaml.safe_dump(people, sort_keys=False),
        "group_vars/all/lab_connection.yml": (
            "---\nansible_user: root\nrampart_lab: true\n"
            "rampart_lab_controller_address: 10.77.0.1\n"
        ),
    }
    for relative, text in files.items():
        (directory / relative).write_text(text, encoding="utf-8")
    return directory


def matches_golden(name: str, value: Any, golden: Path = GOLDEN) -> None:
    """Assert `value` equals the reviewed golden file `name`; rewrite it only when asked to."""
    path = golden / name
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; write it with {UPDATE}=1 and review it"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{path} differs from the plan; if the change is right, rerun with {UPDATE}=1 and review"
    )
