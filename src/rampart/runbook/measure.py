"""A drill's times from monitoring's view: when the fault began (the injection), when the
prober's failure reached Prometheus, when the alert fired and when the prober first
passed again, so the RTO and the time to detect are what users and on-call saw, not the
runbook's own steps.

The prober's state is `rampart_availability_up{service=...}` as Prometheus scraped it, read
with a range query at one-second steps from the fault to now; the alert is `ALERTS` in the
same Prometheus. The prober's own count of the downtime
(`rampart_availability_down_seconds_total`) is kept beside them as a cross-check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rampart.errors import ConfigError
from rampart.prometheus import (
    LOOPBACK_URL,
    PrometheusError,
    instant_query,
    matrix,
    range_query,
    vector,
)
from rampart.runbook.context import RunContext
from rampart.runbook.model import Measurement
from rampart.ssh import SshTarget

MAX_POINTS = 10_000
"""Steps per range query (Prometheus allows 11,000)."""
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Measured:
    """What monitoring saw of one fault, as Unix times; None where it saw nothing (yet)."""

    fault_at: float
    prober_down_at: float | None
    alert_fired_at: float | None
    prober_up_at: float | None
    prober_down_seconds: float | None
    source: str
    problem: str = ""

    @property
    def complete(self) -> bool:
        """The prober saw the outage and the recovery after it."""
        return self.prober_down_at is not None and self.prober_up_at is not None

    def journal_fields(self) -> dict[str, Any]:
        """The `measured` journal event's fields."""
        return {
            "fault_at": self.fault_at,
            "prober_down_at": self.prober_down_at,
            "alert_fired_at": self.alert_fired_at,
            "prober_up_at": self.prober_up_at,
            "prober_down_seconds": self.prober_down_seconds,
            "source": self.source,
            "problem": self.problem,
        }


Query = Callable[[str, float, float], dict[str, Any]]
"""A range query (PromQL, start, end) answered with Prometheus' JSON."""
Instant = Callable[[str, float], dict[str, Any]]


def querier(measurement: Measurement, context: RunContext) -> tuple[Query, Instant, str]:
    """Range and instant queries against the Prometheus the measurement names (from the
    monitoring host over SSH, as prometheus steps ask), and where that is in words."""
    through: SshTarget | None = None
    base = measurement.prometheus_url or LOOPBACK_URL
    if measurement.target:
        hosts = context.hosts(measurement.target)
        if len(hosts) != 1:
            raise ConfigError(f"measure.target '{measurement.target}' must be one host")
        through = context.ssh_target(hosts[0])
    elif not measurement.prometheus_url:
        raise ConfigError("measure: set a target (the monitoring host) or a prometheus_url")
    where = f"Prometheus on {through.name}" if through else f"Prometheus at {base}"

    def ranged(query: str, start: float, end: float) -> dict[str, Any]:
        step = max(1, math.ceil((end - start) / MAX_POINTS))
        return range_query(base, query, start, end, step, through=through)

    def instant(query: str, at: float) -> dict[str, Any]:
        return instant_query(base, query, through=through, at=at)

    return ranged, instant, where


def observe(
    measurement: Measurement, fault_at: float, ranged: Query, instant: Instant, where: str
) -> Measured:
    """One look at what Prometheus holds from the fault's start until now."""
    now = time.time()
    service = measurement.service
    up = _points(ranged(f'min(rampart_availability_up{{service="{service}"}})', fault_at, now))
    down_at = next((moment for moment, value in up if value == 0), None)
    up_at = None
    if down_at is not None:
        up_at = next((moment for moment, value in up if moment > down_at and value == 1), None)
    fired_at = None
    if measurement.alert:
        selector = (
            f'ALERTS{{alertname="{measurement.alert}",alertstate="firing",service="{service}"}}'
        )
        fired = _points(ranged(f"max({selector})", fault_at, now))
        fired_at = next((moment for moment, value in fired if value >= 1), None)
    counted = None
    if up_at is not None:
        total = f'sum(rampart_availability_down_seconds_total{{service="{service}"}})'
        before, after = (_value(instant(total, at)) for at in (fault_at, up_at))
        if before is not None and after is not None:
            counted = after - before
    source = f'{where}: rampart_availability_up{{service="{service}"}} (the prober, as scraped)' + (
        f', ALERTS{{alertname="{measurement.alert}"}}' if measurement.alert else ""
    )
    return Measured(fault_at, down_at, fired_at, up_at, counted, source)


def measure(
    measurement: Measurement,
    fault_at: float,
    context: RunContext,
    *,
    poll_seconds: float = POLL_SECONDS,
) -> Measured:
    """Ask until Prometheus shows the prober's failure and its recovery (the prober and the
    scrape lag behind the runbook's own check), or until the measurement's timeout."""
    try:
        ranged, instant, where = querier(measurement, context)
    except ConfigError as error:
        return Measured(fault_at, None, None, None, None, "", str(error))
    deadline = time.monotonic() + measurement.timeout_seconds
    while True:
        try:
            seen = observe(measurement, fault_at, ranged, instant, where)
        except PrometheusError as error:
            seen = Measured(fault_at, None, None, None, None, where, str(error))
        if seen.complete and (seen.alert_fired_at is not None or not measurement.alert):
            return seen
        if time.monotonic() + poll_seconds > deadline:
            missing = (
                "the prober failing"
                if seen.prober_down_at is None
                else "the prober passing again"
                if seen.prober_up_at is None
                else "the alert firing"
            )
            problem = seen.problem or (
                f"{where} did not show {missing} within {measurement.timeout_seconds} s"
            )
            return Measured(**{**seen.journal_fields(), "problem": problem})
        time.sleep(poll_seconds)


def _points(answer: dict[str, Any]) -> list[tuple[float, float]]:
    """The one series of an aggregated range query, [] when there is none."""
    if answer.get("status") not in (None, "success"):
        raise PrometheusError(f"query refused: {answer.get('error', answer)}")
    series = matrix(answer)
    return series[0][1] if series else []


def _value(answer: dict[str, Any]) -> float | None:
    samples = vector(answer)
    return samples[0][1] if samples else None
