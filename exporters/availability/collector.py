"""Turns a `Snapshot` into fresh metric families at each scrape (prometheus_client Collector).

The data source is injected (a callable returning a snapshot), so tests feed it fixed
results; the exporter passes `AvailabilityState.snapshot`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from rampart.exporters.availability.state import BUCKETS, Snapshot

CHECK_LABELS = ["service", "host", "check", "type", "critical"]


class AvailabilityCollector(Collector):
    """Per-check success, duration and age; per-service up, maintenance, objective, clocks."""

    def __init__(self, source: Callable[[], Snapshot]) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        """Build every family from one snapshot."""
        snapshot = self._source()
        yield from self._service_families(snapshot)
        yield from self._check_families(snapshot)
        configured = GaugeMetricFamily(
            "rampart_availability_checks_configured", "Checks the prober is configured to run."
        )
        configured.add_metric([], snapshot.checks_configured)
        yield configured

    @staticmethod
    def _service_families(snapshot: Snapshot) -> Iterator[Metric]:
        """One sample per service for each service-level family."""
        up = GaugeMetricFamily(
            "rampart_availability_up",
            "1 when every critical check of the service passes, 0 when one fails.",
            labels=["service"],
        )
        maintenance = GaugeMetricFamily(
            "rampart_availability_maintenance",
            "1 while a planned maintenance window of the service is open.",
            labels=["service"],
        )
        objective = GaugeMetricFamily(
            "rampart_availability_objective_ratio",
            "The availability the catalog promises for the service, as a ratio.",
            labels=["service"],
        )
        response_objective = GaugeMetricFamily(
            "rampart_availability_response_time_objective_seconds",
            "The response time the catalog promises for the service.",
            labels=["service"],
        )
        observed = CounterMetricFamily(
            "rampart_availability_observed_seconds",
            "Seconds the prober knew the service's state outside maintenance windows.",
            labels=["service"],
        )
        down = CounterMetricFamily(
            "rampart_availability_down_seconds",
            "Seconds the service was down outside maintenance windows.",
            labels=["service"],
        )
        for status in snapshot.services:
            labels = [status.service.id]
            if status.up is not None:
                up.add_metric(labels, 1 if status.up else 0)
            maintenance.add_metric(labels, 1 if status.in_maintenance else 0)
            objective.add_metric(labels, status.service.objective_ratio)
            if status.service.response_time_seconds is not None:
                response_objective.add_metric(labels, status.service.response_time_seconds)
            observed.add_metric(labels, status.observed_seconds)
            down.add_metric(labels, status.down_seconds)
        yield from (up, maintenance, objective, response_objective, observed, down)

    @staticmethod
    def _check_families(snapshot: Snapshot) -> Iterator[Metric]:
        """One sample per check that has reported, plus its response-time histogram."""
        success = GaugeMetricFamily(
            "rampart_availability_check_success",
            "1 when the check's latest probe passed.",
            labels=CHECK_LABELS,
        )
        duration = GaugeMetricFamily(
            "rampart_availability_check_duration_seconds",
            "How long the check's latest probe took.",
            labels=CHECK_LABELS,
        )
        age = GaugeMetricFamily(
            "rampart_availability_check_age_seconds",
            "Seconds since the check's latest probe finished.",
            labels=CHECK_LABELS,
        )
        expiry = GaugeMetricFamily(
            "rampart_availability_certificate_expiry_timestamp_seconds",
            "When the certificate the HTTPS check saw expires.",
            labels=["service", "host", "check"],
        )
        histogram = HistogramMetricFamily(
            "rampart_availability_response_time_seconds",
            "Response times of the check's probes (REG-7.1.3).",
            labels=["service", "host", "check"],
        )
        for result in snapshot.results:
            check = result.check
            labels = [
                check.service,
                check.host,
                check.name,
                check.type,
                str(check.critical).lower(),
            ]
            success.add_metric(labels, 1 if result.outcome.success else 0)
            duration.add_metric(labels, result.outcome.duration_seconds)
            age.add_metric(labels, max(0.0, snapshot.taken_at - result.finished_at))
            if result.outcome.certificate_expiry is not None:
                expiry.add_metric(list(check.key), result.outcome.certificate_expiry)
            observations = snapshot.histograms[check.key]
            cumulative, buckets = 0, []
            for bound, count in zip((*BUCKETS, float("inf")), observations.counts, strict=True):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            histogram.add_metric(list(check.key), buckets, observations.total)
        yield from (success, duration, age, expiry, histogram)
