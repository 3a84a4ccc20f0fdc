"""Prometheus durations read into seconds and written back as Alertmanager reads them."""

from __future__ import annotations

from rampart import prometheus_duration


def test_durations_are_read_part_by_part() -> None:
    assert prometheus_duration.seconds("1y2w") == 31536000 + 2 * 604800
    assert prometheus_duration.seconds("1m30s") == 90
    assert prometheus_duration.seconds("250ms") == 0.25


def test_zero_and_nonsense_are_not_durations() -> None:
    for text in ("0s", "", "1m30", "m", "1 m", "1x"):
        assert prometheus_duration.seconds(text) is None, text


def test_seconds_are_written_to_the_millisecond_in_the_largest_units() -> None:
    assert prometheus_duration.text(52.5) == "52s500ms"
    assert prometheus_duration.text(15) == "15s"
    assert prometheus_duration.text(3725.0015) == "1h2m5s2ms"
    for value in (0.25, 90, 86400):
        assert prometheus_duration.seconds(prometheus_duration.text(value)) == value
