"""What the prober checks on a host, what Prometheus on a monitoring host scrapes and where it
sends its samples for keeping (REG-7.1, REG-7.2)."""

from __future__ import annotations

from rampart.inventory import Inventory, LongTermStore, Service
from rampart.plan.addresses import address
from rampart.plan.model import Probe, ScrapeJob, ScrapeTarget

MONITORING_GROUP = "monitoring"
BACKUP_SERVER_GROUP = "backup_servers"
NODE_EXPORTER_PORT = 9100
PROBER_PORT = 9470
BACKUP_EXPORTER_PORT = 9917
"""The ports the monitoring_agent, monitoring_server and backup roles serve on by default."""


def probes(inventory: Inventory, host: str, services: list[Service]) -> tuple[Probe, ...]:
    """Every check of the host's services (by id), run against the host's address."""
    where = address(inventory, host)
    ordered = sorted(services, key=lambda service: service.id)
    return tuple(Probe(service.id, where, check) for service in ordered for check in service.checks)


def scrape_jobs(inventory: Inventory, host: str) -> tuple[ScrapeJob, ...]:
    """The jobs of a monitoring host: every node_exporter, its own prober, the backup exporter."""
    if MONITORING_GROUP not in inventory.hosts[host].groups:
        return ()
    backup_servers = inventory.groups.get(BACKUP_SERVER_GROUP)
    jobs = [
        ("node", tuple(inventory.hosts), NODE_EXPORTER_PORT),
        ("rampart-availability", (host,), PROBER_PORT),
        (
            "rampart-backup-server",
            backup_servers.hosts if backup_servers else (),
            BACKUP_EXPORTER_PORT,
        ),
    ]
    return tuple(
        ScrapeJob(name, tuple(_target(inventory, member, port) for member in sorted(members)))
        for name, members, port in jobs
        if members
    )


def long_term_store(inventory: Inventory, host: str) -> LongTermStore | None:
    """The inventory's long-term store on a monitoring host; None elsewhere or when unset."""
    if MONITORING_GROUP not in inventory.hosts[host].groups:
        return None
    return inventory.long_term_store


def _target(inventory: Inventory, host: str, port: int) -> ScrapeTarget:
    return ScrapeTarget(f"{address(inventory, host)}:{port}", host)
