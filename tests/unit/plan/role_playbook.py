"""Run the monitoring_server role's own files for mon-01 on this machine: a one-play
playbook with the role's defaults and vars, local connection, this venv's Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.unit.inventory.conftest import ROOT

ROLE = ROOT / "roles/monitoring_server"
BIN = Path(sys.executable).parent

HEADER = """\
---
- name: {name}
  hosts: mon-01
  gather_facts: false
  vars_files:
    - {role}/defaults/main.yml
    - {role}/vars/main.yml
"""


def run_role_playbook(
    inventory: Path, folder: Path, name: str, body: str, overrides: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    """Write the play (`body`: its `tasks:` and `handlers:`, indented as in a play, with
    `{role}` and `{out}` standing for the role and `folder`) and run it against mon-01."""
    folder.mkdir(parents=True, exist_ok=True)
    playbook = folder / "playbook.yml"
    text = HEADER.format(name=name, role=ROLE) + body.format(role=ROLE, out=folder)
    playbook.write_text(text, encoding="utf-8")
    variables = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "ansible_playbook_python": sys.executable,
        **overrides,
    }
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            "-e",
            yaml.safe_dump(variables, default_flow_style=True),
            str(playbook),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
