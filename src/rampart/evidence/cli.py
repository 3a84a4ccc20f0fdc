"""`rampart evidence export`: the period's evidence in one archive, for the auditor."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path
from rampart.monitoring.evaluation.period import add_period_options


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `evidence` subcommand and its one action, `export`."""
    evidence = commands.add_parser("evidence", help="the auditor's evidence of a month or quarter")
    actions = evidence.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="one archive: evaluation, access review, drills and runbook runs, sha256 sums",
    )
    add_inventory_option(export)
    add_period_options(export)
    export.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="the archive to write (default rampart-evidence-<period>.tar.gz here); never"
        " overwritten",
    )
    export.set_defaults(handler=export_evidence)


def export_evidence(arguments: argparse.Namespace) -> int:
    """Export the period's evidence."""
    from rampart.evidence.export import export_evidence as export

    return export(
        inventory_path(arguments.inventory),
        month=arguments.month,
        quarter=arguments.quarter,
        output=arguments.output,
    )
