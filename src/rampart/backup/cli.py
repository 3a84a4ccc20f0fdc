"""`rampart backup ...`: its arguments and handler, part of `rampart.cli` on the controller
and on hosts (where the timers of the backup role run it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rampart.errors import RampartError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `backup` subcommand and its actions."""
    parser = commands.add_parser("backup", help="backups with restic and restore drills")
    parser.set_defaults(handler=dispatch)
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("/etc/rampart/backup/config.json"),
        help="the host's backup settings (written by the backup role)",
    )
    actions = parser.add_subparsers(dest="backup_command", required=True, metavar="ACTION")
    actions.add_parser("init", help="create the host's repository unless it exists")
    actions.add_parser("run", help="dump, back up, apply retention, write metrics (the timer)")
    actions.add_parser("check", help="restic check with a data subset, as metrics (the timer)")
    drill = actions.add_parser("drill", help="restore into scratch space and verify every file")
    drill.add_argument(
        "--pick",
        choices=["latest", "random"],
        default="latest",
        help="the latest snapshot, or a random one within the drill window",
    )
    drill.add_argument("--data-class", default=None, help="drill one data class only")
    restore = actions.add_parser(
        "restore", help="put the data back from the backups, in place (keeps what it replaces)"
    )
    restore.add_argument("--data-class", default=None, help="restore one data class only")
    restore.add_argument(
        "--snapshot",
        default=None,
        help="this snapshot (an id or its start) instead of the latest; needs --data-class",
    )
    exporter = actions.add_parser("exporter", help="serve the backup server's metrics")
    exporter.add_argument("--root", type=Path, default=Path("/srv/backup/chroot"))
    exporter.add_argument("--layout", default="repo", help="repository folder under root/HOST")
    exporter.add_argument("--address", default="0.0.0.0")  # noqa: S104 - an exporter's job
    exporter.add_argument("--port", type=int, default=9917)
    exporter.add_argument("--interval", type=float, default=60.0)
    exporter.add_argument(
        "--web-config-file",
        type=Path,
        help="TLS and basic auth, in node_exporter's web config format (none: plain, open)",
    )


def dispatch(arguments: argparse.Namespace) -> int:
    """Run one backup action; the actions are imported here so `--help` stays fast."""
    if arguments.backup_command == "exporter":
        from rampart.exporters.backup_server import serve

        return serve(
            arguments.root,
            arguments.layout,
            arguments.address,
            arguments.port,
            arguments.interval,
            arguments.web_config_file,
        )
    from rampart.backup.config import load_config

    config = load_config(arguments.config)
    if arguments.backup_command == "init":
        from rampart.backup.runner import initialise

        print("repository created" if initialise(config) else "repository exists")
        return 0
    if arguments.backup_command == "run":
        from rampart.backup.runner import run_backup

        state = run_backup(config)
        for data_class, result in sorted(state["classes"].items()):
            print(
                f"{data_class}: snapshot {result['snapshot_id'][:8]}, {result['files']} files, "
                f"{result['bytes_added']} bytes added, {result['snapshots']} snapshots"
            )
        return 0
    if arguments.backup_command == "check":
        from rampart.backup.runner import run_check

        run_check(config)
        print("check passed")
        return 0
    if arguments.backup_command == "drill":
        from rampart.backup.drill import run_drill

        for result in run_drill(config, arguments.pick, arguments.data_class):
            print(
                f"{result.data_class}: passed, snapshot {result.snapshot_id[:8]}, "
                f"{result.files_verified} files, {result.bytes_verified} bytes verified, "
                f"RTO {result.seconds:.1f} s, RPO {result.rpo_seconds:.0f} s"
            )
        return 0
    if arguments.backup_command == "restore":
        from rampart.backup.recovery import ClassResult
        from rampart.backup.restore import run_restore

        def report(result: ClassResult) -> None:
            kept = f", kept {' '.join(result.kept)}" if result.kept else ""
            print(
                f"{result.data_class}: restored, snapshot {result.snapshot_id[:8]}, "
                f"{result.files_verified} files, {result.bytes_verified} bytes verified, "
                f"{result.seconds:.1f} s{kept}",
                flush=True,
            )

        run_restore(config, arguments.data_class, arguments.snapshot, report)
        return 0
    raise RampartError(f"unknown backup action {arguments.backup_command}")
