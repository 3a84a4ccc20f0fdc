"""The `rampart` command line: parse arguments, call an action, turn errors into one line.

Each part registers its own subcommand: its `cli` module has `add_parser(commands)`, which
adds the subcommand and sets `handler` to the function that runs it. Those modules import
their actions only when they run, so `--help` stays fast. A new subcommand is one line in
`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from rampart import entry

SUBCOMMANDS = (
    "rampart.lab.cli",
    "rampart.inventory.cli",
    "rampart.backup.cli",
    "rampart.runbook.cli",
    "rampart.summary.cli",
    "rampart.exporters.cli",
    "rampart.plan.cli",
    "rampart.reports.cli",
    "rampart.evidence.cli",
    "rampart.status.cli",
    "rampart.antivirus.cli",
    "rampart.audit.cli",
    "rampart.storage.cli",
    "rampart.encryption.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand, in the order `--help` lists them."""
    parser = argparse.ArgumentParser(prog="rampart", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(name).add_parser(commands)
    return parser


def dispatch(arguments: argparse.Namespace) -> int:
    """Run the handler of the subcommand the arguments name and return its exit status."""
    status: int = arguments.handler(arguments)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: one line on error, never a traceback."""
    return entry.run(build_parser, dispatch, argv)
