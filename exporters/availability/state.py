"""The exporter's memory: the latest outcome of every check and what they add up to.

Probes write here as they finish; a scrape takes a `Snapshot` (a copy made under the lock)
and never waits on a probe. Every recorded result bumps the state's `generation`, so the
exposition knows when it must be rebuilt. Down time is counted per service by the prober
itself, from one result to the next, outside maintenance windows, so the rules can sum
minutes exactly; a scrape only reads the clocks, so what it exports changes only with a
result (or when a maintenance window opens or closes).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rampart.checks import Outcome, ProbeCheck
from rampart.exporters.availability.config import ExporterConfig, ProbeService

# Response-time buckets in seconds (REG-7.1.3): from a LAN hop to a timeout.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Histogram:
    """Cumulative response-time observations of one check (per bucket; the last is +Inf)."""

    counts: tuple[int, ...] = (0,) * (len(BUCKETS) + 1)
    total: float = 0.0

    def observe(self, seconds: float) -> Histogram:
        """These observations and one more, in its bucket."""
        index = bisect.bisect_left(BUCKETS, seconds)
        counts = (*self.counts[:index], self.counts[index] + 1, *self.counts[index + 1 :])
        return Histogram(counts, self.total + seconds)


@dataclass(frozen=True)
class LatestOutcome:
    """The latest outcome of one check, when it arrived (Unix time), and all its durations."""

    check: ProbeCheck
    outcome: Outcome
    finished_at: float
    histogram: Histogram


@dataclass
class ServiceClock:
    """Seconds a service was observed (outside maintenance) and seconds it was down."""

    observed_seconds: float = 0.0
    down_seconds: float = 0.0
    counted_until: float | None = None
    up: bool | None = None


@dataclass(frozen=True)
class ServiceStatus:
    """A service at snapshot time: up (None until every critical check reported once)."""

    service: ProbeService
    up: bool | None
    in_maintenance: bool
    observed_seconds: float
    down_seconds: float


@dataclass(frozen=True)
class Snapshot:
    """Everything one scrape exports, copied at one moment; `generation` counts results.

    `results` are in the order the checks first reported, and a check keeps its place.
    """

    generation: int
    taken_at: float
    results: tuple[LatestOutcome, ...]
    services: tuple[ServiceStatus, ...]
    checks_configured: int


class AvailabilityState:
    """Thread-safe store of results; `record` from probe threads, `snapshot` from scrapes."""

    def __init__(self, config: ExporterConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = 0
        self._results: dict[tuple[str, str, str], LatestOutcome] = {}
        self._clocks = {service.id: ServiceClock() for service in config.services}
        self._by_id = {service.id: service for service in config.services}
        self._checks_configured = len({check.key for check in config.checks})

    def record(self, check: ProbeCheck, outcome: Outcome) -> None:
        """Keep a probe's outcome and bring its service's clock up to now."""
        with self._lock:
            now = self._clock()
            service = self._by_id[check.service]
            self._account(service, now)
            previous = self._results.get(check.key)
            histogram = previous.histogram if previous is not None else Histogram()
            self._results[check.key] = LatestOutcome(
                check, outcome, now, histogram.observe(outcome.duration_seconds)
            )
            self._clocks[check.service].up = self._service_up(service)
            self._generation += 1

    def _service_up(self, service: ProbeService) -> bool | None:
        """Up when every critical check passes; None while one has not reported yet."""
        critical = [self._results.get(check.key) for check in service.checks if check.critical]
        if any(result is None for result in critical):
            return None
        return all(result.outcome.success for result in critical if result is not None)

    def _account(self, service: ProbeService, now: float) -> None:
        """Add the time since the last accounting to the service's status at that time."""
        clock = self._clocks[service.id]
        if clock.counted_until is not None and clock.up is not None:
            start = clock.counted_until
            counted = max(0.0, now - start - service.maintenance_seconds(start, now))
            clock.observed_seconds += counted
            if not clock.up:
                clock.down_seconds += counted
        clock.counted_until = now

    def snapshot(self) -> Snapshot:
        """A consistent copy of every result and clock, for one scrape (changes nothing)."""
        with self._lock:
            now = self._clock()
            statuses = tuple(
                ServiceStatus(
                    service,
                    self._clocks[service.id].up,
                    service.in_maintenance(now),
                    self._clocks[service.id].observed_seconds,
                    self._clocks[service.id].down_seconds,
                )
                for service in self._config.services
            )
            return Snapshot(
                generation=self._generation,
                taken_at=now,
                results=tuple(self._results.values()),
                services=statuses,
                checks_configured=self._checks_configured,
            )
