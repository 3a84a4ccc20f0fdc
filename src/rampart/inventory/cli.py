"""`rampart inventory validate`: check inventories and print each problem on its own line."""

from __future__ import annotations

import sys
from pathlib import Path

from rampart.inventory.load import InventoryInvalid, load_inventory


def validate(paths: list[Path]) -> int:
    """Check each inventory directory; 0 when all are valid, 2 when any has a problem.

    Problems go to stderr as `FILE:LINE: KEY: PROBLEM`; a valid inventory gets one line
    on stdout with what it holds.
    """
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
