"""`rampart report access`: its arguments and handler."""

from __future__ import annotations

import argparse

from rampart.ansible_config import add_inventory_option


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand and its one report, `access`."""
    report = commands.add_parser("report", help="reports for auditors and on-call")
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
    access.set_defaults(handler=dispatch)


def dispatch(arguments: argparse.Namespace) -> int:
    """Run the access review."""
    from rampart.access.report import report_access

    return report_access(arguments.inventory, arguments.json, not arguments.no_publish)
