"""`python3 -m rampart.backup backup ACTION ...`: the backup runner on its own, as hosts run
it (roles/backup copies only this package and the stdlib-only modules it needs)."""

from __future__ import annotations

import argparse

from rampart import entry
from rampart.backup.cli import add_arguments, dispatch


def build_parser() -> argparse.ArgumentParser:
    """The `rampart` parser with only the `backup` command."""
    parser = argparse.ArgumentParser(prog="rampart")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_arguments(commands.add_parser("backup", help="backups with restic and restore drills"))
    return parser


raise SystemExit(entry.run(build_parser(), dispatch))
