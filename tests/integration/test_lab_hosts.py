"""Every lab host is a real Debian server: reachable over SSH, running systemd, on its
own network that reaches the other hosts and nothing outside the lab.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import testinfra

from rampart.lab.config import RELEASE_ALIASES, LabConfig, LabPaths
from tests.integration.conftest import BIN, FLEET, ROOT, PlaybookRun, answering_hosts

pytestmark = pytest.mark.lab


def test_every_host_answers_ansible(lab: PlaybookRun) -> None:
    assert answering_hosts() == set(FLEET)


def test_hosts_run_systemd_with_no_failed_units(hosts: dict[str, testinfra.host.Host]) -> None:
    for name, host in hosts.items():
        state = host.run("systemctl is-system-running --wait").stdout.strip()
        failed = host.run("systemctl --failed --no-legend --plain").stdout.strip()
        assert (state, failed) == ("running", ""), f"{name}: {state} {failed}"


def test_hosts_are_distinct_debian_servers(hosts: dict[str, testinfra.host.Host]) -> None:
    machine_ids = set()
    host_keys = set()
    for name, host in hosts.items():
        assert host.check_output("hostname") == name
        assert host.system_info.distribution == "debian"
        assert host.service("ssh").is_running
        machine_ids.add(host.file("/etc/machine-id").content_string.strip())
        host_keys.add(host.file("/etc/ssh/ssh_host_ed25519_key.pub").content_string.split()[1])
    assert len(machine_ids) == len(hosts)
    assert len(host_keys) == len(hosts)


def test_each_host_runs_the_release_the_lab_asked_for(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    release = os.environ.get("RAMPART_LAB_RELEASE", "mixed")
    wanted = LabConfig(release=RELEASE_ALIASES[release])
    codenames = {name: host.system_info.codename for name, host in hosts.items()}
    assert codenames == {name: wanted.release_of(name) for name in hosts}
    # The default lab has Debian 12 and 13 side by side, so every test covers both.
    if release == "mixed":
        assert set(codenames.values()) == {"trixie", "bookworm"}


def test_hosts_reach_each_other_over_the_bridge(hosts: dict[str, testinfra.host.Host]) -> None:
    addresses = json.loads(
        subprocess.run(
            [str(BIN / "ansible-inventory"), "--list"],
            cwd=ROOT,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            text=True,
            check=True,
        ).stdout
    )["_meta"]["hostvars"]
    # mon-01: the firewall lets SSH in only from the admin sources (controller, monitoring).
    source = hosts["mon-01"]
    for name in FLEET:
        address = addresses[name]["ansible_host"]
        reached = source.run(f"timeout 3 bash -c '</dev/tcp/{address}/22'")
        assert reached.rc == 0, f"mon-01 cannot reach {name} at {address}:22"


def test_nothing_outside_the_lab_is_routable(hosts: dict[str, testinfra.host.Host]) -> None:
    for name, host in hosts.items():
        assert "default" not in host.check_output("ip route show"), name
        # A route lookup sends no packet: it proves the kernel has no way out.
        lookup = host.run("ip route get 203.0.113.7")
        assert lookup.rc != 0 and "unreachable" in lookup.stderr, name


def test_apt_proxy_serves_debian_and_refuses_anything_else(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    host = hosts["mon-01"]
    update = host.run("apt-get update")
    assert update.rc == 0, update.stderr
    proxy = host.check_output(
        "grep -m1 -o 'http://[^ ]*/debian' /etc/apt/sources.list.d/debian.sources"
    )
    other = proxy.rsplit("/debian", 1)[0] + "/example.org/index.html"
    code = host.run(
        'python3 -c "import sys, urllib.request, urllib.error\n'
        f"try: urllib.request.urlopen('{other}', timeout=10)\n"
        'except urllib.error.HTTPError as e: print(e.code)"'
    ).stdout.strip()
    assert code == "403"


def test_each_host_keeps_its_data_on_an_ext4_volume_that_fscrypt_can_use(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    paths = LabPaths()
    for name, host in hosts.items():
        mount = json.loads(host.check_output("findmnt --json --output FSTYPE,OPTIONS /srv"))
        (found,) = mount["filesystems"]
        options = found["options"].split(",")
        assert found["fstype"] == "ext4", name
        assert {"nodev", "nosuid"} <= set(options), f"{name}: {options}"
        # The same filesystem on this machine, with the encrypt feature fscrypt needs.
        image = paths.host(name) / "data.img"
        features = subprocess.run(
            ["dumpe2fs", "-h", str(image)], capture_output=True, text=True, check=True
        ).stdout
        assert "encrypt" in next(
            line for line in features.splitlines() if line.startswith("Filesystem features")
        ), name
        marker = f"written-in-{name}"
        host.check_output(f"echo {marker} > /srv/.lab-volume-check")
        seen = (paths.host(name) / "data" / ".lab-volume-check").read_text().strip()
        host.check_output("rm /srv/.lab-volume-check")
        assert seen == marker
        # FUSE for gocryptfs: the device is there and opens.
        assert host.run("exec 3<>/dev/fuse").rc == 0, name
