"""The `rampart` command line: parse arguments, call an action, turn errors into one line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rampart import entry
from rampart.errors import RampartError


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand; actions are imported lazily so `--help` stays fast."""
    parser = argparse.ArgumentParser(prog="rampart", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser("lab", help="the lab: a fleet of real Debian hosts on this machine")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    up = lab_commands.add_parser("up", help="build (once) and start the lab; safe to repeat")
    up.add_argument(
        "--release",
        choices=["trixie", "bookworm", "13", "12"],
        default=None,
        help="Debian release of the hosts (default: trixie, Debian 13; kept from the last up)",
    )
    up.add_argument("--extra", type=int, default=None, metavar="N", help="add N plain hosts")
    lab_commands.add_parser("down", help="stop the lab and remove everything it made")
    lab_commands.add_parser("status", help="show each host: running, reachable, memory")
    ssh = lab_commands.add_parser("ssh", help="open a root shell (or run a command) on a host")
    ssh.add_argument("host")
    ssh.add_argument("remote_command", nargs=argparse.REMAINDER, metavar="COMMAND")

    inventory = commands.add_parser("inventory", help="the inventory: catalog, data, people")
    inventory_commands = inventory.add_subparsers(
        dest="inventory_command", required=True, metavar="ACTION"
    )
    validate = inventory_commands.add_parser(
        "validate", help="check an inventory against the schema (docs/inventory.md)"
    )
    validate.add_argument(
        "paths", nargs="*", type=Path, default=[Path("inventory/lab")], metavar="INVENTORY"
    )
    backup = commands.add_parser("backup", help="backups with restic and restore drills")
    from rampart.backup.cli import add_arguments as add_backup_arguments

    add_backup_arguments(backup)

    from rampart.runbook.cli import add_parser as add_runbook_parser

    add_runbook_parser(commands)
    summary = commands.add_parser(
        "summary", help="hosts, services answering and controls applied (ends `make up`)"
    )
    summary.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    summary.add_argument("--playbook", type=Path, default=Path("playbooks/site.yml"))
    from rampart.exporters import cli as exporters_cli

    exporters_cli.add_parser(commands)
    report = commands.add_parser("report", help="reports for auditors and on-call")
    report_commands = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    access = report_commands.add_parser(
        "access", help="compare every host's accounts, keys and sudo with the people directory"
    )
    access.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    access.add_argument("--json", action="store_true", help="write the findings as JSON")
    access.add_argument(
        "--no-publish",
        action="store_true",
        help="do not write the drift metric on the hosts (node_exporter textfile)",
    )
    availability = report_commands.add_parser(
        "availability", help="this calendar month so far: availability of every catalog service"
    )
    availability.add_argument("--inventory", type=Path, default=Path("inventory/lab"))
    availability.add_argument("--json", action="store_true", help="write the figures as JSON")
    return parser


def dispatch(arguments: argparse.Namespace) -> int:
    """Run the action the arguments name and return its exit status."""
    if arguments.command == "lab":
        from rampart.lab import actions as lab_actions

        return lab_actions.dispatch(arguments)
    if arguments.command == "inventory":
        from rampart.inventory import cli as inventory_cli

        return inventory_cli.validate(arguments.paths)
    if arguments.command == "backup":
        from rampart.backup.cli import dispatch as backup_dispatch

        return backup_dispatch(arguments)
    if arguments.command == "runbook":
        from rampart.runbook import cli as runbook_cli

        return runbook_cli.dispatch(arguments)
    if arguments.command == "summary":
        from rampart.summary import summarise

        return summarise(arguments.inventory, arguments.playbook)
    if arguments.command == "exporter":
        from rampart.exporters import cli as exporters_cli

        return exporters_cli.dispatch(arguments)
    if arguments.command == "report" and arguments.report_command == "availability":
        from rampart.monitoring.report import report_availability

        return report_availability(arguments.inventory, arguments.json)
    if arguments.command == "report":
        from rampart.access.report import report_access

        return report_access(arguments.inventory, arguments.json, not arguments.no_publish)
    raise RampartError(f"unknown command {arguments.command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: one line on error, never a traceback."""
    return entry.run(build_parser(), dispatch, argv)
