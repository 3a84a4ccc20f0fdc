"""The calendar periods an evaluation covers: a month (`2026-11`) or a quarter (`2026-Q4`),
beginning and ending at midnight in the company's time zone."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rampart.errors import ConfigError


def add_period_options(parser: argparse.ArgumentParser) -> None:
    """`--month YYYY-MM` or `--quarter YYYY-Qn`, exactly one (the evaluation, the evidence)."""
    period = parser.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    period.add_argument("--quarter", metavar="YYYY-Qn", help="a calendar quarter, e.g. 2026-Q4")


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q(\d)")


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter, evaluated up to `as_of` (its end, or now if sooner)."""

    kind: str
    """`month` or `quarter`."""
    label: str
    """`2026-11` or `2026-Q4`."""
    start: datetime
    end: datetime
    as_of: datetime

    @property
    def complete(self) -> bool:
        """Whether the period is over; if not, its figures are to date."""
        return self.as_of >= self.end

    @property
    def elapsed_seconds(self) -> int:
        """Whole seconds from the start to `as_of` (at least 1, for a range selector)."""
        return max(1, int(self.as_of.timestamp() - self.start.timestamp()))

    @property
    def length_seconds(self) -> float:
        """How long the whole period is (a daylight-saving change included)."""
        return self.end.timestamp() - self.start.timestamp()

    @property
    def title(self) -> str:
        """`November 2026` or `2026 Q4 (October to December)`."""
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        last = _month_start(self.start.year, self.start.month + 2, self.start.tzinfo)
        return (
            f"{self.start.year} Q{(self.start.month - 1) // 3 + 1} ({self.start:%B} to {last:%B})"
        )

    def months(self) -> list[Period]:
        """The months of a quarter that have begun by `as_of` (a month: itself)."""
        if self.kind == "month":
            return [self]
        zone = self.start.tzinfo
        starts = [
            _month_start(self.start.year, self.start.month + index, zone) for index in range(3)
        ]
        return [
            month_period(f"{start:%Y-%m}", self.as_of, argument="--quarter")
            for start in starts
            if start <= self.as_of
        ]


def _month_start(year: int, month: int, zone: object) -> datetime:
    """Midnight on the 1st of `month` (13 is January of the next year) in `zone`."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    assert isinstance(zone, ZoneInfo)
    return datetime(year, month, 1, tzinfo=zone)


def _checked(
    kind: str, label: str, start: datetime, end: datetime, now: datetime, argument: str
) -> Period:
    if start >= now:
        raise ConfigError(
            f"{argument} {label}: the {kind} has not begun"
            f" (it is {now:%Y-%m-%d %H:%M} in {now.tzinfo})"
        )
    return Period(kind, label, start, end, min(now, end))


def month_period(label: str, now: datetime, argument: str = "--month") -> Period:
    """The month `YYYY-MM` in `now`'s time zone, evaluated up to `now`."""
    match = _MONTH.fullmatch(label)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ConfigError(f"{argument} {label}: not a month; give YYYY-MM, e.g. 2026-11")
    year, month = int(match.group(1)), int(match.group(2))
    start = _month_start(year, month, now.tzinfo)
    return _checked("month", label, start, _month_start(year, month + 1, now.tzinfo), now, argument)


def quarter_period(label: str, now: datetime) -> Period:
    """The quarter `YYYY-Qn` in `now`'s time zone, evaluated up to `now`."""
    match = _QUARTER.fullmatch(label)
    if match is None or not 1 <= int(match.group(2)) <= 4:
        raise ConfigError(
            f"--quarter {label}: not a quarter; give YYYY-Qn (n 1 to 4), e.g. 2026-Q4"
        )
    year, first = int(match.group(1)), 3 * int(match.group(2)) - 2
    start = _month_start(year, first, now.tzinfo)
    return _checked(
        "quarter", label, start, _month_start(year, first + 3, now.tzinfo), now, "--quarter"
    )
