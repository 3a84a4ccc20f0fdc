"""Prometheus durations (`30s`, `1m30s`, `15d`), as the inventory, Prometheus and
Alertmanager write them: read into seconds, and written back."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(text: str) -> float | None:
    """A duration (`15d`, `1y`, `2w3d`) in seconds; None for `0s` or nonsense."""
    parts = _PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    total = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    return total or None


def text(value: float) -> str:
    """Seconds as a duration Alertmanager and Prometheus read, to the millisecond: `52s500ms`."""
    left = round(value * 1000)
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
