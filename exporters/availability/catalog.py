"""Write the exporter's configuration from the hosts' plans (runs on the controller).

Every check of every service is one entry per host of the service, from the probes of
each host's plan, with the host's address (`ansible_host`, else its name). Secrets are
never written here: checks that log in name a password or key *file* that the role
installs readable only by the exporter's user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart.checks import KINDS
from rampart.errors import ConfigError
from rampart.inventory import Inventory
from rampart.plan import Probe, host_plans

CREDENTIAL_FLAGS = {
    "password_file": "--postgresql-password-file",
    "ssh_key_file": "--ssh-key-file",
    "known_hosts_file": "--known-hosts-file",
    "ca_file": "--ca-file",
}
"""The command-line flag that gives each credential file a check kind may need."""


@dataclass(frozen=True)
class ProbeCredentials:
    """Where the exporter finds what it logs in with, on the monitoring host."""

    postgresql_user: str = "rampart_probe"
    postgresql_password_file: str | None = None
    ssh_user: str = "rampart-probe"
    ssh_key_file: str | None = None
    known_hosts_file: str | None = None
    ca_file: str | None = None


def _check_entry(probe: Probe, host: str, credentials: ProbeCredentials) -> dict[str, Any]:
    """One (host, check) pair of the plan, as a config entry."""
    check = probe.check
    entry: dict[str, Any] = {
        "host": host,
        "address": probe.address,
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
    entry = {key: value for key, value in entry.items() if value is not None}
    for name, flag in CREDENTIAL_FLAGS.items():
        if name in KINDS[check.type].needs and name not in entry:
            raise ConfigError(f"service {probe.service}: its {check.type} check needs {flag}")
    return entry


def exporter_config(
    inventory: Inventory,
    credentials: ProbeCredentials,
    listen: str,
    web_config_file: str | None,
) -> dict[str, Any]:
    """The exporter's configuration document for every service of the catalog."""
    plans = host_plans(inventory)
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
                "checks": [
                    _check_entry(probe, host, credentials)
                    for host, plan in plans.items()
                    for probe in plan.probes
                    if probe.service == service.id
                ],
            }
        )
    document: dict[str, Any] = {"listen": listen, "services": services}
    if web_config_file:
        document["web_config_file"] = web_config_file
    return document


def write_exporter_config(document: dict[str, Any], output: Path | None) -> None:
    """Check the document as the exporter's reader will (all but files that live on the
    monitoring host), then print it as JSON or write it to `output`."""
    import json

    from rampart import user_input
    from rampart.exporters.availability.config import parse_config

    parse_config(document, "the generated configuration", check_files=False)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        print(text, end="")
    else:
        user_input.write_text(output, text, "the exporter configuration")
