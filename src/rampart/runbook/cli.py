"""`rampart runbook list | show | validate | run | resume | history`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rampart.ansible_config import add_inventory_option, inventory_path
from rampart.errors import ConfigError

EXIT_STATUS = {"succeeded": 0, "failed": 1, "interrupted": 130}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `runbook` subcommand and its actions."""
    runbook = commands.add_parser("runbook", help="runbooks: show, validate, run and resume them")
    runbook.set_defaults(handler=dispatch)
    actions = runbook.add_subparsers(dest="runbook_command", required=True, metavar="ACTION")
    directory = argparse.ArgumentParser(add_help=False)
    directory.add_argument("--runbooks", type=Path, default=Path("runbooks"), help="runbook folder")
    runs = argparse.ArgumentParser(add_help=False)
    runs.add_argument(
        "--runs-dir",
        type=Path,
        default=None,
        help="journals and reports (default $RAMPART_RUNBOOK_RUNS, /var/lib/rampart/runbooks)",
    )
    running = argparse.ArgumentParser(add_help=False, parents=[runs])
    running.add_argument(
        "--metrics-dir",
        type=Path,
        default=None,
        help="textfile metrics here (default $RAMPART_TEXTFILE_DIR; on an inventory host"
        " /var/lib/prometheus/node-exporter; elsewhere that folder on --metrics-host)",
    )
    running.add_argument(
        "--metrics-host",
        default=None,
        metavar="HOST",
        help="from a machine outside the inventory: the host whose node_exporter gets the"
        " metrics (default the first monitoring host)",
    )
    running.add_argument(
        "--yes", action="store_true", help="approve gates marked safe_for_automation (only those)"
    )
    actions.add_parser("list", parents=[directory, runs], help="every runbook with its last drill")
    show = actions.add_parser(
        "show", parents=[directory, runs], help="a runbook as Markdown for on-call"
    )
    show.add_argument("runbook", metavar="RUNBOOK")
    add_inventory_option(show, "the inventory to fill templates from")
    show.add_argument("--raw", action="store_true", help="show templates as written")
    validate = actions.add_parser("validate", help="check runbook files against the schema")
    validate.add_argument("paths", nargs="*", type=Path, default=[Path("runbooks")], metavar="PATH")
    run = actions.add_parser("run", parents=[directory, running], help="run a runbook")
    run.add_argument("runbook", metavar="RUNBOOK")
    run.add_argument("--drill", action="store_true", help="a drill: inject the fault first")
    run.add_argument("--dry-run", action="store_true", help="print what would run; change nothing")
    add_inventory_option(run)
    run.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="override a variable"
    )
    resume = actions.add_parser("resume", parents=[running], help="continue a failed run")
    resume.add_argument("run_id", metavar="RUN_ID")
    past = actions.add_parser("history", parents=[runs], help="past runs, oldest first")
    past.add_argument("--runbook", default=None, help="only this runbook's runs")


def dispatch(arguments: argparse.Namespace) -> int:
    """Run the chosen action; the runbook machinery is imported here so `--help` stays fast."""
    from rampart.runbook.journal import runs_directory
    from rampart.runbook.load import find_runbook, load_runbook

    action = arguments.runbook_command
    if action == "validate":
        return validate(arguments.paths)
    if action == "list":
        return list_runbooks(arguments.runbooks, runs_directory(arguments.runs_dir))
    if action == "show":
        return show(arguments)
    if action == "history":
        return show_history(runs_directory(arguments.runs_dir), arguments.runbook)
    from rampart.runbook import engine

    interactive = sys.stdin.isatty()
    if action == "resume":
        from rampart.journal import read_journal
        from rampart.runbook.journal import JOURNAL_NAME

        journal = runs_directory(arguments.runs_dir) / arguments.run_id / JOURNAL_NAME
        if journal.is_file():
            read_journal(journal)  # a damaged journal is said first, before anything else
        options = engine.RunOptions(
            drill=False,
            runs=runs_directory(arguments.runs_dir),
            inventory=inventory_path(None),
            metrics=arguments.metrics_dir,
            metrics_host=arguments.metrics_host,
            yes=arguments.yes,
            interactive=interactive,
        )
        return EXIT_STATUS[engine.resume(arguments.run_id, options).status]
    runbook = load_runbook(find_runbook(arguments.runbooks, arguments.runbook))
    options = engine.RunOptions(
        drill=arguments.drill,
        runs=runs_directory(arguments.runs_dir),
        inventory=inventory_path(arguments.inventory),
        metrics=arguments.metrics_dir,
        metrics_host=arguments.metrics_host,
        yes=arguments.yes,
        interactive=interactive,
        overrides=_overrides(arguments.var, set(runbook.vars)),
    )
    if arguments.dry_run:
        from rampart.runbook.render import plan

        print(plan(runbook, engine.dry_run_context(runbook, options)), end="")
        return 0
    return EXIT_STATUS[engine.start(runbook, options).status]


