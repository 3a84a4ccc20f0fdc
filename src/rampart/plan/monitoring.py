"""What the prober checks on a host, what Prometheus on a monitoring host scrapes and where it
sends its samples for keeping (REG-7.1, REG-7.2)."""

from __future__ import annotations

from rampart.inventory import Inventory, LongTermStore, Service
from rampart.plan.addresses import address
from rampart.plan.model import MonitoringWeb, Probe, ScrapeJob, ScrapeTarget, WebEndpoint

MONITORING_GROUP = "monitoring"
BACKUP_SERVER_GROUP = "backup_servers"
NODE_EXPORTER_PORT = 9100
PROBER_PORT = 9470
BACKUP_EXPORTER_PORT = 9917
"""The ports the monitoring_agent, monitoring_server and backup roles serve on by default."""
PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
RUNBOOK_PAGES_PORT = 8443
RUNBOOK_PAGES_PATH = "/runbooks/"
"""Where on-call opens Prometheus, Alertmanager and the runbook pages (HTTPS, admin sources)."""
WEB_PORTS = (
    ("prometheus-web", PROMETHEUS_PORT),
    ("alertmanager-web", ALERTMANAGER_PORT),
    ("runbook-pages", RUNBOOK_PAGES_PORT),
)
"""The firewall's names of those ports on a monitoring host, opened to the admin sources."""


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


def monitoring_web(inventory: Inventory, host: str) -> MonitoringWeb | None:
    """Prometheus, Alertmanager and the runbook pages on the host's fleet address; None
    unless it is a monitoring host."""
    if MONITORING_GROUP not in inventory.hosts[host].groups:
        return None
    where = address(inventory, host)
    shown = f"[{where}]" if ":" in where else where

    def endpoint(port: int, path: str = "/") -> WebEndpoint:
        return WebEndpoint(f"{shown}:{port}", f"https://{shown}:{port}{path}")

    return MonitoringWeb(
        prometheus=endpoint(PROMETHEUS_PORT),
        alertmanager=endpoint(ALERTMANAGER_PORT),
        runbook_pages=endpoint(RUNBOOK_PAGES_PORT, RUNBOOK_PAGES_PATH),
    )


def _target(inventory: Inventory, host: str, port: int) -> ScrapeTarget:
    return ScrapeTarget(f"{address(inventory, host)}:{port}", host)
