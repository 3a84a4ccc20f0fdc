"""The availability rules (REG-7.1, REG-7.2), generated from one list of burn-rate alerts.

Like the monitoring mixins (kubernetes-mixin, Sloth), the windowed error ratios are not
written out per window: every window an alert reads is recorded once, from one expression,
and the reports' periods come from one table. `monitoring/rules/availability.yml` is this
module's output, committed so Prometheus, promtool and reviewers read plain YAML;
`make rules` writes it (`rampart.monitoring.rules`) and `make lint` fails when it is not
what this module makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rampart import prometheus_duration
from rampart.monitoring.rules_yaml import Prose, render_group

COUNTER_DOWN = "rampart_availability_down_seconds_total"
COUNTER_OBSERVED = "rampart_availability_observed_seconds_total"
RUNBOOK = "runbooks/service-outage.yml"


@dataclass(frozen=True)
class BurnRateCondition:
    """Both windows spend the error budget `factor` times faster than the objective allows."""

    long_window: str
    short_window: str
    factor: float


@dataclass(frozen=True)
class BurnRateAlert:
    """A multi-window, multi-burn-rate alert (the SRE workbook's table): fires when any of
    its conditions holds."""

    name: str
    severity: str
    for_duration: str
    conditions: tuple[BurnRateCondition, ...]
    summary: str
    description: str


BURN_RATE_ALERTS = (
    BurnRateAlert(
        name="RampartErrorBudgetBurnFast",
        severity="critical",
        for_duration="2m",
        conditions=(BurnRateCondition("1h", "5m", 14.4), BurnRateCondition("6h", "30m", 6)),
        summary="Service {{ $labels.service }} burns its error budget fast",
        description=(
            "{{ $labels.service }} is failing often enough to spend 2% of its monthly error"
            " budget in an hour or 5% in six hours (multi-window burn rate 14.4x or 6x)."
        ),
    ),
    BurnRateAlert(
        name="RampartErrorBudgetBurnSlow",
        severity="warning",
        for_duration="15m",
        conditions=(BurnRateCondition("1d", "2h", 3), BurnRateCondition("3d", "6h", 1)),
        summary="Service {{ $labels.service }} slowly burns its error budget",
        description=(
            "At the rate of the last day (or three days) {{ $labels.service }} will miss its"
            " monthly availability objective (burn rate 3x or 1x)."
        ),
    ),
)
# The rolling periods REG-7.2 evaluates: a month and a quarter.
REPORT_PERIODS = ("30d", "90d")


def burn_rate_windows() -> list[str]:
    """Every window some burn-rate alert reads, shortest first, each once."""
    windows = {
        window
        for alert in BURN_RATE_ALERTS
        for condition in alert.conditions
        for window in (condition.long_window, condition.short_window)
    }
    return sorted(windows, key=lambda window: prometheus_duration.seconds(window) or 0)


def error_ratio_record(window: str) -> str:
    """The recording rule name of the share of observed time down over `window`."""
    return f"service:rampart_availability_errors:ratio_rate{window}"


def per_service(function: str, counter: str, window: str) -> str:
    return f"sum by (service) ({function}({counter}[{window}]))"


def down_ratio(function: str, window: str, selector: str = "") -> str:
    """Down seconds over observed seconds per service; no result while nothing was observed.
    `selector` (`{service="..."}`) narrows both counters."""
    return (
        f"{per_service(function, COUNTER_DOWN + selector, window)}\n"
        f"/ ({per_service(function, COUNTER_OBSERVED + selector, window)} > 0)\n"
    )


def _over_budget(window: str, factor: float) -> str:
    budget = "service:rampart_availability_error_budget:ratio"
    scaled = budget if factor == 1 else f"({factor:g} * {budget})"
    return f"{error_ratio_record(window)}\n  > on (service) {scaled}"


def _burn_rate_expression(alert: BurnRateAlert) -> str:
    parts = []
    for condition in alert.conditions:
        long_part = _over_budget(condition.long_window, condition.factor)
        short_part = _over_budget(condition.short_window, condition.factor)
        body = f"{long_part}\nand\n{short_part}".replace("\n", "\n  ")
        parts.append(f"(\n  {body}\n)")
    return "\nor\n".join(parts) + "\n"


def _alert(
    name: str, expression: str, for_duration: str, severity: str, summary: str, description: str
) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expression,
        "for": for_duration,
        "labels": {"severity": severity},
        "annotations": {
            "summary": summary,
            "description": Prose(description),
            "runbook_url": RUNBOOK,
        },
    }


def rules() -> list[dict[str, Any]]:
    """The rules of the one group, in dependency order (a rule reads only earlier ones)."""
    records: list[dict[str, Any]] = [
        {"record": error_ratio_record(window), "expr": down_ratio("rate", window)}
        for window in burn_rate_windows()
    ]
    records.append(
        {
            "record": "service:rampart_availability_error_budget:ratio",
            "expr": "1 - max by (service) (rampart_availability_objective_ratio)",
        }
    )
    records.append(
        {
            "record": "service:rampart_availability:ratio_5m",
            "expr": f"1 - {error_ratio_record('5m')}",
        }
    )
    for period in REPORT_PERIODS:
        records.append(
            {
                "record": f"service:rampart_availability:ratio_{period}",
                "expr": "1 - " + down_ratio("increase", period),
            }
        )
    for period in REPORT_PERIODS:
        records.append(
            {
                "record": f"service:rampart_availability_downtime:minutes_{period}",
                "expr": f"{per_service('increase', COUNTER_DOWN, period)} / 60",
            }
        )
    records.append(
        {
            "record": "service:rampart_availability_response_time_seconds:p95_5m",
            "expr": (
                "histogram_quantile(0.95,\n  sum by (service, le)"
                " (rate(rampart_availability_response_time_seconds_bucket[5m])))\n"
            ),
        }
    )
    alerts = [
        _alert(
            "RampartServiceDown",
            "max by (service) (rampart_availability_up == 0)\n"
            "unless on (service) max by (service) (rampart_availability_maintenance == 1)\n",
            "1m",
            "critical",
            summary="Service {{ $labels.service }} is down",
            description=(
                "A critical check of {{ $labels.service }} has failed for more than a minute,"
                " outside any maintenance window. rampart_availability_check_success shows which."
            ),
        ),
        *(
            _alert(
                alert.name,
                _burn_rate_expression(alert),
                alert.for_duration,
                alert.severity,
                summary=alert.summary,
                description=alert.description,
            )
            for alert in BURN_RATE_ALERTS
        ),
        _alert(
            "RampartServiceSlow",
            "service:rampart_availability_response_time_seconds:p95_5m\n  > on (service)"
            " max by (service) (rampart_availability_response_time_objective_seconds)\n",
            "10m",
            "warning",
            summary="Service {{ $labels.service }} answers slower than promised",
            description=(
                "The 95th percentile response time of {{ $labels.service }} is"
                " {{ $value | humanizeDuration }}, above the catalog's objective (REG-7.1.3)."
            ),
        ),
        _alert(
            "RampartCertificateExpiresSoon",
            "rampart_availability_certificate_expiry_timestamp_seconds - time() < 14 * 86400",
            "1h",
            "warning",
            summary="The certificate of {{ $labels.service }} on {{ $labels.host }} expires soon",
            description=(
                "The certificate the {{ $labels.check }} check sees expires in"
                " {{ $value | humanizeDuration }}; renew it before the service goes down."
            ),
        ),
    ]
    return records + alerts


HEADER = """\
# GENERATED by src/rampart/monitoring/availability_rules.py (`make rules`): edit that, not this.
# Availability of every catalog service (REG-7.1, REG-7.2), from the availability exporter.
# The exporter counts, per service, the seconds it knew the state outside maintenance
# windows (observed) and the seconds the service was down; ratios and downtime minutes
# are increases of those counters, so they do not depend on scrape or rule intervals and
# maintenance windows are already left out. Names follow level:metric:operations.
# Multi-window, multi-burn-rate alerts after the SRE workbook, against each service's
# objective (rampart_availability_objective_ratio, from the catalog); the error ratios are
# recorded for exactly the windows those alerts read.
# One group on purpose: Prometheus runs the rules of a group in order at one evaluation
# time, but groups concurrently, so a rule reading another group's record may see the
# previous evaluation's value (promtool's tests then fail at random).
"""


def render() -> str:
    """The whole rules file."""
    return render_group("rampart-availability", HEADER, rules())
