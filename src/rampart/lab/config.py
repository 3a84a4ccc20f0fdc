"""What the lab is made of: releases, the fleet, addresses, names and where state lives.

Pure data and arithmetic, no side effects, so it is unit-tested without root.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from rampart.errors import ConfigError

RELEASES = {"trixie": "13", "bookworm": "12"}
# "mixed": the fleet on Debian 13 but for the hosts below, still on Debian 12 as at most
# companies, so one lab (and CI) proves every role on both releases.
MIXED = "mixed"
MIXED_OLDER = {"fin-01": "bookworm"}
RELEASE_ALIASES = {
    "13": "trixie",
    "12": "bookworm",
    "trixie": "trixie",
    "bookworm": "bookworm",
    MIXED: MIXED,
}
NEWEST_RELEASE = "trixie"
DEFAULT_RELEASE = MIXED
MAX_EXTRA_HOSTS = 100
FIRST_FLEET_OFFSET = 11
FIRST_EXTRA_OFFSET = 101
PROXY_PORT = 3149  # not 3142, where a system-wide apt-cacher-ng may listen
CGROUP_HIERARCHIES = ("systemd", "unified", "memory")


def _instance() -> int:
    """Which lab of this machine we drive: RAMPART_LAB_INSTANCE, 0 (the default) to 9.

    Separate instances let several checkouts (or engineers) run a lab each at once; every
    name, address range and folder below carries the number.
    """
    raw = os.environ.get("RAMPART_LAB_INSTANCE", "0")
    if raw not in {str(number) for number in range(10)}:
        raise ConfigError(f"RAMPART_LAB_INSTANCE must be a digit from 0 to 9, not {raw!r}")
    return int(raw)


INSTANCE = _instance()
BRIDGE = f"rampart{INSTANCE}"
NETNS_PREFIX = f"rampart{INSTANCE}-"
VETH_PREFIX = f"rp{INSTANCE}-"
CGROUP_NAME = f"rampart-lab{INSTANCE}"
NFT_TABLE = f"rampart_lab{INSTANCE}"
DEFAULT_SUBNET = f"10.77.{INSTANCE}.0/24"
DEFAULT_STATE = f"/var/lib/rampart/lab{INSTANCE}"
LOCK_FILE = Path(f"/run/rampart-lab{INSTANCE}.lock")

# The default fleet models the regulation's information services (see docs/lab.md).
DEFAULT_FLEET: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("oa-01", ("office",)),
    ("hr-01", ("hr",)),
    ("fin-01", ("finance",)),
    ("backup-01", ("backup_servers",)),
    ("mon-01", ("monitoring",)),
)
# Groups made of other groups, as Ansible `children`.
PARENT_GROUPS: dict[str, tuple[str, ...]] = {"databases": ("hr", "finance")}
EXTRA_GROUP = "extra"


@dataclass(frozen=True)
class LabHost:
    """One host of the lab: its name, fixed address, Ansible groups and Debian release."""

    name: str
    address: str
    groups: tuple[str, ...]
    release: str = NEWEST_RELEASE

    @property
    def netns(self) -> str:
        """Name of the host's network namespace under /run/netns."""
        return f"{NETNS_PREFIX}{self.name}"

    @property
    def veth(self) -> str:
        """Name of the bridge side of the host's veth pair (at most 15 characters)."""
        return f"{VETH_PREFIX}{self.name}"


