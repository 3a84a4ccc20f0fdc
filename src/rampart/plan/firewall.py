"""The ports a host opens and to whom, from the catalog and the platform ports (REG-4.2.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rampart.inventory import Inventory
from rampart.plan.addresses import ANY, addresses, check_addresses, hosts_of, is_known
from rampart.plan.model import PlanError, PortRule
from rampart.plan.monitoring import MONITORING_GROUP, WEB_PORTS


def unknown_names(inventory: Inventory, services: Any, platform_ports: Any) -> Iterator[str]:
    """Each host or client name of raw catalog services and platform ports the inventory lacks.

    Works on the values as a role received them, so a name is reported even when the entry
    is wrong in other ways too."""
    for service_id, service in sorted(_items(services)):
        for name in _names(service, "hosts"):
            if not is_known(inventory, name):
                yield f"rampart_services.{service_id}.hosts: {name}"
        for port in _list(service, "ports"):
            for name in _names(port, "clients"):
                if not is_known(inventory, name):
                    number = port.get("port")
                    yield f"rampart_services.{service_id}.ports (port {number}).clients: {name}"
    for entry in platform_ports if isinstance(platform_ports, list) else []:
        for name in [*_names(entry, "hosts"), *_names(entry, "clients")]:
            if not is_known(inventory, name):
                yield f"rampart_platform_ports.{entry.get('name')}: {name}"


def check_names(inventory: Inventory, services: Any, platform_ports: Any) -> None:
    """Refuse a service or platform port naming a host or group the inventory does not have."""
    unknown = list(unknown_names(inventory, services, platform_ports))
    if unknown:
        raise PlanError(
            "firewall: not a host or group of the inventory (nor `all`): " + "; ".join(unknown)
        )


def _items(value: Any) -> list[tuple[str, Any]]:
    return [(str(key), item) for key, item in value.items()] if isinstance(value, dict) else []


def _list(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _names(value: Any, key: str) -> list[str]:
    found = value.get(key) if isinstance(value, dict) else None
    return [str(name) for name in found] if isinstance(found, list) else []


def port_rules(inventory: Inventory, host: str) -> tuple[PortRule, ...]:
    """The catalog's ports (services by id), the platform ports, then the monitoring hosts'
    web ports for the admin sources, placed on `host`."""
    entries = [
        (service_id, service.hosts, port.port, port.protocol, port.clients)
        for service_id, service in sorted(inventory.services.items())
        for port in service.ports
    ]
    entries += [
        (entry.name, entry.hosts, entry.port, entry.protocol, entry.clients)
        for entry in inventory.platform_ports
    ]
    # What on-call opens on a monitoring host (Prometheus, Alertmanager, the runbook
    # pages): from the admin sources only, like SSH.
    entries += [
        (name, (MONITORING_GROUP,), port, "tcp", inventory.admin_sources)
        for name, port in WEB_PORTS
    ]
    rules = []
    for name, hosts, port, protocol, clients in entries:
        if host not in hosts_of(inventory, hosts):
            continue
        sources = addresses(inventory, [client for client in clients if client != ANY])
        rules.append(PortRule(name, port, protocol, ANY in clients, tuple(sorted(set(sources)))))
    check_addresses(source for rule in rules for source in rule.sources)
    return tuple(rules)


def admin_addresses(inventory: Inventory) -> tuple[str, ...]:
    """Where SSH is let in from: the admin sources, hosts and groups turned into addresses
    (empty when the inventory names none; the firewall role refuses that)."""
    found = tuple(sorted(set(addresses(inventory, inventory.admin_sources))))
    check_addresses(found)
    return found
