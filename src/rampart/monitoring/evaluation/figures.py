"""The figures of an evaluation period, asked from Prometheus at the period's boundaries.

Availability, downtime and the error budget are increases of the prober's counters over
exactly the period (evaluated at its end, the window reaching back to its start), as in
`rampart report availability`: maintenance windows are already left out by the prober.
Incidents, the time spent in maintenance and scrape gaps come from range queries stepped
every minute from the period's start, so each is known to the minute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rampart import prometheus_duration
from rampart.inventory import Inventory, Service
from rampart.monitoring.evaluation.period import Period
from rampart.monitoring.report import PrometheusSource, ServiceFigures, month_figures
from rampart.prometheus import flags, matrix, range_query

STEP_SECONDS = 60
"""The resolution of incidents, maintenance and gaps: one minute."""
CHUNK_STEPS = 10080
"""Steps per range query (a week of minutes; Prometheus allows 11,000)."""
GAP_WINDOW = "5m"
GAP_SECONDS = 300
"""A service with no sample for longer than this has a scrape gap: Prometheus' lookback,
so a shorter pause changes no figure (the last sample still holds)."""
QUANTILES = (0.5, 0.95, 0.99)
PARALLEL_QUERIES = 4
"""Queries in flight at once (each may be an SSH round trip to the monitoring host)."""
DOWN = "min by (service) (rampart_availability_up) == 0"
IN_MAINTENANCE = "max by (service) (rampart_availability_maintenance) == 1"
RESPONSE_BUCKETS = "rampart_availability_response_time_seconds_bucket"
GAP_SERIES = "rampart_availability_observed_seconds_total"
RETENTION_FLAG = "storage.tsdb.retention.time"
# Timeline: for each service, the Unix times (steps) at which something held.
Timeline = dict[str, set[float]]


@dataclass(frozen=True)
class Span:
    """A stretch of time in the period: an incident, a maintenance window or a gap."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Maintenance:
    """A catalog maintenance window, cut to the period, and the service's time down in it
    (which does not count against the objective)."""

    span: Span
    reason: str
    down_minutes: float


@dataclass(frozen=True)
class ResponseTimes:
    """Response-time percentiles of the period's probes against the catalog's objective."""

    objective_seconds: float | None
    percentiles: dict[str, float | None]
    """`p50`, `p95`, `p99` in seconds; None without probes."""

    @property
    def meets_objective(self) -> bool | None:
        """p95 within the objective (None without an objective or probes)."""
        p95 = self.percentiles.get("p95")
        if self.objective_seconds is None or p95 is None:
            return None
        return p95 <= self.objective_seconds


@dataclass(frozen=True)
class ServiceEvaluation:
    """One service in one period."""

    figures: ServiceFigures
    owner: str
    incidents: tuple[Span, ...]
    maintenance: tuple[Maintenance, ...]
    gaps: tuple[Span, ...]
    first_sample: datetime | None
    """When the prober's series begins, if after the period's start (added mid-period)."""
    response: ResponseTimes

    @property
    def meets_objective(self) -> bool | None:
        shown = self.figures.availability_percent
        return None if shown is None else shown >= self.figures.objective_percent


@dataclass(frozen=True)
class Evaluation:
    """A period's figures for every catalog service, the gaps in them, and (for a
    quarter) each month's evaluation."""

    period: Period
    services: tuple[ServiceEvaluation, ...]
    retention: str | None
    notes: tuple[str, ...]
    """Gaps and limits of the figures, in words, for the reader."""
    months: tuple[Evaluation, ...] = ()


def retention_note(retention: str | None, period: Period) -> str | None:
    """What the reader must know when Prometheus keeps less than the period."""
    seconds = prometheus_duration.seconds(retention or "")
    if seconds is None:
        return None
    kept_from = period.as_of - timedelta(seconds=seconds)
    if kept_from <= period.start:
        return None
    return (
        f"Prometheus keeps {retention} of data: nothing before {kept_from:%Y-%m-%d %H:%M}"
        f" is left, so the figures cover only {seconds / 86400:g} of the period's"
        f" {period.elapsed_seconds / 86400:.0f} days"
    )


def chunks(period: Period) -> list[tuple[float, float]]:
    """The period's first and last step times, cut into range queries of CHUNK_STEPS."""
    start, end = period.start.timestamp(), period.as_of.timestamp()
    found = []
    while start <= end:
        last = min(end, start + (CHUNK_STEPS - 1) * STEP_SECONDS)
        found.append((start, last))
        start = last + STEP_SECONDS
    return found


