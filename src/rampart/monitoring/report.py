"""`rampart report availability`: this calendar month so far, per catalog service
(REG-7.1, REG-7.2): availability against the objective, downtime minutes, the error budget
left and the alerts firing now.

The month begins at midnight on the 1st in the company's time zone (the inventory's
`rampart_time_zone`). The figures are increases of the prober's counters since then,
evaluated now by the Prometheus on the monitoring host, so maintenance windows are left out
and they agree with the overview dashboard and the rules.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from rampart.errors import ConfigError
from rampart.inventory import Inventory, load_inventory
from rampart.monitoring.availability_rules import COUNTER_DOWN, COUNTER_OBSERVED, per_service
from rampart.prometheus import LOOPBACK_URL, PrometheusError, instant_query, vector
from rampart.ssh import SshTarget, target_from_vars

MONITORING_GROUP = "monitoring"
FIRING_ALERTS = 'max by (alertname, service) (ALERTS{alertstate="firing", service!=""})'
# Ask: a PromQL query -> (labels, value) samples, evaluated at the report's time.
Ask = Callable[[str], list[tuple[dict[str, str], float]]]


@dataclass(frozen=True)
class Month:
    """The calendar month the report covers, up to `now`, in the company's time zone."""

    start: datetime
    now: datetime
    end: datetime

    @classmethod
    def of(cls, now: datetime) -> Month:
        """The month `now` (an aware time, in the company's zone) lies in."""
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (start + timedelta(days=32)).replace(day=1)
        return cls(start, now, following)

    @property
    def elapsed_seconds(self) -> int:
        """Whole seconds since the month began (at least 1, for a range selector)."""
        return max(1, int(self.now.timestamp() - self.start.timestamp()))

    @property
    def length_seconds(self) -> float:
        """How long the whole month is (a daylight-saving change included)."""
        return self.end.timestamp() - self.start.timestamp()


@dataclass(frozen=True)
class ServiceFigures:
    """One service's figures for a period (this month so far, an evaluation's period)."""

    service: str
    objective_percent: float
    availability_percent: float | None
    """None while the prober has not observed the service in the period."""
    downtime_minutes: float
    budget_minutes: float
    """Downtime the objective allows in the whole calendar period."""
    budget_left_percent: float
    """Share of that budget not yet spent; negative once overspent."""
    firing_alerts: tuple[str, ...]


def by_service(samples: list[tuple[dict[str, str], float]]) -> dict[str, float]:
    """Values of samples labelled with a service."""
    return {labels["service"]: value for labels, value in samples if "service" in labels}


class Window(Protocol):
    """A calendar period being reported: how much of it has passed, how long it is."""

    @property
    def elapsed_seconds(self) -> int: ...

    @property
    def length_seconds(self) -> float: ...


def month_figures(inventory: Inventory, month: Window, ask: Ask) -> list[ServiceFigures]:
    """Each catalog service's figures, from three queries evaluated at the period's end
    (a month's `now`, an evaluation period's `as_of`)."""
    window = f"{month.elapsed_seconds}s"
    down = by_service(ask(per_service("increase", COUNTER_DOWN, window)))
    observed = by_service(ask(per_service("increase", COUNTER_OBSERVED, window)))
    alerts: dict[str, list[str]] = {}
    for labels, _ in ask(FIRING_ALERTS):
        alerts.setdefault(labels.get("service", ""), []).append(labels.get("alertname", "?"))
    figures = []
    for service_id, service in sorted(inventory.services.items()):
        objective = service.objective.availability_percent
        # increase() extrapolates each counter to the window's edges on its own, so a
        # service down the whole window can come out a little more down than observed.
        seen = observed.get(service_id, 0.0)
        down_seconds = min(down.get(service_id, 0.0), seen)
        budget = (1 - objective / 100) * month.length_seconds / 60
        downtime = down_seconds / 60
        figures.append(
            ServiceFigures(
                service=service_id,
                objective_percent=objective,
                availability_percent=100 * (1 - down_seconds / seen) if seen > 0 else None,
                downtime_minutes=downtime,
                budget_minutes=budget,
                budget_left_percent=100 * (budget - downtime) / budget if budget > 0 else 0.0,
                firing_alerts=tuple(sorted(alerts.get(service_id, []))),
            )
        )
    return figures


