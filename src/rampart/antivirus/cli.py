"""`rampart antivirus ...`: the scan, the status metrics, the quarantine and release of a
false positive on a host, and the signature feed on the mirror (REG-4.2.4)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.antivirus.config import DEFAULT_CONFIG
from rampart.caller import operator_name

FOUND_EXIT = 8
"""`scan`'s exit status when it read every file and quarantined what it found: the scan
did its job (its unit does not fail; the alert is the signal). 1: a file or folder could
not be scanned. 0: every file read, nothing found."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `antivirus` subcommand and its actions."""
    parser = commands.add_parser("antivirus", help="ClamAV scans, quarantine and signatures")
    parser.set_defaults(handler=dispatch)
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the host's antivirus settings (written by the antivirus role)",
    )
    actions = parser.add_subparsers(dest="antivirus_command", required=True, metavar="ACTION")
    actions.add_parser(
        "scan",
        help="scan every data set, quarantine what is found (the timer); exit 0 clean,"
        f" {FOUND_EXIT} found and quarantined, 1 not every file scanned",
    )
    actions.add_parser("status", help="write clamd's, the signatures' and the quarantine's metrics")
    actions.add_parser("quarantine", help="list the files held in quarantine")
    release = actions.add_parser("release", help="put a false positive back and allow it")
    release.add_argument("entry", metavar="ID", help="the quarantine entry (see `quarantine`)")
    eicar = actions.add_parser(
        "eicar", help="write the harmless EICAR test file (drills; refuses an existing file)"
    )
    eicar.add_argument("path", type=Path, metavar="PATH")
    feed = actions.add_parser("feed", help="build and publish Rampart's signatures (the mirror)")
    feed.add_argument("--output", type=Path, required=True, help="the mirror's folder")


def dispatch(arguments: argparse.Namespace) -> int:
    """Run one antivirus action."""
    if arguments.antivirus_command == "eicar":
        from rampart.antivirus.signatures import write_eicar

        write_eicar(arguments.path)
        print(f"{arguments.path}: the EICAR test file (harmless; every scanner reports it)")
        return 0
    if arguments.antivirus_command == "feed":
        from rampart.antivirus.signatures import build

        database = build(arguments.output)
        print(
            f"{arguments.output}/{database.name}.cud: version {database.version},"
            f" {database.signatures} signatures"
        )
        return 0
    from rampart.antivirus.config import load_config

    config = load_config(arguments.config)
    if arguments.antivirus_command == "scan":
        from rampart.antivirus.scan import scan_all
        from rampart.antivirus.status import write_status

        results = scan_all(config)
        write_status(config)
        for result in results:
            state = "ok" if result.success else "INCOMPLETE"
            print(
                f"{result.scan.data_set}: {result.files} files, {result.bytes} bytes,"
                f" {len(result.infected)} infected, {result.seconds:.1f} s, {state}"
            )
            for entry in result.quarantined:
                print(f"  quarantined {entry.path} ({entry.signature}) as {entry.id}")
            for error in result.errors:
                print(f"  error: {error}")
        if any(not result.success for result in results):
            return 1
        return FOUND_EXIT if any(result.infected for result in results) else 0
    if arguments.antivirus_command == "status":
        from rampart.antivirus.status import write_status

        write_status(config)
        return 0
    from rampart.antivirus import quarantine

    if arguments.antivirus_command == "quarantine":
        for entry in quarantine.entries(config.quarantine_dir):
            print(
                f"{entry.id}  {entry.signature}  {entry.path}  ({entry.data_set},"
                f" {entry.owner}:{entry.group} {entry.mode}, {entry.size} bytes)"
            )
        return 0
    from rampart.antivirus.allow import allow
    from rampart.antivirus.status import write_status
    from rampart.journal import Journal

    who = operator_name()
    entry = quarantine.release(config.quarantine_dir, arguments.entry, who)
    allow(config, entry)
    with Journal(config.journal, host=config.host) as journal:
        journal.write("file_released", id=entry.id, path=entry.path, released_by=who)
    write_status(config)
    print(f"{entry.path}: put back; its SHA-256 is allowed from now on")
    return 0
