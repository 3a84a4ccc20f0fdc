"""The evaluation's charts as inline SVG: no script, no external resource, so the page
and its PDF show them anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from rampart.monitoring.evaluation.figures import Evaluation, ServiceEvaluation, Span

GOOD, BAD, MAINTENANCE, GAP, NONE = "#2e7d32", "#c62828", "#9e9e9e", "#ffb300", "#e0e0e0"
WIDTH, LABEL_WIDTH, ROW_HEIGHT = 720, 150, 22


def _svg(height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}"'
        ' font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _scale_floor(services: Sequence[ServiceEvaluation]) -> float:
    """The left end of the availability axis: a little below the lowest figure or objective."""
    lowest = min(
        [service.figures.objective_percent for service in services]
        + [
            service.figures.availability_percent
            for service in services
            if service.figures.availability_percent is not None
        ],
        default=99.0,
    )
    return max(0.0, min(99.0, lowest - 0.5))


def availability_bars(evaluation: Evaluation) -> str:
    """One bar per service, green when it meets its objective (the black tick), red when not."""
    services = evaluation.services
    floor = _scale_floor(services)
    span = WIDTH - LABEL_WIDTH - 80

    def x(percent: float) -> float:
        return LABEL_WIDTH + span * (max(percent, floor) - floor) / (100 - floor)

    body = []
    for row, service in enumerate(services):
        top = 10 + row * ROW_HEIGHT
        figure = service.figures
        body.append(f'<text x="0" y="{top + 13}">{escape(figure.service)}</text>')
        if figure.availability_percent is None:
            body.append(
                f'<text x="{LABEL_WIDTH}" y="{top + 13}" fill="#616161">not observed</text>'
            )
        else:
            colour = GOOD if service.meets_objective else BAD
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{top + 2}" height="14"'
                f' width="{x(figure.availability_percent) - LABEL_WIDTH:.1f}" fill="{colour}"/>'
                f'<text x="{x(figure.availability_percent) + 4:.1f}" y="{top + 13}">'
                f"{figure.availability_percent:.3f} %</text>"
            )
        tick = x(figure.objective_percent)
        body.append(
            f'<line x1="{tick:.1f}" x2="{tick:.1f}" y1="{top}" y2="{top + 18}" stroke="#000"'
            ' stroke-width="2"/>'
        )
    bottom = 10 + len(services) * ROW_HEIGHT
    body.append(
        f'<text x="{LABEL_WIDTH}" y="{bottom + 12}" fill="#616161">{floor:g} %</text>'
        f'<text x="{LABEL_WIDTH + span - 30}" y="{bottom + 12}" fill="#616161">100 %</text>'
    )
    return _svg(bottom + 20, body, "Availability against objective (black tick) per service")


def timeline(service: ServiceEvaluation, start: datetime, end: datetime) -> str:
    """The period as one strip: incidents red, maintenance grey, scrape gaps amber,
    before the first sample (or all of it, for a service not observed) light grey."""
    length = (end - start).total_seconds() or 1.0
    width = WIDTH - 2

    def box(span: Span, colour: str, name: str) -> str:
        left = 1 + width * (span.start - start).total_seconds() / length
        right = 1 + width * (span.end - start).total_seconds() / length
        return (
            f'<rect x="{left:.2f}" y="4" width="{max(1.5, right - left):.2f}" height="20"'
            f' fill="{colour}"><title>{escape(name)} {span.start:%Y-%m-%d %H:%M} to'
            f" {span.end:%Y-%m-%d %H:%M}</title></rect>"
        )

    observed = service.figures.availability_percent is not None
    background = "#e8f5e9" if observed else NONE
    body = [f'<rect x="1" y="4" width="{width}" height="20" fill="{background}" stroke="#bdbdbd"/>']
    if service.first_sample is not None:
        body.append(box(Span(start, service.first_sample), NONE, "not yet probed"))
    body += [box(window.span, MAINTENANCE, window.reason) for window in service.maintenance]
    body += [box(gap, GAP, "no samples") for gap in service.gaps]
    body += [box(incident, BAD, "down") for incident in service.incidents]
    body.append(
        f'<text x="1" y="38" fill="#616161">{start:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - 70}" y="38" fill="#616161">{end:%Y-%m-%d}</text>'
    )
    return _svg(42, body, f"Timeline of {service.figures.service}")


def trend(quarter: Evaluation) -> str:
    """Each service's availability month by month (the quarter's trend), objective ticked."""
    months = quarter.months
    services = [service.figures.service for service in quarter.services]
    every = [service for month in months for service in month.services]
    floor = _scale_floor(every)
    group_height = 12 * max(1, len(months)) + 10
    span = WIDTH - LABEL_WIDTH - 150
    shades = ("#90caf9", "#42a5f5", "#1565c0")
    body = []
    for row, name in enumerate(services):
        top = 8 + row * group_height
        body.append(f'<text x="0" y="{top + 12}">{escape(name)}</text>')
        for index, month in enumerate(months):
            figure = next(s.figures for s in month.services if s.figures.service == name)
            y = top + index * 12
            label = f"{month.period.start:%b}"
            if figure.availability_percent is None:
                body.append(
                    f'<text x="{LABEL_WIDTH}" y="{y + 10}" fill="#616161">'
                    f"{label}: not observed</text>"
                )
                continue
            length = span * (max(figure.availability_percent, floor) - floor) / (100 - floor)
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 1}" width="{length:.1f}" height="10"'
                f' fill="{shades[index % 3]}"/>'
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 10}" font-size="10">'
                f"{label} {figure.availability_percent:.3f} %</text>"
            )
        objective = next(
            s.figures.objective_percent for s in quarter.services if s.figures.service == name
        )
        tick = LABEL_WIDTH + span * (objective - floor) / (100 - floor)
        body.append(
            f'<line x1="{tick:.1f}" x2="{tick:.1f}" y1="{top}" y2="{top + group_height - 8}"'
            ' stroke="#000" stroke-width="2"/>'
        )
    height = 8 + len(services) * group_height + 16
    body.append(
        f'<text x="{LABEL_WIDTH}" y="{height - 4}" fill="#616161">{floor:g} %</text>'
        f'<text x="{LABEL_WIDTH + span - 30}" y="{height - 4}" fill="#616161">100 %</text>'
    )
    return _svg(height, body, "Availability month by month (objective: black tick)")
