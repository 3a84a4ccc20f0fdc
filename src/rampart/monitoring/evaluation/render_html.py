"""The evaluation as one self-contained HTML page (inline styles and SVG, no script), for
management to read in a browser and for Chromium to print as the PDF."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from rampart.monitoring.evaluation import charts
from rampart.monitoring.evaluation.figures import Evaluation

TEMPLATE = "evaluation.html.j2"


def seconds(value: float | None) -> str:
    """A response time for people: `0.42 s`, `-` when there is none."""
    return "-" if value is None else f"{value:.3g} s"


def render_html(evaluation: Evaluation, made: datetime) -> str:
    """The page for `evaluation`, made at `made`."""
    environment = Environment(
        autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
    )
    source = files("rampart.monitoring.evaluation").joinpath(TEMPLATE).read_text(encoding="utf-8")
    period = evaluation.period
    return environment.from_string(source).render(
        period=period,
        zone=str(period.start.tzinfo),
        made=made,
        notes=evaluation.notes,
        services=evaluation.services,
        months=evaluation.months,
        seconds=seconds,
        bars=Markup(charts.availability_bars(evaluation)),  # noqa: S704 (our own SVG, text escaped)
        trend=Markup(charts.trend(evaluation)) if evaluation.months else "",  # noqa: S704
        timelines={
            service.figures.service: Markup(  # noqa: S704
                charts.timeline(service, period.start, period.end)
            )
            for service in evaluation.services
        },
    )
