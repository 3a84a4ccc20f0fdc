"""The prober's /metrics answer: Prometheus text built when results change, not per scrape.

A scrape calls `AvailabilityExposition.body()`. It takes a `Snapshot`; when the state's
generation (bumped by every result) and the services' maintenance flags are those of the
last build, it returns the same bytes again. Otherwise it rebuilds, re-rendering only the
checks whose latest result changed since (each check's lines are kept as text), and joins.
Nothing exported depends on the moment of the scrape: a check's latest run is a timestamp,
not an age, and the service clocks move with results, so unchanged results give identical
bytes. The data source is injected, so tests feed it fixed results.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rampart.exporters.availability.state import BUCKETS, LatestOutcome, Snapshot

PREFIX = "rampart_availability_"


def _number(value: float) -> str:
    """A sample value as the text format writes it: Python's shortest repr, +Inf, -Inf, NaN."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return "NaN" if math.isnan(value) else repr(float(value))


BOUNDS = tuple(_number(bound) for bound in (*BUCKETS, math.inf))


def _escape(value: str) -> str:
    """A label value as the text format quotes it."""
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(**labels: str) -> str:
    """`{a="x",b="y"}` with the names sorted, as prometheus_client writes them."""
    return "{" + ",".join(f'{name}="{_escape(labels[name])}"' for name in sorted(labels)) + "}"


def _header(name: str, kind: str, help_text: str) -> str:
    return f"# HELP {PREFIX}{name} {help_text}\n# TYPE {PREFIX}{name} {kind}\n"


SERVICE_FAMILIES = {
    "up": _header(
        "up", "gauge", "1 when every critical check of the service passes, 0 when one fails."
    ),
    "maintenance": _header(
        "maintenance", "gauge", "1 while a planned maintenance window of the service is open."
    ),
    "objective_ratio": _header(
        "objective_ratio",
        "gauge",
        "The availability the catalog promises for the service, as a ratio.",
    ),
    "response_time_objective_seconds": _header(
        "response_time_objective_seconds",
        "gauge",
        "The response time the catalog promises for the service.",
    ),
    "observed_seconds_total": _header(
        "observed_seconds_total",
        "counter",
        "Seconds the prober knew the service's state outside maintenance windows.",
    ),
    "down_seconds_total": _header(
        "down_seconds_total", "counter", "Seconds the service was down outside maintenance windows."
    ),
}
CHECK_FAMILIES = {
    "check_success": _header("check_success", "gauge", "1 when the check's latest probe passed."),
    "check_duration_seconds": _header(
        "check_duration_seconds", "gauge", "How long the check's latest probe took."
    ),
    "check_finished_timestamp_seconds": _header(
        "check_finished_timestamp_seconds",
        "gauge",
        "When the check's latest probe finished (Unix time).",
    ),
    "certificate_expiry_timestamp_seconds": _header(
        "certificate_expiry_timestamp_seconds",
        "gauge",
        "When the certificate the HTTPS check saw expires.",
    ),
    "response_time_seconds": _header(
        "response_time_seconds", "histogram", "Response times of the check's probes (REG-7.1.3)."
    ),
}
CONFIGURED = _header("checks_configured", "gauge", "Checks the prober is configured to run.")


@dataclass(frozen=True)
class _CheckTemplates:
    """A check's lines as bytes %-templates, names and labels escaped once; values go in.

    Values are finite floats (durations, times), written by `%r`: Python's shortest repr.
    """

    success: bytes
    duration: bytes
    finished: bytes
    expiry: bytes
    histogram: bytes  # the cumulative bucket counts, the count, the sum

    @classmethod
    def of(cls, result: LatestOutcome) -> _CheckTemplates:
        check = result.check
        key = {"service": check.service, "host": check.host, "check": check.name}
        full = _labels(**key, type=check.type, critical=str(check.critical).lower())
        short = _labels(**key)
        histogram = f"{PREFIX}response_time_seconds"
        buckets = [f"{histogram}_bucket{_labels(**key, le=bound)}" for bound in BOUNDS]

        def template(*lines: tuple[str, str]) -> bytes:
            """Sample names with labels (a label's "%" kept as text) and value formats."""
            return "".join(f"{name.replace('%', '%%')} {value}\n" for name, value in lines).encode()

        return cls(
            template((f"{PREFIX}check_success{full}", "%b")),
            template((f"{PREFIX}check_duration_seconds{full}", "%r")),
            template((f"{PREFIX}check_finished_timestamp_seconds{full}", "%r")),
            template((f"{PREFIX}certificate_expiry_timestamp_seconds{short}", "%r")),
            template(
                *((bucket, "%d.0") for bucket in buckets),
                (f"{histogram}_count{short}", "%d.0"),
                (f"{histogram}_sum{short}", "%r"),
            ),
        )


