"""`rampart plan HOST`: what ops see of one host's plan, and one line for a wrong host."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rampart.inventory import load_inventory
from rampart.plan import host_plan, plan_data

RAMPART = str(Path(sys.executable).with_name("rampart"))


def rampart_plan(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAMPART, "plan", *arguments], capture_output=True, text=True, check=False
    )


def test_the_plan_of_a_host_reads_as_ports_logins_and_data(lab_inventory: Path) -> None:
    shown = rampart_plan("hr-01", "--inventory", str(lab_inventory))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "open tcp/5432 (hr-records) to 10.77.0.14, 10.77.0.15" in lines
    assert "login alice with sudo" in lines
    assert "login bob" in lines
    assert "revoke: carol, dave" in lines
    assert "data set hr-database (sensitive): backed up, encrypted at rest" in lines


def test_json_is_the_whole_plan(lab_inventory: Path) -> None:
    shown = rampart_plan("mon-01", "--inventory", str(lab_inventory), "--json")
    assert shown.returncode == 0, shown.stderr
    expected = plan_data(host_plan(load_inventory(lab_inventory), "mon-01"))
    assert json.loads(shown.stdout) == expected


def test_an_unknown_host_is_one_line(lab_inventory: Path) -> None:
    shown = rampart_plan("db-07", "--inventory", str(lab_inventory))
    assert shown.returncode == 2
    assert shown.stderr == f"rampart: error: no host named 'db-07' in {lab_inventory}/hosts.yml\n"
