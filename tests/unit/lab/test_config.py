"""The lab's fleet, addresses and names, as a user sees them in `lab status`."""

from __future__ import annotations

import pytest

from rampart.errors import ConfigError
from rampart.lab.config import LabConfig

LAB = "10.77.0.0/24"


def test_default_fleet_models_the_information_services() -> None:
    hosts = LabConfig(subnet=LAB).hosts
    assert [(host.name, host.address) for host in hosts] == [
        ("oa-01", "10.77.0.11"),
        ("hr-01", "10.77.0.12"),
        ("fin-01", "10.77.0.13"),
        ("backup-01", "10.77.0.14"),
        ("mon-01", "10.77.0.15"),
    ]
    assert LabConfig(subnet=LAB).bridge_address == "10.77.0.1"


def test_extra_hosts_get_numbered_names_and_their_own_range() -> None:
    hosts = LabConfig(extra=20, subnet=LAB).hosts
    assert len(hosts) == 25
    assert hosts[5].name == "extra-01" and hosts[5].address == "10.77.0.101"
    assert hosts[-1].name == "extra-20" and hosts[-1].address == "10.77.0.120"
    assert all(host.groups == ("extra",) for host in hosts[5:])


def test_interface_names_fit_the_kernel_limit() -> None:
    for host in LabConfig(extra=100).hosts:
        assert len(host.veth) <= 15, host.veth


def test_other_subnet_moves_every_address() -> None:
    config = LabConfig(subnet="10.88.5.0/24")
    assert config.bridge_address == "10.88.5.1"
    assert config.hosts[0].address == "10.88.5.11"


def test_release_names_and_numbers() -> None:
    assert LabConfig(release="bookworm").version == "12"
    assert {host.release for host in LabConfig(release="trixie").hosts} == {"trixie"}


def test_the_default_lab_runs_fin_01_on_debian_12_and_the_rest_on_13() -> None:
    config = LabConfig(extra=1)
    assert {host.name: host.release for host in config.hosts} == {
        "oa-01": "trixie",
        "hr-01": "trixie",
        "fin-01": "bookworm",
        "backup-01": "trixie",
        "mon-01": "trixie",
        "extra-01": "trixie",
    }
    assert config.releases == ("trixie", "bookworm")
    assert config.version == "13, fin-01 on 12"
    with pytest.raises(ConfigError, match="unknown Debian release 'buster'"):
        LabConfig(release="buster")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"extra": -1}, "--extra must be between 0 and 100"),
        ({"extra": 101}, "--extra must be between 0 and 100"),
        ({"subnet": "10.77.0.0/28"}, "too small"),
        ({"subnet": "not-a-net"}, "is not an IPv4 network"),
    ],
)
def test_bad_settings_are_one_line_errors(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LabConfig(**arguments)  # type: ignore[arg-type]


def test_unknown_host_lists_the_existing_ones() -> None:
    with pytest.raises(ConfigError, match="no lab host named 'db-07'; the lab has oa-01, hr-01"):
        LabConfig(subnet=LAB).host("db-07")
