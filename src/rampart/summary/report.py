"""`rampart summary`: what `make up` ends with. Hosts, services answering, controls applied
and where to look next, read from the inventory and checked for real over the network.
"""

from __future__ import annotations

import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rampart.errors import RampartError
from rampart.inventory import load_inventory
from rampart.inventory.model import Inventory
from rampart.ssh import run_remote, target_from_vars

CONNECT_TIMEOUT_SECONDS = 3
# Runs on a client host: one line per ADDRESS:PORT argument, "ok" or "down".
PROBE = f"""
import socket, sys
for target in sys.argv[1:]:
    address, port = target.rsplit(":", 1)
    try:
        socket.create_connection((address, int(port)), {CONNECT_TIMEOUT_SECONDS}).close()
        print("ok")
    except OSError:
        print("down")
"""


@dataclass(frozen=True)
class Endpoint:
    """A TCP port of a catalog service on one host, and the host allowed to try it."""

    service: str
    host: str
    address: str
    port: int
    client: str


def service_endpoints(inventory: Inventory) -> list[Endpoint]:
    """Every TCP endpoint of the catalog, each with the first host of its allowed clients:
    the firewall lets only those in, so that is where a user would try it from."""
    endpoints = []
    for service in inventory.services.values():
        for host_name in sorted({h for name in service.hosts for h in inventory.resolve(name)}):
            address = str(inventory.hosts[host_name].vars.get("ansible_host", host_name))
            for port in service.ports:
                if port.protocol != "tcp":
                    continue
                clients = sorted({h for name in port.clients for h in inventory.resolve(name)})
                client = next((h for h in clients if h != host_name), host_name)
                endpoints.append(Endpoint(service.id, host_name, address, port.port, client))
    return endpoints


def probe_from(inventory: Inventory, client: str, endpoints: list[Endpoint]) -> list[bool]:
    """Try the endpoints from one client host over SSH; an unreachable client says down."""
    targets = [f"{endpoint.address}:{endpoint.port}" for endpoint in endpoints]
    command = shlex.join(["python3", "-c", PROBE, *targets])
    try:
        result = run_remote(
            target_from_vars(client, inventory.hosts[client].vars),
            command,
            timeout=30,
        )
    except RampartError:
        return [False] * len(endpoints)
    lines = result.stdout.split()
    return [index < len(lines) and lines[index] == "ok" for index in range(len(endpoints))]


def probe_all(inventory: Inventory, endpoints: list[Endpoint]) -> list[bool]:
    """Whether each endpoint answers, tried from its client, the clients in parallel."""
    by_client: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints:
        by_client.setdefault(endpoint.client, []).append(endpoint)
    with ThreadPoolExecutor(max_workers=max(1, len(by_client))) as pool:
        results = dict(
            zip(
                by_client,
                pool.map(
                    lambda client: probe_from(inventory, client, by_client[client]), by_client
                ),
                strict=True,
            )
        )
    answers = {
        endpoint: answer
        for client, group in by_client.items()
        for endpoint, answer in zip(group, results[client], strict=True)
    }
    return [answers[endpoint] for endpoint in endpoints]


def applied_roles(playbook: Path) -> list[str]:
    """The roles a playbook applies, following `import_playbook` to the plays it imports."""
    roles: list[str] = []
    plays: list[dict[str, Any]] = yaml.safe_load(playbook.read_text(encoding="utf-8")) or []
    for play in plays:
        imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
        if imported:
            roles += applied_roles(playbook.parent / imported)
        for role in play.get("roles", []):
            roles.append(role if isinstance(role, str) else str(role.get("role", role.get("name"))))
    return list(dict.fromkeys(roles))


def summarise(inventory_path: Path, playbook: Path) -> int:
    """Print the summary; exit 1 when a catalog service does not answer."""
    inventory = load_inventory(inventory_path)
    endpoints = service_endpoints(inventory)
    answers = probe_all(inventory, endpoints)

    print(f"Rampart on {inventory_path}: {len(inventory.hosts)} hosts")
    for record in inventory.hosts.values():
        address = record.vars.get("ansible_host", "")
        print(f"  {record.name:<12} {address!s:<15} {', '.join(record.groups)}")
    answering = sum(answers)
    print(
        f"Services: {answering} of {len(endpoints)} catalog endpoints answer"
        " (each tried from a host the catalog lets in)"
    )
    for endpoint, ok in zip(endpoints, answers, strict=True):
        print(
            f"  {'ok ' if ok else 'DOWN'} {endpoint.service:<18} {endpoint.host}:{endpoint.port}"
            f" ({endpoint.address}), tried from {endpoint.client}"
        )
    roles = applied_roles(playbook)
    controls = [role for role in roles if not role.startswith("lab_")]
    print(f"Controls applied by {playbook}: {', '.join(controls) if controls else 'none yet'}")
    if len(controls) != len(roles):
        print(f"  lab stand-ins: {', '.join(r for r in roles if r.startswith('lab_'))}")
    print("Next: `rampart lab status`, `rampart lab ssh oa-01`, `ansible all -m ping`;")
    print("      docs/lab.md (the lab), docs/inventory.md (catalog, data, people).")
    return 0 if answering == len(endpoints) else 1
