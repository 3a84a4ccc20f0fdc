"""`rampart storage ...`: the data volume's options and the data sets' folders put right
(`apply`), or only reported (`apply --check`), and the storage metrics (`status`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rampart.storage.config import DEFAULT_CONFIG

SHOWN_CHANGES = 50
"""`--json` lists this many changes and counts the rest (a run's output stays readable)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `storage` subcommand and its actions."""
    parser = commands.add_parser("storage", help="the data volume and the data sets' folders")
    parser.set_defaults(handler=dispatch)
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the host's storage settings (written by the storage role)",
    )
    actions = parser.add_subparsers(dest="storage_command", required=True, metavar="ACTION")
    apply = actions.add_parser(
        "apply", help="remount the volume with its options, put every folder right"
    )
    apply.add_argument("--check", action="store_true", help="change nothing, say what would")
    apply.add_argument("--json", action="store_true", help="one JSON document (for the role)")
    actions.add_parser("status", help="write the volume's and the folders' metrics")


def dispatch(arguments: argparse.Namespace) -> int:
    """Run one storage action."""
    from rampart.storage.config import load_config

    config = load_config(arguments.config)
    if arguments.storage_command == "status":
        from rampart.storage.status import write_status

        write_status(config)
        return 0
    from rampart.storage.apply import apply

    outcome = apply(config, check=arguments.check)
    if arguments.json:
        changes = list(outcome.changes[:SHOWN_CHANGES])
        if len(outcome.changes) > SHOWN_CHANGES:
            changes.append(f"... and {len(outcome.changes) - SHOWN_CHANGES:,} more")
        document = {
            "changed": bool(outcome.changes),
            "count": len(outcome.changes),
            "changes": changes,
            "warnings": list(outcome.warnings),
        }
        print(json.dumps(document))
        return 0
    verb = "would change" if arguments.check else "changed"
    for line in outcome.warnings:
        print(f"warning: {line}")
    for line in outcome.changes:
        print(f"{verb}: {line}")
    if not outcome.changes:
        print("storage: as planned, nothing to change")
    return 0
