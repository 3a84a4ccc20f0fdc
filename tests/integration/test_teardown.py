"""`lab down` leaves nothing: no mount, loop device, data volume image, namespace, link,
cgroup, nftables table or process.

Runs last (see conftest.py): it takes the session's lab away.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rampart.lab.config import BRIDGE, CGROUP_NAME, NETNS_PREFIX, NFT_TABLE, VETH_PREFIX, LabPaths
from tests.integration.conftest import INVENTORY, PlaybookRun, rampart

pytestmark = pytest.mark.lab


def test_down_leaves_nothing_behind(lab: PlaybookRun) -> None:
    state = LabPaths().state
    down = rampart("lab", "down", check=False)
    assert down.returncode == 0, down.stderr
    assert "nothing left behind" in down.stderr

    mounts = Path("/proc/self/mounts").read_text()
    assert str(state) not in mounts
    loops = subprocess.run(
        ["losetup", "--list", "--noheadings", "--output", "BACK-FILE"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(state) not in loops
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert NETNS_PREFIX not in netns
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert BRIDGE not in links and VETH_PREFIX not in links
    for hierarchy in ("systemd", "unified", "memory"):
        assert not Path("/sys/fs/cgroup", hierarchy, CGROUP_NAME).exists()
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    assert NFT_TABLE not in tables
    processes = subprocess.run(["ps", "-eo", "stat=,args="], capture_output=True, text=True).stdout
    live = [line for line in processes.splitlines() if not line.startswith("Z")]
    assert not [line for line in live if f"{state}/" in line]
    assert not state.exists()
    assert not (INVENTORY / "hosts.yml").exists()

    status = rampart("lab", "status", check=False)
    assert status.returncode != 0
    assert status.stderr.strip() == "rampart: error: no lab is up; start one with `rampart lab up`"
