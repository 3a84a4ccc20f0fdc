"""`rampart audit ...` on a host: AIDE's baseline, its scheduled check, the acceptance of a
reviewed change, the baseline's digest, and the kernel audit rules' state (REG-4.2.3)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path
from rampart.audit.config import DEFAULT_CONFIG
from rampart.caller import operator_name

CHANGES_EXIT = 8
"""`check`'s exit status when AIDE ran and found files that differ from the baseline: the
check did its job (its unit does not fail; the alert is the signal)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `audit` subcommand and its actions."""
    parser = commands.add_parser("audit", help="file integrity (AIDE) and kernel audit state")
    parser.set_defaults(handler=dispatch)
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the host's audit settings (written by the audit role)",
    )
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    actions.add_parser("baseline", help="make the first AIDE baseline (none exists yet)")
    actions.add_parser(
        "check",
        help="compare files with the baseline, write the metrics (the timer); exit 0 no"
        f" change, {CHANGES_EXIT} changes found",
    )
    accept = actions.add_parser(
        "accept", help="make the files as they are the baseline, recording who and why"
    )
    accept.add_argument("--reason", required=True, help="why the changes are right (a ticket)")
    actions.add_parser("digest", help="the baseline's SHA-256 and the record behind it (JSON)")
    actions.add_parser("status", help="write the kernel audit rules' metrics")
    run = actions.add_parser(
        "run",
        help="audit every host of the inventory (from the controller or the drill host);"
        " exit 8 when there are high findings",
    )
    add_inventory_option(run)
    run.add_argument(
        "--days", type=positive_days, default=31, help="logins and sudo use of the last N days"
    )
    run.add_argument("--json", action="store_true", help="print the report as JSON")
    run.add_argument(
        "--lynis",
        action="store_true",
        help="run Lynis on every host too (a few minutes): its hardening index and warnings",
    )
    run.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="write audit-DATE.{json,html,sha256} into DIR (new findings are those not in"
        " the newest earlier report there) and keep them on the backup server",
    )


def positive_days(text: str) -> int:
    """--days: a whole number of days from 1 up."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days from 1 up")
    return int(text)


def dispatch(arguments: argparse.Namespace) -> int:
    """Run one audit action."""
    if arguments.audit_command == "run":
        from rampart.audit.run import run_audit

        path = inventory_path(arguments.inventory)
        return run_audit(path, arguments.days, arguments.json, arguments.output, arguments.lynis)
    from rampart.audit import integrity, kernel
    from rampart.audit.config import load_config

    config = load_config(arguments.config)
    action = arguments.audit_command
    if action == "status":
        kernel.write_kernel_metrics(config)
        return 0
    if action == "digest":
        print(json.dumps(integrity.digest(config), sort_keys=True))
        return 0
    if action == "baseline":
        made = integrity.baseline(config, operator_name())
        print(f"baseline {made}" if made else f"{config.database}: a baseline exists; kept")
        return 0
    if action == "accept":
        report, digest = integrity.accept(config, operator_name(), arguments.reason)
        for line in integrity.accepted_paths(report):
            print(f"accepted: {line}")
        print(f"{report.differences} change(s) accepted; baseline {digest}")
        return 0
    kernel.write_kernel_metrics(config)
    report = integrity.check(config)
    for line in integrity.accepted_paths(report):
        print(line)
    print(f"{report.differences} change(s) against the baseline, {report.seconds:.1f} s")
    return CHANGES_EXIT if report.differences else 0
