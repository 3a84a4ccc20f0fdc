"""The availability dashboards (REG-7.1, REG-7.2): the overview of every catalog service and
the per-service dashboard.

Calendar periods come from Grafana's time range, not from rolling-window rules: the
overview opens on "now/M" to "now" (this month so far, in the dashboard's time zone), so
`$__range` in an instant query is the month to date; the quarter's panels carry their own
relative time "now/Q". The figures are increases of the prober's counters over that range,
so they leave maintenance windows out and agree with `rampart report availability`.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, stat, statetimeline, table
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

from rampart.monitoring.availability_rules import COUNTER_DOWN, down_ratio, per_service
from rampart.monitoring.dashboards.panels import (
    DATASOURCE,
    SERVICE_VARIABLE,
    Layout,
    column,
    new_dashboard,
    query,
    series_of,
    table_of,
    thresholds,
    up_down_mappings,
)

RANGE = "$__range"
HISTOGRAM = "rampart_availability_response_time_seconds_bucket"
OBJECTIVE = "max by (service) (rampart_availability_objective_ratio{selector})"
RESPONSE_OBJECTIVE = (
    "max by (service) (rampart_availability_response_time_objective_seconds{selector})"
)
SERVICE_DOWN_FIRING = 'ALERTS{alertname="RampartServiceDown", alertstate="firing"}'


def availability(selector: str = "") -> str:
    """Share of observed time up over the panel's time range."""
    return "1 - (\n" + down_ratio("increase", RANGE, selector) + ")"


def downtime_minutes(selector: str = "") -> str:
    """Minutes down (outside maintenance windows) over the panel's time range."""
    return f"{per_service('increase', COUNTER_DOWN + selector, RANGE)} / 60"


def budget_left(selector: str = "") -> str:
    """Share of the calendar month's error budget (the downtime the objective allows in the
    whole month) not yet spent; negative once overspent. Month length as Prometheus sees
    it (days_in_month() is in UTC)."""
    allowed = f"(1 - {OBJECTIVE.format(selector=selector)}) * scalar(days_in_month()) * 86400"
    return f"1 - {per_service('increase', COUNTER_DOWN + selector, RANGE)}\n/ ({allowed})"


def response_quantile(quantile: float, window: str, labels: str, selector: str = "") -> str:
    """A response-time quantile from the prober's histogram, per `labels`."""
    return (
        f"histogram_quantile({quantile:g}, sum by ({labels}, le)"
        f" ({'increase' if window == RANGE else 'rate'}({HISTOGRAM}{selector}[{window}])))"
    )


def _period_table(title: str, with_budget: bool) -> table.Panel:
    """One row per service: availability against objective, downtime, response times."""
    panel = (
        table_of(title)
        .with_target(query(availability(), instant=True).ref_id("A"))
        .with_target(query(OBJECTIVE.format(selector=""), instant=True).ref_id("B"))
        .with_target(query(downtime_minutes(), instant=True).ref_id("C"))
        .with_target(query(response_quantile(0.5, RANGE, "service"), instant=True).ref_id("D"))
        .with_target(query(response_quantile(0.95, RANGE, "service"), instant=True).ref_id("E"))
        .with_target(query(RESPONSE_OBJECTIVE.format(selector=""), instant=True).ref_id("F"))
        .override_by_name("Value #A", column("Availability", "percentunit", decimals=3))
        .override_by_name("Value #B", column("Objective", "percentunit", decimals=3))
        .override_by_name("Value #C", column("Downtime (minutes)", "m", decimals=1))
        .override_by_name("Value #D", column("Response p50", "s", decimals=3))
        .override_by_name("Value #E", column("Response p95", "s", decimals=3))
        .override_by_name("Value #F", column("Response objective", "s"))
    )
    if with_budget:
        panel = panel.with_target(query(budget_left(), instant=True).ref_id("G")).override_by_name(
            "Value #G", column("Error budget left (month)", "percentunit", decimals=1)
        )
    return panel


