"""A quarter of the prober's history at known times, written as OpenMetrics and backfilled
with `promtool tsdb create-blocks-from openmetrics` into a Prometheus data folder.

Series as the availability exporter names them (exporters/availability/collector.py),
sampled every four minutes and at every change of state (response-time buckets every half
hour), which a one-minute step sees as a per-minute scrape would: `rampart_availability_up`,
`rampart_availability_maintenance`, the down and observed seconds counters (which leave
maintenance windows out, as the prober does) and the response-time histogram. A scrape
gap is a stretch without any sample, while the prober's counters run on.

promtool 2.42 re-reads its whole input for every two-hour block it writes, so the history
goes in one file per UTC day, each backfilled on its own.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

STEP = 60
HEARTBEAT = 240
"""Seconds between samples when nothing changes: under Prometheus' 5-minute lookback, so
every minute step sees the latest state (and no gap is seen where there is none)."""
BUCKET_STEP = 1800
DAY = 86400
LABELS = 'job="rampart-availability"'
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""A subset of the exporter's buckets: enough for the percentiles the report reads."""

Interval = tuple[int, int]
"""[start, end) in Unix seconds, on whole minutes."""


@dataclass(frozen=True)
class ServiceHistory:
    """What happened to one service: when probing began, outages (some inside maintenance),
    maintenance windows, scrape gaps, and the response times of each minute's probes."""

    first: int
    outages: tuple[Interval, ...]
    maintenance: tuple[Interval, ...]
    gaps: tuple[Interval, ...]
    latencies: tuple[float, ...]


def _inside(time: int, intervals: tuple[Interval, ...]) -> bool:
    return any(start <= time < end for start, end in intervals)


def _minutes_inside(intervals: tuple[Interval, ...], before: int, first: int) -> int:
    """Whole minutes of `intervals` between `first` and `before`."""
    return sum(max(0, min(end, before) - max(start, first)) for start, end in intervals) // STEP


def _sample_times(history: ServiceHistory, end: int) -> list[int]:
    """A heartbeat, every change of state, and the last sample before and first after each
    gap (the edges are exact to the minute); none inside a gap."""
    times = set(range(history.first, end + 1, HEARTBEAT))
    for start, stop in (*history.outages, *history.maintenance):
        times.update((start, stop))
    for start, stop in history.gaps:
        times.update((start - STEP, stop))
    return sorted(time for time in times if not _inside(time, history.gaps) and time <= end)


def _series_lines(service: str, history: ServiceHistory, end: int) -> dict[str, list[str]]:
    """Per metric family, the sample lines of the service, in time order."""
    # Down seconds outside maintenance: outages minus their overlap with the windows.
    counted = tuple(
        (max(start, m_start), min(stop, m_stop))
        for start, stop in history.outages
        for m_start, m_stop in history.maintenance
        if max(start, m_start) < min(stop, m_stop)
    )
    per_minute = [sum(1 for value in history.latencies if value <= bound) for bound in BUCKETS]
    label = f'{{{LABELS},service="{service}"'
    families: dict[str, list[str]] = {name: [] for name in HEADERS}
    for time in _sample_times(history, end):
        down = _inside(time, history.outages)
        maintenance = _inside(time, history.maintenance)
        # A counter at t holds the seconds counted before t.
        down_total = STEP * (
            _minutes_inside(history.outages, time, history.first)
            - _minutes_inside(counted, time, history.first)
        )
        observed_total = (
            time - history.first - STEP * _minutes_inside(history.maintenance, time, history.first)
        )
        families["up"].append(f"rampart_availability_up{label}}} {0 if down else 1} {time}")
        families["maintenance"].append(
            f"rampart_availability_maintenance{label}}} {1 if maintenance else 0} {time}"
        )
        families["down"].append(
            f"rampart_availability_down_seconds_total{label}}} {down_total} {time}"
        )
        families["observed"].append(
            f"rampart_availability_observed_seconds_total{label}}} {observed_total} {time}"
        )
        if (time - history.first) % BUCKET_STEP == 0:
            minutes = (time - history.first) // STEP
            counts = (*per_minute, len(history.latencies))
            for bound, count in zip((*BUCKETS, "+Inf"), counts, strict=True):
                families["response"].append(
                    f'rampart_availability_response_time_seconds_bucket{label},le="{bound}"}}'
                    f" {count * minutes} {time}"
                )
    return families


HEADERS = {
    "up": "# TYPE rampart_availability_up gauge",
    "maintenance": "# TYPE rampart_availability_maintenance gauge",
    "down": "# TYPE rampart_availability_down_seconds counter",
    "observed": "# TYPE rampart_availability_observed_seconds counter",
    "response": "# TYPE rampart_availability_response_time_seconds histogram",
}


def write_openmetrics(folder: Path, services: dict[str, ServiceHistory], end: int) -> list[Path]:
    """One OpenMetrics file per UTC day of the history; returns their paths."""
    by_day: dict[int, dict[str, list[str]]] = {}
    for service, history in services.items():
        for family, lines in _series_lines(service, history, end).items():
            for line in lines:
                day = int(line.rsplit(" ", 1)[1]) // DAY
                by_day.setdefault(day, {}).setdefault(family, []).append(line)
    paths = []
    for day, families in sorted(by_day.items()):
        path = folder / f"day-{day}.om"
        parts = []
        for family, header in HEADERS.items():
            if families.get(family):
                parts.append(header)
                parts.extend(families[family])
        path.write_text("\n".join(parts) + "\n# EOF\n")
        paths.append(path)
    return paths


def backfill(files: list[Path], data: Path) -> None:
    """Each file into TSDB blocks in `data` (promtool, several at a time)."""
    data.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> None:
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)],
            check=True,
            capture_output=True,
        )

    # promtool mostly waits (on its block writer), so several run at once even on two cores.
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, files))