def timeline_query(services: Iterable[str]) -> str:
    """One query for the three minute-by-minute facts, told apart by a `fact` label: down,
    in maintenance, and absent (no sample of the service for GAP_WINDOW)."""
    absent = " or ".join(
        f'absent_over_time({GAP_SERIES}{{service="{service}"}}[{GAP_WINDOW}])'
        for service in services
    )
    return " or ".join(
        f'label_replace({expression}, "fact", "{fact}", "", "")'
        for fact, expression in (
            ("down", DOWN),
            ("maintenance", IN_MAINTENANCE),
            ("absent", absent),
        )
    )


def ask_timelines(source: PrometheusSource, inventory: Inventory, period: Period) -> Timelines:
    """The period's facts, step by step, asked a week at a time (in parallel)."""
    query = timeline_query(sorted(inventory.services))
    facts: dict[str, Timeline] = {"down": {}, "maintenance": {}, "absent": {}}

    def ask(chunk: tuple[float, float]) -> dict[str, Any]:
        return source.answered(
            query,
            lambda: range_query(
                source.base, query, chunk[0], chunk[1], STEP_SECONDS, through=source.through
            ),
        )

    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
        for answer in pool.map(ask, chunks(period)):
            for labels, values in matrix(answer):
                if "service" in labels and labels.get("fact") in facts:
                    held = facts[labels["fact"]].setdefault(labels["service"], set())
                    held.update(time for time, _ in values)
    return Timelines(facts["down"], facts["maintenance"], facts["absent"])


def runs(times: Iterable[float], zone: Any, until: float) -> tuple[Span, ...]:
    """Consecutive steps as spans: each from its first step to the step after its last
    (or `until`, the period's end, if it lasts that long)."""
    spans: list[Span] = []
    begin: float | None = None
    previous = 0.0
    for time in sorted(times):
        if begin is None:
            begin = time
        elif time - previous > STEP_SECONDS:
            spans.append(_span(begin, previous + STEP_SECONDS, zone, until))
            begin = time
        previous = time
    if begin is not None:
        spans.append(_span(begin, previous + STEP_SECONDS, zone, until))
    return tuple(spans)


def _span(begin: float, end: float, zone: Any, until: float) -> Span:
    return Span(datetime.fromtimestamp(begin, zone), datetime.fromtimestamp(min(end, until), zone))


def maintenance_windows(
    service: Service, period: Period, down: set[float]
) -> tuple[Maintenance, ...]:
    """The catalog's windows of `service` that overlap the period, cut to it."""
    windows = []
    for window in service.maintenance:
        start, end = max(window.start, period.start), min(window.end, period.as_of)
        if start >= end:
            continue
        inside = [time for time in down if start.timestamp() <= time < end.timestamp()]
        zone = period.start.tzinfo
        windows.append(
            Maintenance(
                Span(start.astimezone(zone), end.astimezone(zone)),
                window.reason,
                len(inside) * STEP_SECONDS / 60,
            )
        )
    return tuple(windows)


def response_times(source: PrometheusSource, period: Period) -> dict[str, dict[str, float]]:
    """p50, p95 and p99 per service over the period (histogram buckets' increase)."""
    window = f"{period.elapsed_seconds}s"
    found: dict[str, dict[str, float]] = {}
    for quantile in QUANTILES:
        query = (
            f"histogram_quantile({quantile},"
            f" sum by (service, le) (increase({RESPONSE_BUCKETS}[{window}])))"
        )
        for labels, value in source.instant(query, period.as_of.timestamp()):
            if "service" in labels and not math.isnan(value):
                found.setdefault(labels["service"], {})[f"p{round(quantile * 100)}"] = value
    return found


@dataclass(frozen=True)
class Timelines:
    """The period's minute-by-minute facts, asked once and cut per month."""

    down: Timeline
    maintenance: Timeline
    absent: Timeline


