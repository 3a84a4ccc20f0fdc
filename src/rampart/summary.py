"""`rampart summary`: what `make up` ends with. Hosts, services answering, controls applied
and where to look next, read from the inventory and checked for real over the network.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from rampart.inventory import load_inventory
from rampart.inventory.model import Inventory

CONNECT_TIMEOUT_SECONDS = 3


def port_answers(address: str, port: int) -> bool:
    """Tell whether a TCP connection to address:port is accepted."""
    try:
        with socket.create_connection((address, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def service_endpoints(inventory: Inventory) -> list[tuple[str, str, str, int]]:
    """Every (service, host, address, port) the catalog says answers on TCP."""
    endpoints = []
    for service in inventory.services.values():
        for host_name in sorted({h for name in service.hosts for h in inventory.resolve(name)}):
            address = str(inventory.hosts[host_name].vars.get("ansible_host", host_name))
            endpoints += [
                (service.id, host_name, address, port.port)
                for port in service.ports
                if port.protocol == "tcp"
            ]
    return endpoints


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
    with ThreadPoolExecutor(max_workers=max(1, len(endpoints))) as pool:
        answers = list(pool.map(lambda endpoint: port_answers(endpoint[2], endpoint[3]), endpoints))

    print(f"Rampart on {inventory_path}: {len(inventory.hosts)} hosts")
    for record in inventory.hosts.values():
        address = record.vars.get("ansible_host", "")
        print(f"  {record.name:<12} {address!s:<15} {', '.join(record.groups)}")
    answering = sum(answers)
    print(f"Services: {answering} of {len(endpoints)} catalog endpoints answer")
    for (service, host, address, port), ok in zip(endpoints, answers, strict=True):
        print(f"  {'ok ' if ok else 'DOWN'} {service:<18} {host}:{port} ({address})")
    roles = applied_roles(playbook)
    controls = [role for role in roles if not role.startswith("lab_")]
    print(f"Controls applied by {playbook}: {', '.join(controls) if controls else 'none yet'}")
    if len(controls) != len(roles):
        print(f"  lab stand-ins: {', '.join(r for r in roles if r.startswith('lab_'))}")
    print("Next: `rampart lab status`, `rampart lab ssh oa-01`, `ansible all -m ping`;")
    print("      docs/lab.md (the lab), docs/inventory.md (catalog, data, people).")
    return 0 if answering == len(endpoints) else 1
