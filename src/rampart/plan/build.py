"""Compute the plan of a host (or of every host) from a validated inventory."""

from __future__ import annotations

from rampart.inventory import Inventory
from rampart.plan import (
    accounts,
    alerting,
    antivirus,
    audit,
    encryption,
    firewall,
    monitoring,
    storage,
)
from rampart.plan.addresses import address, hosts_of
from rampart.plan.data_sets import held_by, retention
from rampart.plan.model import HostPlan, PlanError


def host_plan(inventory: Inventory, host: str) -> HostPlan:
    """Everything the inventory gives `host`; PlanError for a host the inventory lacks."""
    if host not in inventory.hosts:
        raise PlanError(f"no host named '{host}' in {inventory.directory}/hosts.yml")
    accounts.check_directory(inventory)
    services = [s for s in inventory.services.values() if host in hosts_of(inventory, s.hosts)]
    held = held_by(inventory, host)
    everyone = accounts.accounts(inventory, host, held)
    logins = tuple(person for person in everyone if person.login)
    mirror = antivirus.signature_mirror(inventory, host)
    tang = encryption.tang_server(inventory, host)
    return HostPlan(
        host=host,
        address=address(inventory, host),
        groups=inventory.hosts[host].groups,
        services=tuple(sorted(service.id for service in services)),
        port_rules=firewall.port_rules(inventory, host)
        + antivirus.mirror_rule(mirror)
        + encryption.tang_rule(tang),
        admin_addresses=firewall.admin_addresses(inventory),
        accounts=logins,
        revoked=tuple(person for person in everyone if not person.login),
        data_sets=held,
        retention=retention(held),
        probes=monitoring.probes(inventory, host, services),
        scrape_jobs=monitoring.scrape_jobs(inventory, host),
        long_term_store=monitoring.long_term_store(inventory, host),
        alerting=alerting.alerting_plan(inventory, host),
        monitoring_web=monitoring.monitoring_web(inventory, host),
        antivirus=antivirus.antivirus_plan(inventory, held),
        signature_mirror=mirror,
        audit=audit.audit_plan(inventory, host, held),
        storage=storage.storage_plan(inventory, held, logins),
        encryption=encryption.encryption_plan(inventory, held),
        tang_server=tang,
    )


def host_plans(inventory: Inventory) -> dict[str, HostPlan]:
    """The plan of every host, by name."""
    return {host: host_plan(inventory, host) for host in sorted(inventory.hosts)}
