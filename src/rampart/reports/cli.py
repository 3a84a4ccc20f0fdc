"""`rampart report ...`: one subcommand, a report each; each handler runs its part's action."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path
from rampart.monitoring.evaluation.period import add_period_options


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand and its reports: `access`, `availability`, `controls`,
    `evaluation`."""
    report = commands.add_parser("report", help="reports for management, auditors and on-call")
    reports = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    access = reports.add_parser(
        "access", help="compare every host's accounts, keys and sudo with the people directory"
    )
    add_inventory_option(access)
    access.add_argument("--json", action="store_true", help="write the findings as JSON")
    access.add_argument(
        "--no-publish",
        action="store_true",
        help="do not write the drift metric on the hosts (node_exporter textfile)",
    )
    access.set_defaults(handler=report_access)
    availability = reports.add_parser(
        "availability", help="this calendar month so far: availability of every catalog service"
    )
    add_inventory_option(availability)
    availability.add_argument("--json", action="store_true", help="write the figures as JSON")
    availability.set_defaults(handler=report_availability)
    controls = reports.add_parser(
        "controls",
        help="the controls matrix now: clause, control, host or service, result, evidence",
    )
    add_inventory_option(controls)
    controls.add_argument("--json", action="store_true", help="write the matrix as JSON")
    controls.set_defaults(handler=report_controls)
    evaluation = reports.add_parser(
        "evaluation",
        help="a calendar month's or quarter's availability evaluation (HTML, PDF, JSON)",
    )
    add_inventory_option(evaluation)
    add_period_options(evaluation)
    evaluation.add_argument("--json", action="store_true", help="write the figures as JSON")
    evaluation.add_argument("--html", type=Path, metavar="FILE", help="write the HTML page")
    evaluation.add_argument("--pdf", type=Path, metavar="FILE", help="write the PDF (chromium)")
    evaluation.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="write report.html, report.json and report.pdf into DIR",
    )
    evaluation.set_defaults(handler=report_evaluation)


def report_access(arguments: argparse.Namespace) -> int:
    """Run the access review."""
    from rampart.access.report import report_access as review

    return review(inventory_path(arguments.inventory), arguments.json, not arguments.no_publish)


def report_availability(arguments: argparse.Namespace) -> int:
    """Report this month's availability so far."""
    from rampart.monitoring.report import report_availability as report

    return report(inventory_path(arguments.inventory), arguments.json)


def report_controls(arguments: argparse.Namespace) -> int:
    """Report the controls matrix."""
    from rampart.monitoring.controls_report import report_controls as report

    return report(inventory_path(arguments.inventory), arguments.json)


def report_evaluation(arguments: argparse.Namespace) -> int:
    """Evaluate a calendar month or quarter."""
    from rampart.monitoring.evaluation.report import report_evaluation as report

    return report(
        inventory_path(arguments.inventory),
        month=arguments.month,
        quarter=arguments.quarter,
        as_json=arguments.json,
        html=arguments.html,
        pdf=arguments.pdf,
        output=arguments.output,
    )
