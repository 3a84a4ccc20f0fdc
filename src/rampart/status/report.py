"""What on-call wants first: each catalog service up or down, the firing alerts with their
runbook link, and the last backup and drill of every backed-up host, asked of Prometheus
over HTTPS (Rampart's CA, on-call's credentials) from the controller, an admin source.

The lab's credentials are where the roles keep them on the controller: the CA in
`.rampart/pki/ca.crt`, on-call's password in `.ansible/lab-secrets/monitoring-web-password`;
a production controller passes `--ca-file` and `--password-file`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rampart.errors import ConfigError
from rampart.inventory import Inventory, load_inventory
from rampart.plan import host_plan
from rampart.plan.monitoring import MONITORING_GROUP, monitoring_web
from rampart.prometheus import Credentials, PrometheusError, alerts, instant_query, vector

PASSWORD_FILE = ".ansible/lab-secrets/monitoring-web-password"  # noqa: S105 (a path)
CA_FILE = ".rampart/pki/ca.crt"
UP, DOWN, UNKNOWN = "up", "down", "unknown"


@dataclass(frozen=True)
class Access:
    """Where Prometheus is and how to get in."""

    url: str
    credentials: Credentials


@dataclass(frozen=True)
class ServiceState:
    """A catalog service and what the prober last saw (`unknown`: no probe result)."""

    service: str
    state: str


@dataclass(frozen=True)
class FiringAlert:
    """A firing alert: its name, what it is about, and the runbook to open."""

    alert: str
    about: str
    summary: str
    runbook_url: str


@dataclass(frozen=True)
class HostRecovery:
    """A backed-up host's last successful backup and last drill (Unix times; None: never)."""

    host: str
    last_backup: float | None
    last_drill: float | None
    drill_passed: bool | None


@dataclass(frozen=True)
class Status:
    """Everything `rampart status` prints, at one time."""

    prometheus: str
    at: float
    services: tuple[ServiceState, ...]
    alerts: tuple[FiringAlert, ...]
    hosts: tuple[HostRecovery, ...]


def _root(directory: Path) -> Path:
    """The checkout an inventory folder (`inventory/<env>`) belongs to."""
    return directory.resolve().parent.parent


def _monitoring_url(inventory: Inventory) -> str:
    group = inventory.groups.get(MONITORING_GROUP)
    if group is None or not group.hosts:
        raise ConfigError(f"inventory {inventory.directory} has no host in group 'monitoring'")
    web = monitoring_web(inventory, group.hosts[0])
    assert web is not None
    return web.prometheus.url


def access(
    directory: Path,
    url: str | None,
    ca_file: Path | None,
    user: str,
    password_file: Path | None,
) -> Access:
    """Prometheus' URL and credentials: those given, or the inventory's and the lab's."""
    root = _root(directory)
    found = url or _monitoring_url(load_inventory(directory))
    return Access(
        found.rstrip("/"),
        Credentials(ca_file or root / CA_FILE, user, password_file or root / PASSWORD_FILE),
    )


def _query(where: Access, query: str) -> list[tuple[dict[str, str], float]]:
    answer = instant_query(where.url, query, credentials=where.credentials)
    if answer.get("status") != "success":
        raise PrometheusError(f"Prometheus refused {query}: {answer.get('error', answer)}")
    return vector(answer)


def _by(samples: list[tuple[dict[str, str], float]], label: str) -> dict[str, float]:
    return {labels[label]: value for labels, value in samples if label in labels}


def gather(directory: Path, where: Access) -> Status:
    """Ask Prometheus for the status of the inventory's services and backed-up hosts."""
    inventory = load_inventory(directory)
    up = _by(_query(where, "min by (service) (rampart_availability_up)"), "service")
    services = tuple(
        ServiceState(service, UNKNOWN if service not in up else UP if up[service] >= 1 else DOWN)
        for service in sorted(inventory.services)
    )
    firing = tuple(
        FiringAlert(
            alert=str(alert.get("labels", {}).get("alertname", "")),
            about=" ".join(
                f"{key}={value}"
                for key, value in sorted(alert.get("labels", {}).items())
                if key in {"service", "instance", "data_class", "job"}
            ),
            summary=str(alert.get("annotations", {}).get("summary", "")),
            runbook_url=str(alert.get("annotations", {}).get("runbook_url", "")),
        )
        for alert in alerts(where.url, credentials=where.credentials)
        if alert.get("state") == "firing"
    )
    backups = _by(
        _query(where, "max by (instance) (rampart_backup_last_success_timestamp_seconds)"),
        "instance",
    )
    drills = _by(
        _query(where, "max by (instance) (rampart_drill_last_run_timestamp_seconds)"), "instance"
    )
    passed = _by(_query(where, "min by (instance) (rampart_drill_success)"), "instance")
    backed_up = [host for host in sorted(inventory.hosts) if host_plan(inventory, host).backed_up]
    hosts = tuple(
        HostRecovery(
            host,
            backups.get(host),
            drills.get(host),
            None if host not in passed else passed[host] >= 1,
        )
        for host in sorted({*backed_up, *backups, *drills})
    )
    return Status(where.url, time.time(), services, tuple(sorted(firing, key=str)), hosts)


def _when(value: float | None, now: float) -> str:
    if value is None:
        return "never"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(value))
    hours = max(0.0, now - value) / 3600
    return f"{stamp} ({hours:.1f} h ago)"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def as_text(status: Status) -> str:
    """The status as on-call reads it in a terminal."""
    now = status.at
    lines = [f"Prometheus {status.prometheus} at {_when(now, now).split(' (')[0]}", ""]
    down = sum(1 for service in status.services if service.state != UP)
    lines.append(f"Services ({len(status.services)}, {down} not up)")
    lines += _table(
        [("SERVICE", "STATE")]
        + [
            (service.service, service.state.upper() if service.state != UP else UP)
            for service in status.services
        ]
    )
    lines += ["", f"Firing alerts ({len(status.alerts)})"]
    if status.alerts:
        lines += _table(
            [("ALERT", "ABOUT", "RUNBOOK")]
            + [(alert.alert, alert.about, alert.runbook_url or "-") for alert in status.alerts]
        )
    else:
        lines.append("none")
    lines += ["", "Backups and drills"]
    drill = {True: "passed", False: "FAILED", None: ""}
    lines += _table(
        [("HOST", "LAST BACKUP", "LAST DRILL")]
        + [
            (
                host.host,
                _when(host.last_backup, now),
                f"{_when(host.last_drill, now)} {drill[host.drill_passed]}".strip(),
            )
            for host in status.hosts
        ]
    )
    return "\n".join(lines) + "\n"


def as_json(status: Status) -> str:
    """The status as one JSON document."""
    return json.dumps(asdict(status), indent=2, sort_keys=True) + "\n"