def _check_lines(result: LatestOutcome, templates: _CheckTemplates) -> tuple[bytes, ...]:
    """One check's lines in each per-check family, in CHECK_FAMILIES order."""
    outcome, histogram = result.outcome, result.histogram
    expiry = outcome.certificate_expiry
    cumulative = tuple(itertools.accumulate(histogram.counts))
    return (
        templates.success % (b"1.0" if outcome.success else b"0.0"),
        templates.duration % float(outcome.duration_seconds),
        templates.finished % float(result.finished_at),
        b"" if expiry is None else templates.expiry % float(expiry),
        templates.histogram % (*cumulative, cumulative[-1], float(histogram.total)),
    )


def _service_text(snapshot: Snapshot) -> Iterable[str]:
    """The service-level families, one sample per service (100 services: cheap to redo)."""
    lines: dict[str, list[str]] = {name: [] for name in SERVICE_FAMILIES}
    for status in snapshot.services:
        service = _labels(service=status.service.id)
        if status.up is not None:
            lines["up"].append(f"{PREFIX}up{service} {'1.0' if status.up else '0.0'}\n")
        lines["maintenance"].append(
            f"{PREFIX}maintenance{service} {'1.0' if status.in_maintenance else '0.0'}\n"
        )
        lines["objective_ratio"].append(
            f"{PREFIX}objective_ratio{service} {_number(status.service.objective_ratio)}\n"
        )
        if status.service.response_time_seconds is not None:
            lines["response_time_objective_seconds"].append(
                f"{PREFIX}response_time_objective_seconds{service} "
                f"{_number(status.service.response_time_seconds)}\n"
            )
        lines["observed_seconds_total"].append(
            f"{PREFIX}observed_seconds_total{service} {_number(status.observed_seconds)}\n"
        )
        lines["down_seconds_total"].append(
            f"{PREFIX}down_seconds_total{service} {_number(status.down_seconds)}\n"
        )
    for name, header in SERVICE_FAMILIES.items():
        yield header
        yield from lines[name]


class AvailabilityExposition:
    """Per-service up, maintenance, objectives and clocks; per-check result and histogram."""

    def __init__(self, source: Callable[[], Snapshot]) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._built_for: tuple[int, tuple[bool, ...]] | None = None
        self._body = b""
        # Per check, at its place in `Snapshot.results`: its templates, the result its
        # lines were rendered from, and its lines in each per-check family.
        self._templates: list[_CheckTemplates] = []
        self._rendered: list[LatestOutcome] = []
        self._families: tuple[list[bytes], ...] = tuple([] for _ in CHECK_FAMILIES)

    def body(self) -> bytes:
        """The exposition of the latest snapshot; the same bytes while nothing changed."""
        with self._lock:  # one build at a time, each from a snapshot newer than the last
            snapshot = self._source()
            version = (snapshot.generation, tuple(s.in_maintenance for s in snapshot.services))
            if version != self._built_for:
                self._body = self._build(snapshot)
                self._built_for = version
            return self._body

    def _build(self, snapshot: Snapshot) -> bytes:
        """Re-render the checks whose result changed, then join every family."""
        rendered, families = self._rendered, self._families
        for place, result in enumerate(snapshot.results):
            if place == len(rendered):  # a check's first result: it joins at the end
                self._templates.append(_CheckTemplates.of(result))
                rendered.append(result)
                for family in families:
                    family.append(b"")
            elif rendered[place] is result:
                continue
            rendered[place] = result
            lines = _check_lines(result, self._templates[place])
            for family, line in zip(families, lines, strict=True):
                family[place] = line
        parts = [text.encode() for text in _service_text(snapshot)]
        for header, family in zip(CHECK_FAMILIES.values(), families, strict=True):
            parts.append(header.encode())
            parts.extend(family)
        parts.append(CONFIGURED.encode())
        parts.append(f"{PREFIX}checks_configured {_number(snapshot.checks_configured)}\n".encode())
        return b"".join(parts)