def show(arguments: argparse.Namespace) -> int:
    """Print the runbook as Markdown, templates filled when the inventory can be read."""
    from rampart.runbook import engine
    from rampart.runbook.journal import drilled_text, last_drills, runs_directory
    from rampart.runbook.load import find_runbook, load_runbook
    from rampart.runbook.render import markdown

    runbook = load_runbook(find_runbook(arguments.runbooks, arguments.runbook))
    drilled = drilled_text(
        last_drills(runs_directory(arguments.runs_dir)).get(runbook.id), runbook.last_drilled
    )
    context = None
    if not arguments.raw:
        try:
            inventory = inventory_path(arguments.inventory)
            options = engine.RunOptions(drill=False, runs=Path(), inventory=inventory)
            context = engine.dry_run_context(runbook, options)
            text = markdown(runbook, context, drilled)
        except ConfigError as error:
            print(f"(templates shown as written: {error})", file=sys.stderr)
            context = None
    if context is None:
        text = markdown(runbook, drilled=drilled)
    print(text, end="")
    return 0


def _overrides(pairs: list[str], known: set[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise ConfigError(f"--var {pair}: write NAME=VALUE")
        if name not in known:
            raise ConfigError(
                f"--var {name}: the runbook has no such variable ({', '.join(sorted(known))})"
            )
        overrides[name] = value
    return overrides


def validate(paths: list[Path]) -> int:
    """Check runbook files (or folders of them); each problem on its own line on stderr."""
    from rampart.runbook.load import RunbookInvalid, load_runbook, runbook_files

    status = 0
    files = []
    for path in paths:
        if path.is_dir():
            found = runbook_files(path)
            if not found:
                print(f"{path}: no runbook files (*.yml) in this folder", file=sys.stderr)
                status = 2
            files.extend(found)
        else:
            files.append(path)
    for path in files:
        try:
            runbook = load_runbook(path)
        except RunbookInvalid as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            status = 2
            continue
        print(f"runbook OK: {path} ({runbook.id}, {len(runbook.steps)} steps)")
    return status


def list_runbooks(directory: Path, runs: Path) -> int:
    """Id, severity, RTO, last drill (from the run history) and title of every runbook."""
    from rampart.runbook.journal import drilled_text, last_drills
    from rampart.runbook.load import load_runbook, runbook_files

    drills = last_drills(runs)
    print(f"{'RUNBOOK':24} {'SEVERITY':9} {'RTO':>6}  {'LAST DRILLED':26} TITLE")
    for path in runbook_files(directory):
        runbook = load_runbook(path)
        drilled = drilled_text(drills.get(runbook.id), runbook.last_drilled)
        print(
            f"{runbook.id:24} {runbook.severity:9} {runbook.rto_seconds:>5}s"
            f"  {drilled:26} {runbook.title}"
        )
    return 0


def show_history(runs: Path, only: str | None) -> int:
    """Past runs from their journals."""
    from rampart.runbook.journal import history

    print(f"{'RUN':48} {'MODE':9} {'STARTED':33} {'SECONDS':>8}  STATUS")
    for run in history(runs):
        if only and run.runbook != only:
            continue
        seconds = f"{run.duration_seconds:.1f}" if run.duration_seconds is not None else "-"
        print(f"{run.run_id:48} {run.mode:9} {run.started:33} {seconds:>8}  {run.status}")
    return 0
