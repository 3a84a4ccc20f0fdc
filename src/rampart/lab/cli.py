"""`rampart lab up | down | status | ssh | restart`: its arguments and handler."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `lab` subcommand and its actions."""
    lab = commands.add_parser("lab", help="the lab: a fleet of real Debian hosts on this machine")
    actions = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="build (once) and start the lab; safe to repeat")
    up.add_argument(
        "--release",
        choices=["mixed", "trixie", "bookworm", "13", "12"],
        default=None,
        help=(
            "Debian release of the hosts (default: mixed, Debian 13 with fin-01 on Debian 12;"
            " kept from the last up; a host on another release is recreated)"
        ),
    )
    up.add_argument("--extra", type=int, default=None, metavar="N", help="add N plain hosts")
    actions.add_parser("down", help="stop the lab and remove everything it made")
    actions.add_parser("status", help="show each host: running, reachable, memory")
    restart = actions.add_parser(
        "restart", help="restart a host as a server restarts (its data volume remounted)"
    )
    restart.add_argument("host")
    ssh = actions.add_parser("ssh", help="open a root shell (or run a command) on a host")
    ssh.add_argument("host")
    ssh.add_argument("remote_command", nargs=argparse.REMAINDER, metavar="COMMAND")
    lab.set_defaults(handler=dispatch)


def dispatch(arguments: argparse.Namespace) -> int:
    """Call the lab action the command line names."""
    from rampart.lab import actions

    if arguments.lab_command == "up":
        return actions.up(arguments.release, arguments.extra)
    if arguments.lab_command == "down":
        return actions.down()
    if arguments.lab_command == "status":
        return actions.status()
    if arguments.lab_command == "restart":
        return actions.restart(arguments.host)
    return actions.open_session(arguments.host, arguments.remote_command)