@dataclass(frozen=True)
class LabPaths:
    """Where the lab keeps its state (removed by `lab down`) and its caches (kept)."""

    state: Path = field(
        default_factory=lambda: Path(os.environ.get("RAMPART_LAB_STATE", DEFAULT_STATE))
    )
    cache: Path = field(
        default_factory=lambda: Path(os.environ.get("RAMPART_LAB_CACHE", "/var/cache/rampart"))
    )

    @property
    def settings(self) -> Path:
        """The JSON file recording the running lab's release, subnet and fleet size."""
        return self.state / "lab.json"

    @property
    def ssh_key(self) -> Path:
        """The lab's own administrator key, generated for each lab."""
        return self.state / "ssh" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """Host keys of the lab's hosts, written before they boot."""
        return self.state / "ssh" / "known_hosts"

    @property
    def people_keys(self) -> Path:
        """Private keys of the lab's people directory, for tests that log in as them."""
        return self.state / "people"

    @property
    def images(self) -> Path:
        """Base images, one folder per release and recipe."""
        return self.cache / "images"

    @property
    def apt_cache(self) -> Path:
        """The apt proxy's package cache, kept between labs (one per lab instance)."""
        return self.cache / f"apt{INSTANCE}"

    @property
    def proxy(self) -> Path:
        """The apt proxy's configuration, logs and PID file."""
        return self.state / "apt-proxy"

    def host(self, name: str) -> Path:
        """The folder of one host: overlay layers, mount point, PID and console log."""
        return self.state / "hosts" / name


@dataclass(frozen=True)
class LabConfig:
    """The lab a user asked for: release, number of extra hosts and address range."""

    release: str = DEFAULT_RELEASE
    extra: int = 0
    subnet: str = DEFAULT_SUBNET

    def __post_init__(self) -> None:
        if self.release not in RELEASES and self.release != MIXED:
            names = ", ".join(f"{name} ({number})" for name, number in RELEASES.items())
            raise ConfigError(
                f"unknown Debian release {self.release!r}; choose one of {names} or {MIXED}"
            )
        if not 0 <= self.extra <= MAX_EXTRA_HOSTS:
            raise ConfigError(f"--extra must be between 0 and {MAX_EXTRA_HOSTS}, not {self.extra}")
        network = self.network
        if network.prefixlen > 24:
            raise ConfigError(f"lab subnet {self.subnet} is too small; it needs a /24 or larger")

    @property
    def network(self) -> ipaddress.IPv4Network:
        """The lab's address range as a network object."""
        try:
            return ipaddress.IPv4Network(self.subnet)
        except ValueError as error:
            raise ConfigError(
                f"lab subnet {self.subnet!r} is not an IPv4 network: {error}"
            ) from None

    @property
    def bridge_address(self) -> str:
        """The machine's address on the lab bridge: the apt proxy and the controller."""
        return str(self.network.network_address + 1)

    @property
    def hosts(self) -> tuple[LabHost, ...]:
        """Every host of the fleet, the default five first, then the extra ones."""
        base = self.network.network_address
        fleet = [
            LabHost(name, str(base + FIRST_FLEET_OFFSET + index), groups, self.release_of(name))
            for index, (name, groups) in enumerate(DEFAULT_FLEET)
        ]
        fleet += [
            LabHost(
                f"extra-{number:02d}",
                str(base + FIRST_EXTRA_OFFSET + number - 1),
                (EXTRA_GROUP,),
                self.release_of(f"extra-{number:02d}"),
            )
            for number in range(1, self.extra + 1)
        ]
        return tuple(fleet)

    def release_of(self, name: str) -> str:
        """The Debian release one host of this lab runs."""
        if self.release == MIXED:
            return MIXED_OLDER.get(name, NEWEST_RELEASE)
        return self.release

    @property
    def releases(self) -> tuple[str, ...]:
        """Every release some host of this lab runs, newest first."""
        return tuple(
            sorted({host.release for host in self.hosts}, key=RELEASES.__getitem__, reverse=True)
        )

    @property
    def version(self) -> str:
        """The Debian version the hosts run: "13", or "13, fin-01 on 12" for a mixed lab."""
        if self.release != MIXED:
            return RELEASES[self.release]
        older = ", ".join(
            f"{host.name} on {RELEASES[host.release]}"
            for host in self.hosts
            if host.release != NEWEST_RELEASE
        )
        return f"{RELEASES[NEWEST_RELEASE]}, {older}"

    def host(self, name: str) -> LabHost:
        """Find a host of this lab by name, or say which names exist."""
        for lab_host in self.hosts:
            if lab_host.name == name:
                return lab_host
        names = ", ".join(lab_host.name for lab_host in self.hosts)
        raise ConfigError(f"no lab host named {name!r}; the lab has {names}")
