"""`rampart summary`: its arguments and handler."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `summary` subcommand."""
    summary = commands.add_parser(
        "summary", help="hosts, services answering and controls applied (ends `make up`)"
    )
    add_inventory_option(summary)
    summary.add_argument("--playbook", type=Path, default=Path("playbooks/site.yml"))
    summary.set_defaults(handler=dispatch)


def dispatch(arguments: argparse.Namespace) -> int:
    """Print the summary."""
    from rampart.summary.report import summarise

    return summarise(inventory_path(arguments.inventory), arguments.playbook)
