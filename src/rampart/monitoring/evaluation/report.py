"""`rampart report evaluation`: a calendar month's or quarter's availability evaluation,
as a summary in the terminal, JSON, HTML and PDF (REG-7.2)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rampart.errors import ConfigError
from rampart.inventory import load_inventory
from rampart.monitoring.evaluation.figures import Evaluation, document, evaluate
from rampart.monitoring.evaluation.pdf import write_pdf
from rampart.monitoring.evaluation.period import Period, month_period, quarter_period
from rampart.monitoring.evaluation.render_html import render_html
from rampart.monitoring.report import PrometheusSource


def summary(evaluation: Evaluation) -> str:
    """A few lines for the terminal: the period, each service, the notes."""
    period = evaluation.period
    to_date = "" if period.complete else f", to date (as of {period.as_of:%Y-%m-%d %H:%M})"
    lines = [f"evaluation {period.title} ({period.start.tzinfo}){to_date}"]
    for service in evaluation.services:
        figure = service.figures
        shown = figure.availability_percent
        verdict = (
            ""
            if service.meets_objective is None
            else (" met" if service.meets_objective else " MISSED")
        )
        lines.append(
            f"  {figure.service}: "
            + ("not observed" if shown is None else f"{shown:.3f} %")
            + f" (objective {figure.objective_percent:g} %{verdict}),"
            f" {figure.downtime_minutes:.0f} min down, {len(service.incidents)} incidents,"
            f" {len(service.maintenance)} maintenance windows"
        )
    lines += [f"  note: {note}" for note in evaluation.notes]
    return "\n".join(lines) + "\n"


def choose_period(month: str | None, quarter: str | None, now: datetime) -> Period:
    if (month is None) == (quarter is None):
        raise ConfigError("give one of --month YYYY-MM or --quarter YYYY-Qn")
    return month_period(month, now) if month is not None else quarter_period(str(quarter), now)


def report_evaluation(
    inventory_path: Path,
    *,
    month: str | None,
    quarter: str | None,
    as_json: bool,
    html: Path | None,
    pdf: Path | None,
    output: Path | None,
    now: datetime | None = None,
) -> int:
    """Evaluate the period and write what was asked: JSON on stdout, HTML, PDF, or all
    three into `output`; with none of these, a summary on stdout."""
    inventory = load_inventory(inventory_path)
    zone = ZoneInfo(inventory.time_zone)
    made = (now or datetime.now(zone)).astimezone(zone)
    period = choose_period(month, quarter, made)
    if output is not None:
        if output.exists() and not output.is_dir():
            raise ConfigError(f"--output {output}: exists and is not a folder")
        output.mkdir(parents=True, exist_ok=True)
        html, pdf = html or output / "report.html", pdf or output / "report.pdf"
    evaluation = evaluate(inventory, period, PrometheusSource.of(inventory))
    text = json.dumps(document(evaluation), indent=2) + "\n"
    if output is not None:
        (output / "report.json").write_text(text, encoding="utf-8")
    page = render_html(evaluation, made) if html or pdf else ""
    if html is not None:
        html.write_text(page, encoding="utf-8")
    if pdf is not None:
        write_pdf(page, pdf)
    if as_json:
        sys.stdout.write(text)
    elif html is None and pdf is None:
        sys.stdout.write(summary(evaluation))
    return 0