def table(figures: list[ServiceFigures], month: Month, zone: str) -> str:
    """The figures as an aligned text table under a line naming the period."""
    since = month.start.strftime("%Y-%m-%d %H:%M %Z")
    title = (
        f"availability {month.start:%B %Y} so far ({zone}): since {since},"
        f" as of {month.now:%Y-%m-%d %H:%M}"
    )
    header = ("SERVICE", "AVAILABILITY", "OBJECTIVE", "DOWNTIME", "BUDGET LEFT", "FIRING")
    rows = [header]
    for figure in figures:
        shown = figure.availability_percent
        rows.append(
            (
                figure.service,
                "not observed" if shown is None else f"{shown:.3f} %",
                f"{figure.objective_percent:g} %",
                f"{figure.downtime_minutes:.1f} min",
                f"{figure.budget_left_percent:.1f} % of {figure.budget_minutes:.0f} min",
                ", ".join(figure.firing_alerts) or "-",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join([title, *lines]) + "\n"


def monitoring_host(inventory: Inventory) -> SshTarget:
    """How to reach the (first) monitoring host, where Prometheus serves HTTPS (asked there
    with the host's own CA and credentials, `rampart.prometheus.LOOPBACK_URL`)."""
    group = inventory.groups.get(MONITORING_GROUP)
    if group is None or not group.hosts:
        raise ConfigError(f"inventory {inventory.directory} has no host in group 'monitoring'")
    host = group.hosts[0]
    return target_from_vars(host, inventory.hosts[host].vars)


@dataclass(frozen=True)
class PrometheusSource:
    """Where the reports ask Prometheus: on the monitoring host over SSH, or
    directly at $RAMPART_PROMETHEUS_URL when that is set."""

    base: str
    through: SshTarget | None

    @classmethod
    def of(cls, inventory: Inventory) -> PrometheusSource:
        direct = os.environ.get("RAMPART_PROMETHEUS_URL")
        return cls(direct or LOOPBACK_URL, None if direct else monitoring_host(inventory))

    def answered(self, what: str, asking: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The successful answer of `asking`; one line naming `what` failed otherwise."""
        try:
            answer = asking()
        except PrometheusError as error:
            reason = str(error).splitlines()[0]
            raise PrometheusError(f"{reason} (is the lab up? `rampart lab up`)") from error
        if answer.get("status") != "success":
            raise PrometheusError(f"Prometheus refused {what}: {answer.get('error', answer)}")
        return answer

    def instant(self, query: str, at: float) -> list[tuple[dict[str, str], float]]:
        """An instant query's samples, evaluated `at` a Unix time."""
        return vector(
            self.answered(
                query, lambda: instant_query(self.base, query, through=self.through, at=at)
            )
        )


def report_availability(inventory_path: Path, as_json: bool, now: datetime | None = None) -> int:
    """Print this month's figures as a table or JSON."""
    inventory = load_inventory(inventory_path)
    zone = inventory.time_zone
    month = Month.of((now or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)))
    source = PrometheusSource.of(inventory)
    figures = month_figures(
        inventory, month, lambda query: source.instant(query, month.now.timestamp())
    )
    if as_json:
        document = {
            "period": {
                "month": f"{month.start:%Y-%m}",
                "time_zone": zone,
                "start": month.start.isoformat(),
                "now": month.now.isoformat(),
                "end": month.end.isoformat(),
            },
            "services": [asdict(figure) for figure in figures],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(table(figures, month, zone))
    return 0
