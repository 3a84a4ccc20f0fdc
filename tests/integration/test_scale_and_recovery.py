"""`lab up` is safe to repeat, scales to 20 extra hosts, and recovers a lab left half-up
by a killed run (a dead container with its mount and namespace still in place).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from rampart.lab import volume
from rampart.lab.config import NETNS_PREFIX, LabPaths
from tests.integration.conftest import PlaybookRun, answering_hosts, playbook, rampart

pytestmark = pytest.mark.lab
STATE = LabPaths().state


def test_second_up_starts_nothing(lab: PlaybookRun) -> None:
    again = rampart("lab", "up")
    assert "booting 0 host(s), 5 already running" in again.stderr


def test_twenty_extra_hosts_then_recovery_from_a_killed_host(lab: PlaybookRun) -> None:
    grown = rampart("lab", "up", "--extra", "20", check=False)
    assert grown.returncode == 0, grown.stderr
    assert "booting 20 host(s), 5 already running" in grown.stderr
    assert len(answering_hosts()) == 25

    # Check mode on a host nothing has converged yet runs to the end without an error.
    checked = playbook("site.yml", "--check", "--limit", "extra-01")
    assert checked.returncode == 0, checked.output[-3000:]

    # Kill one host the hard way: its mount, namespace and veth stay behind.
    victim = STATE / "hosts" / "extra-07"
    os.kill(int((victim / "nspawn.pid").read_text()), signal.SIGKILL)
    time.sleep(0.5)
    assert str(victim / "root") in Path("/proc/self/mounts").read_text()
    assert str(victim / "data") in Path("/proc/self/mounts").read_text()
    assert Path(f"/run/netns/{NETNS_PREFIX}extra-07").exists()

    status = rampart("lab", "status", check=False)
    assert status.returncode == 1
    assert any(
        line.startswith("extra-07") and " no " in line for line in status.stdout.splitlines()
    )

    recovered = rampart("lab", "up", check=False)
    assert recovered.returncode == 0, recovered.stderr
    assert "booting 1 host(s), 24 already running" in recovered.stderr
    assert "extra-07" in answering_hosts()
    # One loop device per host: the victim's old one went with its leftovers.
    loops = volume.loop_devices(STATE)
    assert len(loops) == 25, loops

    shrunk = rampart("lab", "up", "--extra", "0", check=False)
    assert shrunk.returncode == 0, shrunk.stderr
    assert len(answering_hosts()) == 5
    assert not Path(f"/run/netns/{NETNS_PREFIX}extra-07").exists()
    assert not (STATE / "hosts" / "extra-01").exists()
