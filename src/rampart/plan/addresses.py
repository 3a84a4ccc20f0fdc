"""Turn host and group names into the hosts and addresses they stand for.

An address is a host's `ansible_host`, else its name, as Ansible connects to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rampart.inventory import Inventory
from rampart.inventory.validate import is_address
from rampart.plan.model import PlanError
from rampart.schema.kinds import is_template

ANY = "all"
"""The client name that opens a port to any address."""


def is_known(inventory: Inventory, name: str) -> bool:
    """Whether `name` is a host or a group of the inventory (`all` is a group)."""
    return name in inventory.hosts or name in inventory.groups


def hosts_of(inventory: Inventory, names: Iterable[str]) -> set[str]:
    """Every host the names stand for; names that are neither host nor group stand for none."""
    return {host for name in names if is_known(inventory, name) for host in inventory.resolve(name)}


def address(inventory: Inventory, host: str) -> str:
    """The address Ansible connects to `host` on."""
    return str(inventory.hosts[host].vars.get("ansible_host", host))


def addresses(inventory: Inventory, names: Iterable[str]) -> list[str]:
    """The addresses of the hosts the names stand for; other names (networks) kept as written."""
    found: list[str] = []
    for name in names:
        if is_known(inventory, name):
            found.extend(address(inventory, host) for host in inventory.resolve(name))
        else:
            found.append(name)
    return found


def check_addresses(values: Iterable[str]) -> None:
    """Refuse sources that are not IP addresses or networks: nftables could not load them.

    Text still holding a template (read outside Ansible) is left for Ansible to render."""
    bad = sorted({value for value in values if not is_address(value) and not is_template(value)})
    if bad:
        raise PlanError(
            "firewall: these sources are not IP addresses or networks (give hosts an IP address"
            f" as ansible_host, or list networks in CIDR form): {', '.join(bad)}"
        )
