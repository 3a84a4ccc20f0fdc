"""The lab's network: a host bridge, one network namespace and veth pair per host, and a
small nftables table on this machine so that nothing the lab sends is routed elsewhere.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from rampart import commands
from rampart.errors import LabError
from rampart.lab.config import (
    BRIDGE,
    NETNS_PREFIX,
    NFT_TABLE,
    PROXY_PORT,
    VETH_PREFIX,
    LabConfig,
    LabHost,
)

NETNS_DIR = Path("/run/netns")


def link_exists(name: str) -> bool:
    """Tell whether a network interface of that name exists on this machine."""
    return Path("/sys/class/net", name).exists()


def subnet_conflict(config: LabConfig) -> str | None:
    """Name the interface that already uses an address in the lab's range, if any."""
    output = commands.run(["ip", "-json", "-4", "addr", "show"]).stdout
    for interface in json.loads(output or "[]"):
        if interface.get("ifname") == BRIDGE:
            continue
        for address in interface.get("addr_info", []):
            network = ipaddress.IPv4Network(
                f"{address['local']}/{address['prefixlen']}", strict=False
            )
            if network.overlaps(config.network):
                return f"{interface['ifname']} ({address['local']}/{address['prefixlen']})"
    return None


def ensure_bridge(config: LabConfig) -> None:
    """Create the bridge with the machine's lab address, unless it is already there."""
    if not link_exists(BRIDGE):
        commands.run(["ip", "link", "add", BRIDGE, "type", "bridge"])
    addresses = commands.run(["ip", "-4", "-o", "addr", "show", "dev", BRIDGE]).stdout
    cidr = f"{config.bridge_address}/{config.network.prefixlen}"
    if cidr not in addresses:
        commands.run(["ip", "addr", "add", cidr, "dev", BRIDGE])
    commands.run(["ip", "link", "set", BRIDGE, "up"])


def ensure_guard(config: LabConfig) -> None:
    """Load the table that keeps lab traffic inside the lab, replacing any older copy.

    Lab hosts have no default route; this table also drops anything from the lab's range
    that this machine would forward elsewhere, and lets lab hosts reach this machine only on
    the apt proxy's port (and answers to connections this machine opened).
    """
    subnet = str(config.network)
    ruleset = f"""
table inet {NFT_TABLE} {{
    chain forward {{
        type filter hook forward priority -10; policy accept;
        ip saddr {subnet} ip daddr != {subnet} drop
        ip daddr {subnet} ip saddr != {subnet} drop
    }}
    chain input {{
        type filter hook input priority -10; policy accept;
        iifname "{BRIDGE}" ct state established,related accept
        iifname "{BRIDGE}" tcp dport {PROXY_PORT} accept
        iifname "{BRIDGE}" icmp type echo-request accept
        iifname "{BRIDGE}" drop
    }}
}}
"""
    remove_guard()
    commands.run(["nft", "-f", "-"], input_text=ruleset)


def remove_guard() -> None:
    """Delete the lab's nftables table if it exists; other tables are never touched."""
    if commands.succeeds(["nft", "list", "table", "inet", NFT_TABLE]):
        commands.run(["nft", "delete", "table", "inet", NFT_TABLE])


def create_host_network(config: LabConfig, host: LabHost) -> None:
    """Give a host its namespace, its veth into the bridge and its fixed address."""
    remove_host_network(host)
    commands.run(["ip", "netns", "add", host.netns])
    commands.run(
        [
            "ip",
            "link",
            "add",
            host.veth,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            host.netns,
        ]
    )
    commands.run(["ip", "link", "set", host.veth, "master", BRIDGE, "up"])
    cidr = f"{host.address}/{config.network.prefixlen}"
    commands.run(["ip", "-n", host.netns, "addr", "add", cidr, "dev", "eth0"])
    commands.run(["ip", "-n", host.netns, "link", "set", "eth0", "up"])
    commands.run(["ip", "-n", host.netns, "link", "set", "lo", "up"])


def remove_host_network(host: LabHost) -> None:
    """Delete a host's namespace and veth pair, whatever state a killed run left them in."""
    delete_netns(host.netns)
    delete_link(host.veth)


def delete_link(name: str) -> None:
    """Delete an interface; one that vanished meanwhile (its peer's namespace went) is fine."""
    if link_exists(name):
        result = commands.run(["ip", "link", "del", name], check=False)
        if result.returncode != 0 and link_exists(name):
            raise LabError(f"could not delete interface {name}: {result.stderr.strip()}")


def delete_netns(name: str) -> None:
    """Delete one network namespace if it is there."""
    if (NETNS_DIR / name).exists():
        commands.run(["ip", "netns", "del", name])


def leftover_netns() -> list[str]:
    """Lab namespaces present on this machine, including ones no state file remembers."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(path.name for path in NETNS_DIR.iterdir() if path.name.startswith(NETNS_PREFIX))


def leftover_links() -> list[str]:
    """The lab bridge and veth ends present on this machine."""
    names = [path.name for path in Path("/sys/class/net").iterdir()]
    return sorted(name for name in names if name == BRIDGE or name.startswith(VETH_PREFIX))


def remove_all() -> None:
    """Delete every lab namespace, veth, the bridge and the guard table."""
    for name in leftover_netns():
        delete_netns(name)
    for name in leftover_links():
        delete_link(name)
    remove_guard()


def require_free_subnet(config: LabConfig) -> None:
    """Fail with one line when another interface already uses the lab's address range."""
    conflict = subnet_conflict(config)
    if conflict:
        raise LabError(
            f"the lab address range {config.network} is already in use by {conflict}; "
            "set RAMPART_LAB_SUBNET to a free /24"
        )