def overview(time_zone: str) -> dashboard.Dashboard:
    """Every catalog service this calendar month and quarter, against its objectives."""
    month = _period_table("This month so far: availability against objective", True)
    quarter = _period_table("This quarter so far", False).time_from("now/Q")
    response = (
        series_of("Response time p95 (5 min) against objective", "s")
        .with_target(
            query("service:rampart_availability_response_time_seconds:p95_5m", "{{service}} p95")
        )
        .with_target(query(RESPONSE_OBJECTIVE.format(selector=""), "{{service}} objective"))
    )
    incidents = (
        statetimeline.Panel()
        .title("Incidents: RampartServiceDown firing")
        .datasource(DATASOURCE)
        .with_target(query(f"max by (service) ({SERVICE_DOWN_FIRING})", "{{service}}"))
        .mappings(
            [model.ValueMap(options={"1": model.ValueMappingResult(text="down", color="red")})]
        )
        .show_value(common.VisibilityMode.NEVER)
    )
    firing = (
        table_of("Alerts firing now")
        .with_target(
            query(
                'max by (alertname, service, severity) (ALERTS{alertstate="firing",'
                ' alertname!="RampartWatchdog"})',
                instant=True,
            )
        )
        .override_by_name("Value", column("Firing", "none"))
    )
    layout = (
        Layout()
        .row("This month (calendar month to date)")
        .line(9, (month, 24))
        .row("This quarter (calendar quarter to date)")
        .line(8, (quarter, 24))
        .row("Response time and incidents")
        .line(8, (response, 12), (incidents, 12))
        .line(6, (firing, 24))
    )
    board = new_dashboard(
        "availability-overview",
        "availability overview",
        "Every catalog service this calendar month and quarter (REG-7.1, 7.2).",
        ["availability", "REG-7.1", "REG-7.2"],
        "now/M",
        time_zone,
    )
    return layout.apply(board)


def service(time_zone: str) -> dashboard.Dashboard:
    """One service (chosen with the `service` variable): checks, response time, outages."""
    selector = f'{{service="${SERVICE_VARIABLE}"}}'
    up = f"max by (service) (rampart_availability_up{selector})"
    headline = [
        ("Availability (range)", availability(selector), "percentunit", 3),
        ("Downtime (minutes, range)", downtime_minutes(selector), "m", 1),
        ("Error budget left (month)", budget_left(selector), "percentunit", 1),
    ]
    stats = [
        (
            stat.Panel()
            .title(title)
            .datasource(DATASOURCE)
            .with_target(query(expression, instant=True))
            .unit(unit)
            .decimals(decimals)
            .graph_mode(common.BigValueGraphMode.NONE),
            6,
        )
        for title, expression, unit, decimals in headline
    ]
    now = (
        stat.Panel()
        .title("Now")
        .datasource(DATASOURCE)
        .with_target(query(up, instant=True))
        .mappings(up_down_mappings())
        .thresholds(thresholds("red", (1, "green")))
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
    )
    outages = (
        statetimeline.Panel()
        .title("Outage timeline (service, then each check)")
        .datasource(DATASOURCE)
        .with_target(query(up, "service"))
        .with_target(query(f"rampart_availability_check_success{selector}", "{{host}} {{check}}"))
        .mappings(up_down_mappings())
        .show_value(common.VisibilityMode.NEVER)
    )
    response = (
        series_of("Response time by check against objective", "s")
        .with_target(
            query(
                response_quantile(0.5, "$__rate_interval", "host, check", selector),
                "{{host}} {{check}} p50",
            )
        )
        .with_target(
            query(
                response_quantile(0.95, "$__rate_interval", "host, check", selector),
                "{{host}} {{check}} p95",
            )
        )
        .with_target(query(RESPONSE_OBJECTIVE.format(selector=selector), "objective"))
    )
    checks = (
        table_of("Checks now")
        .with_target(
            query(f"rampart_availability_check_success{selector}", instant=True).ref_id("A")
        )
        .with_target(
            query(f"rampart_availability_check_duration_seconds{selector}", instant=True).ref_id(
                "B"
            )
        )
        .with_target(
            query(
                f"time() - rampart_availability_check_finished_timestamp_seconds{selector}",
                instant=True,
            ).ref_id("C")
        )
        .override_by_name("Value #A", column("Result", "none"))
        .override_by_name("Value #B", column("Took", "s", decimals=3))
        .override_by_name("Value #C", column("Result age", "s", decimals=0))
    )
    variable = (
        dashboard.QueryVariable(SERVICE_VARIABLE)
        .label("Service")
        .datasource(DATASOURCE)
        .query(
            {
                "query": "label_values(rampart_availability_objective_ratio, service)",
                "refId": "service",
            }
        )
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
    )
    layout = (
        Layout()
        .line(4, (now, 6), *stats)
        .line(9, (outages, 24))
        .line(8, (response, 12), (checks, 12))
    )
    board = new_dashboard(
        "service",
        "service",
        "One catalog service: its checks, response time and outages.",
        ["availability", "REG-7.1"],
        "now/M",
        time_zone,
    ).with_variable(variable)
    return layout.apply(board)