def evaluate_period(
    inventory: Inventory,
    period: Period,
    source: PrometheusSource,
    facts: Timelines,
    retention: str | None,
) -> Evaluation:
    """One period's evaluation, from its counters and the timelines cut to it."""
    at = period.as_of.timestamp()
    figures = month_figures(inventory, period, lambda query: source.instant(query, at))
    percentiles = response_times(source, period)
    zone = period.start.tzinfo
    first, last = period.start.timestamp(), at

    def inside(times: set[float]) -> set[float]:
        # A step at the period's end belongs to the next period.
        return {time for time in times if first <= time < last}

    services, notes = [], []
    note = retention_note(retention, period)
    if note:
        notes.append(note)
    for figure in figures:
        service = inventory.services[figure.service]
        down = inside(facts.down.get(figure.service, set()))
        in_maintenance = inside(facts.maintenance.get(figure.service, set()))
        absent = inside(facts.absent.get(figure.service, set()))
        # A leading run of absent steps is a service not yet probed; later ones are gaps
        # (from the first missing sample: GAP_SECONDS before the first step that noticed).
        absent_runs = runs(absent, zone, last + STEP_SECONDS)
        first_sample: datetime | None = None
        gaps = []
        for index, run in enumerate(absent_runs):
            if index == 0 and run.start.timestamp() == first:
                first_sample = run.end if run.end.timestamp() < last else None
                if first_sample is None:
                    notes.append(f"{figure.service}: no samples in the period (not observed)")
                else:
                    notes.append(
                        f"{figure.service}: first sample at {first_sample:%Y-%m-%d %H:%M}"
                        " (added or first probed during the period); figures from then on"
                    )
                continue
            gap_start = max(first, run.start.timestamp() - GAP_SECONDS)
            gaps.append(Span(datetime.fromtimestamp(gap_start, zone), min(run.end, period.as_of)))
        for gap in gaps:
            notes.append(
                f"{figure.service}: no samples from {gap.start:%Y-%m-%d %H:%M}"
                f" to {gap.end:%Y-%m-%d %H:%M} ({gap.minutes:.0f} min scrape gap)"
            )
        services.append(
            ServiceEvaluation(
                figures=figure,
                owner=service.owner,
                incidents=runs(down - in_maintenance, zone, last),
                maintenance=maintenance_windows(service, period, down & in_maintenance),
                gaps=tuple(gaps),
                first_sample=first_sample,
                response=ResponseTimes(
                    service.objective.response_time_seconds,
                    {
                        f"p{round(quantile * 100)}": percentiles.get(figure.service, {}).get(
                            f"p{round(quantile * 100)}"
                        )
                        for quantile in QUANTILES
                    },
                ),
            )
        )
    if not period.complete:
        notes.insert(
            0,
            f"the {period.kind} is not over: figures to date, as of {period.as_of:%Y-%m-%d %H:%M}",
        )
    return Evaluation(period, tuple(services), retention, tuple(notes))


def evaluate(inventory: Inventory, period: Period, source: PrometheusSource) -> Evaluation:
    """The period's evaluation; a quarter's carries each of its months' too."""
    retention = flags(source.base, through=source.through).get(RETENTION_FLAG)
    facts = ask_timelines(source, inventory, period)
    evaluation = evaluate_period(inventory, period, source, facts, retention)
    if period.kind == "month":
        return evaluation
    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
        months = tuple(
            pool.map(
                lambda month: evaluate_period(inventory, month, source, facts, retention),
                period.months(),
            )
        )
    return Evaluation(period, evaluation.services, retention, evaluation.notes, months)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _span_document(span: Span) -> dict[str, Any]:
    return {"start": _time(span.start), "end": _time(span.end), "minutes": round(span.minutes, 3)}


def document(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as JSON-ready data (what `--json` prints and report.json holds)."""
    period = evaluation.period
    result: dict[str, Any] = {
        "period": {
            "kind": period.kind,
            "label": period.label,
            "title": period.title,
            "time_zone": str(period.start.tzinfo),
            "start": _time(period.start),
            "end": _time(period.end),
            "as_of": _time(period.as_of),
            "complete": period.complete,
        },
        "prometheus_retention": evaluation.retention,
        "notes": list(evaluation.notes),
        "services": [
            {
                "service": service.figures.service,
                "owner": service.owner,
                "objective_percent": service.figures.objective_percent,
                "availability_percent": service.figures.availability_percent,
                "meets_objective": service.meets_objective,
                "downtime_minutes": round(service.figures.downtime_minutes, 3),
                "budget_minutes": round(service.figures.budget_minutes, 3),
                "budget_left_percent": round(service.figures.budget_left_percent, 3),
                "incidents": [_span_document(span) for span in service.incidents],
                "maintenance": [
                    {
                        **_span_document(window.span),
                        "reason": window.reason,
                        "down_minutes": window.down_minutes,
                    }
                    for window in service.maintenance
                ],
                "gaps": [_span_document(span) for span in service.gaps],
                "first_sample": _time(service.first_sample),
                "response_time": {
                    "objective_seconds": service.response.objective_seconds,
                    **service.response.percentiles,
                    "meets_objective": service.response.meets_objective,
                },
            }
            for service in evaluation.services
        ],
    }
    if evaluation.months:
        result["months"] = [document(month) for month in evaluation.months]
    return result
