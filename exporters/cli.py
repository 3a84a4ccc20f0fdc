"""The `rampart exporter ...` subcommands: run an exporter, or write its configuration."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `rampart exporter availability`, `availability-config`, `expected-series`,
    `runbook-pages`, `runbook-pages-build` and `web-password-hash`."""
    exporter = commands.add_parser("exporter", help="Rampart's Prometheus exporters")
    exporter.set_defaults(handler=dispatch)
    actions = exporter.add_subparsers(dest="exporter_command", required=True, metavar="EXPORTER")
    availability = actions.add_parser(
        "availability", help="probe every catalog service and serve the results (REG-7.1)"
    )
    availability.add_argument("--config", type=Path, required=True, metavar="FILE")
    availability.add_argument(
        "--check", action="store_true", help="only validate the configuration, then exit"
    )
    generate = actions.add_parser(
        "availability-config", help="write the availability exporter's config from an inventory"
    )
    add_inventory_option(generate)
    generate.add_argument("--output", type=Path, default=None, metavar="FILE")
    generate.add_argument("--listen", default="0.0.0.0:9470", metavar="ADDRESS:PORT")
    generate.add_argument("--web-config-file", default=None, metavar="FILE")
    generate.add_argument("--postgresql-user", default="rampart_probe")
    generate.add_argument("--postgresql-password-file", default=None, metavar="FILE")
    generate.add_argument("--ssh-user", default="rampart-probe")
    generate.add_argument("--ssh-key-file", default=None, metavar="FILE")
    generate.add_argument("--known-hosts-file", default=None, metavar="FILE")
    generate.add_argument("--ca-file", default=None, metavar="FILE")
    pages = actions.add_parser(
        "runbook-pages", help="serve the built runbook pages at /runbooks/ (TLS, basic auth)"
    )
    pages.add_argument("--folder", type=Path, required=True, metavar="DIR")
    pages.add_argument("--listen", required=True, metavar="ADDRESS:PORT")
    pages.add_argument("--web-config-file", type=Path, default=None, metavar="FILE")
    pages.add_argument(
        "--check", action="store_true", help="only load the pages and web config, then exit"
    )
    build = actions.add_parser(
        "runbook-pages-build", help="render runbooks/*.md and *.yml into HTML pages"
    )
    build.add_argument("--runbooks", type=Path, default=Path("runbooks"), metavar="DIR")
    build.add_argument("--output", type=Path, required=True, metavar="DIR")
    hashing = actions.add_parser(
        "web-password-hash",
        help="a bcrypt hash of the password on standard input, kept in FILE while it matches",
    )
    hashing.add_argument("--keep", type=Path, required=True, metavar="FILE")
    expected = actions.add_parser(
        "expected-series",
        help="the series the plan says must exist (rampart_backup_expected_info), as a"
        " node_exporter textfile",
    )
    add_inventory_option(expected)
    expected.add_argument("--output", type=Path, default=None, metavar="FILE")


def dispatch(arguments: argparse.Namespace) -> int:
    """Run the exporter action the arguments name."""
    if arguments.exporter_command == "expected-series":
        return expected_series(arguments)
    if arguments.exporter_command.startswith("runbook-pages"):
        return _runbook_pages(arguments)
    if arguments.exporter_command == "web-password-hash":
        import json
        import sys

        from rampart.exporters.web import remembered_hash

        password = sys.stdin.read().strip()
        hashed, changed = remembered_hash(password, arguments.keep)
        print(json.dumps({"hash": hashed, "changed": changed}))
        return 0
    if arguments.exporter_command == "availability":
        from rampart.exporters.availability import service

        if arguments.check:
            return service.check_config(arguments.config)
        return service.serve(arguments.config)
    from rampart.exporters.availability.catalog import (
        ProbeCredentials,
        exporter_config,
        write_exporter_config,
    )
    from rampart.inventory import load_inventory

    inventory = load_inventory(inventory_path(arguments.inventory))
    credentials = ProbeCredentials(
        postgresql_user=arguments.postgresql_user,
        postgresql_password_file=arguments.postgresql_password_file,
        ssh_user=arguments.ssh_user,
        ssh_key_file=arguments.ssh_key_file,
        known_hosts_file=arguments.known_hosts_file,
        ca_file=arguments.ca_file,
    )
    document = exporter_config(inventory, credentials, arguments.listen, arguments.web_config_file)
    write_exporter_config(document, arguments.output)
    return 0


def _runbook_pages(arguments: argparse.Namespace) -> int:
    from rampart.exporters import runbook_pages
    from rampart.exporters.web import load_web_config

    if arguments.exporter_command == "runbook-pages-build":
        names = runbook_pages.build(arguments.runbooks, arguments.output)
        print(f"{arguments.output}: {len(names)} runbook pages and the index")
        return 0
    if arguments.check:
        load_web_config(arguments.web_config_file)
        pages = runbook_pages.load_pages(arguments.folder)
        print(f"{arguments.folder}: {len(pages)} paths")
        return 0
    return runbook_pages.serve(arguments.folder, arguments.listen, arguments.web_config_file)


def expected_series(arguments: argparse.Namespace) -> int:
    """Print (or write atomically) the plan's expected series."""
    from rampart.inventory import load_inventory
    from rampart.plan.expected import expected_text
    from rampart.textfile import write_atomically

    text = expected_text(load_inventory(inventory_path(arguments.inventory)))
    if arguments.output is None:
        print(text, end="")
    else:
        write_atomically(arguments.output, text)
    return 0
