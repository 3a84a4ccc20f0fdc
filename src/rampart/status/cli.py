"""The `rampart status` subcommand."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `rampart status`."""
    status = commands.add_parser(
        "status",
        help="services up or down, firing alerts with their runbook, last backup and drill",
    )
    add_inventory_option(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.add_argument(
        "--url", default=None, help="Prometheus' base URL (default: the monitoring host's)"
    )
    status.add_argument(
        "--ca-file", type=Path, default=None, help="the CA (default: <repo>/.rampart/pki/ca.crt)"
    )
    status.add_argument("--user", default="oncall", help="the basic auth user (default oncall)")
    status.add_argument(
        "--password-file",
        type=Path,
        default=None,
        help="the password's file (default: the lab's, in .ansible/lab-secrets/)",
    )
    status.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    """Ask Prometheus and print the status."""
    from rampart.status import report

    directory = inventory_path(arguments.inventory)
    access = report.access(
        directory, arguments.url, arguments.ca_file, arguments.user, arguments.password_file
    )
    status = report.gather(directory, access)
    print(report.as_json(status) if arguments.json else report.as_text(status), end="")
    return 0
