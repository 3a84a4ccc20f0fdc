"""`rampart inventory validate`: check inventories and print each problem on its own line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rampart.ansible_config import INVENTORY_HELP, inventory_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `inventory` subcommand and its action."""
    inventory = commands.add_parser("inventory", help="the inventory: catalog, data, people")
    actions = inventory.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate", help="check an inventory against the schema (docs/inventory.md)"
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="INVENTORY",
        help=f"inventory folders {INVENTORY_HELP}",
    )
    inventory.set_defaults(handler=dispatch)


def dispatch(arguments: argparse.Namespace) -> int:
    """Run `inventory validate`."""
    return validate(arguments.paths or [inventory_path(None)])


def validate(paths: list[Path]) -> int:
    """Check each inventory directory; 0 when all are valid, 2 when any has a problem.

    Problems go to stderr as `FILE:LINE: KEY: PROBLEM`; a valid inventory gets one line
    on stdout with what it holds.
    """
    from rampart.inventory.load import InventoryInvalid, load_inventory

    status = 0
    for path in paths:
        try:
            inventory = load_inventory(path)
        except InventoryInvalid as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            status = 2
            continue
        print(
            f"inventory OK: {path} ({len(inventory.hosts)} hosts,"
            f" {len(inventory.services)} services, {len(inventory.data_sets)} data sets,"
            f" {len(inventory.people)} people)"
        )
    return status
