"""The few shapes Rampart's dashboards are made of, on top of grafana-foundation-sdk's
builders: one datasource, queries, the usual field settings, and a grid layout that places
panels line by line (the SDK's own placement lets a line overflow the 24 columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard, prometheus, table, text, timeseries
from grafana_foundation_sdk.cog import builder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import prometheus as prometheus_model
from grafana_foundation_sdk.models.text import TextMode

DATASOURCE_UID = "rampart-prometheus"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid=DATASOURCE_UID)
GRID_COLUMNS = 24
# The availability exporter's label for catalog services; every per-service query groups by it.
SERVICE_VARIABLE = "service"


def new_dashboard(
    name: str, title: str, description: str, tags: list[str], since: str, time_zone: str
) -> dashboard.Dashboard:
    """A read-only Rampart dashboard (uid `rampart-<name>`) showing `since` to now."""
    return (
        dashboard.Dashboard(f"Rampart: {title}")
        .uid(f"rampart-{name}")
        .tags(["rampart", *tags])
        .description(description)
        .time(since, "now")
        .timezone(time_zone)
        .refresh("1m")
        .readonly()
    )


def query(expression: str, legend: str = "", *, instant: bool = False) -> prometheus.Dataquery:
    """A PromQL target on the Rampart datasource; instant for tables and stats."""
    target = prometheus.Dataquery().expr(expression).datasource(DATASOURCE)
    if legend:
        target = target.legend_format(legend)
    if instant:
        target = target.instant().format(prometheus_model.PromQueryFormat.TABLE)
    return target


def thresholds(base: str, *steps: tuple[float, str]) -> dashboard.ThresholdsConfig:
    """Absolute thresholds: `base` colour below the first step."""
    return (
        dashboard.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps(
            [model.Threshold(value=None, color=base)]
            + [model.Threshold(value=value, color=color) for value, color in steps]
        )
    )


def column(name: str, unit: str, *, decimals: int | None = None) -> list[model.DynamicConfigValue]:
    """The field overrides that show a table column under a readable name and unit."""
    properties = [
        model.DynamicConfigValue(id_val="displayName", value=name),
        model.DynamicConfigValue(id_val="unit", value=unit),
    ]
    if decimals is not None:
        properties.append(model.DynamicConfigValue(id_val="decimals", value=decimals))
    return properties


def over_limit(limit: float) -> list[model.DynamicConfigValue]:
    """Field overrides that colour a table cell green below `limit` and red from it on."""
    steps = [{"color": "green", "value": None}, {"color": "red", "value": limit}]
    return [
        model.DynamicConfigValue(id_val="thresholds", value={"mode": "absolute", "steps": steps}),
        model.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-text"}),
    ]


def up_down_mappings() -> list[model.ValueMapping]:
    """1 shows as a green 'up', 0 as a red 'down' (check results, service state)."""
    return [
        model.ValueMap(
            options={
                "1": model.ValueMappingResult(text="up", color="green", index=0),
                "0": model.ValueMappingResult(text="down", color="red", index=1),
            }
        )
    ]


def note(title: str, content: str) -> text.Panel:
    """A text panel (Markdown) for readers: what a section means, or what is still to come."""
    return text.Panel().title(title).content(content).mode(TextMode.MARKDOWN)


def table_of(title: str) -> table.Panel:
    """A table whose instant queries are joined on their labels: one row per service or host."""
    return (
        table.Panel()
        .title(title)
        .datasource(DATASOURCE)
        .show_header(True)
        .transformations(merge_by_labels())
    )


def series_of(title: str, unit: str) -> timeseries.Panel:
    """A time series panel with its legend as a table below."""
    legend = (
        common_builders.VizLegendOptions()
        .show_legend(True)
        .display_mode(common.LegendDisplayMode.TABLE)
        .placement(common.LegendPlacement.BOTTOM)
    )
    return timeseries.Panel().title(title).datasource(DATASOURCE).unit(unit).legend(legend)


def merge_by_labels() -> list[model.DataTransformerConfig]:
    """Join a table's instant queries on their labels: one row per service (or host)."""
    return [
        model.DataTransformerConfig(id_val="merge", options={}),
        model.DataTransformerConfig(id_val="organize", options={"excludeByName": {"Time": True}}),
    ]


Placeable = builder.Builder[model.Panel] | builder.Builder[model.RowPanel]


@dataclass
class Layout:
    """Panels placed line by line on the 24-column grid, each with the next id."""

    lines: list[tuple[int, list[tuple[Placeable, int]]]] = field(default_factory=list)

    def row(self, title: str) -> Layout:
        """A full-width section header."""
        self.lines.append((1, [(dashboard.Row(title), GRID_COLUMNS)]))
        return self

    def line(self, height: int, *panels: tuple[Placeable, int]) -> Layout:
        """Panels side by side, `(panel, width)`, all `height` rows high."""
        self.lines.append((height, list(panels)))
        return self

    def apply(self, board: dashboard.Dashboard) -> dashboard.Dashboard:
        """Add every panel to the dashboard at its place."""
        next_id, top = 1, 0
        for height, panels in self.lines:
            left = 0
            for panel, width in panels:
                position = model.GridPos(h=height, w=width, x=left, y=top)
                if isinstance(panel, dashboard.Row):
                    board = board.with_row(panel.id(next_id).grid_pos(position))
                else:
                    placed = panel.id(next_id).grid_pos(position)  # type: ignore[union-attr]
                    board = board.with_panel(placed)
                next_id, left = next_id + 1, left + width
            top += height
        return board
