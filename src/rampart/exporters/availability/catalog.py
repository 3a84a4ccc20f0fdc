"""Write the exporter's configuration from the inventory (runs on the controller).

Every check of every service is expanded to one entry per host of the service, with the
host's address (`ansible_host`, else its name). Secrets are never written here: checks
that log in name a password or key *file* that the role installs readable only by the
exporter's user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart.inventory import Inventory, Service


@dataclass(frozen=True)
class ProbeCredentials:
    """Where the exporter finds what it logs in with, on the monitoring host."""

    postgresql_user: str = "rampart_probe"
    postgresql_password_file: str | None = None
    ssh_user: str = "rampart-probe"
    ssh_key_file: str | None = None
    known_hosts_file: str | None = None
    ca_file: str | None = None


def _check_entries(
    inventory: Inventory, service: Service, credentials: ProbeCredentials
) -> list[dict[str, Any]]:
    """Every (host, check) pair of one service, as config entries."""
    entries: list[dict[str, Any]] = []
    hosts = sorted({host for name in service.hosts for host in inventory.resolve(name)})
    for host in hosts:
        address = str(inventory.hosts[host].vars.get("ansible_host", host))
        for check in service.checks:
            entry: dict[str, Any] = {
                "host": host,
                "address": address,
                "name": check.name,
                "type": check.type,
                "port": check.port,
                "critical": check.critical,
                "interval_seconds": check.interval_seconds,
                "timeout_seconds": check.timeout_seconds,
                "path": check.path,
                "expect_status": check.expect_status,
                "expect_body": check.expect_body,
            }
            if check.type == "postgresql":
                entry |= {
                    "database": check.database,
                    "query": check.query,
                    "user": credentials.postgresql_user,
                    "password_file": credentials.postgresql_password_file,
                }
            if check.type == "ssh_command":
                entry |= {
                    "command": check.command,
                    "user": credentials.ssh_user,
                    "ssh_key_file": credentials.ssh_key_file,
                    "known_hosts_file": credentials.known_hosts_file,
                }
            if check.type == "https":
                entry["ca_file"] = credentials.ca_file
            entries.append({key: value for key, value in entry.items() if value is not None})
    return entries


def exporter_config(
    inventory: Inventory,
    credentials: ProbeCredentials,
    listen: str,
    web_config_file: str | None,
) -> dict[str, Any]:
    """The exporter's configuration document for every service of the catalog."""
    services = []
    for service in sorted(inventory.services.values(), key=lambda item: item.id):
        services.append(
            {
                "id": service.id,
                "objective_ratio": service.objective.availability_percent / 100,
                "response_time_seconds": service.objective.response_time_seconds,
                "maintenance": [
                    {
                        "start": window.start.isoformat(),
                        "end": window.end.isoformat(),
                        "reason": window.reason,
                    }
                    for window in service.maintenance
                ],
                "checks": _check_entries(inventory, service, credentials),
            }
        )
    document: dict[str, Any] = {"listen": listen, "services": services}
    if web_config_file:
        document["web_config_file"] = web_config_file
    return document


def write_exporter_config(document: dict[str, Any], output: Path | None) -> None:
    """Print the document as JSON, or write it to `output`."""
    import json

    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
