"""`rampart encryption ...` on a host: make and bind keys (`keys`), encrypt the folders
(`apply`), unlock at boot (`unlock`), lock (`lock`), a recovery key in and out (`unlock
--recovery-key-stdin`, `recovery-key`), and the metrics (`status`). docs/encryption.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rampart.encryption.config import DEFAULT_CONFIG, EncryptionConfig, Folder

TANG_KEYS = Path("/var/lib/tang")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `encryption` subcommand and its actions."""
    parser = commands.add_parser("encryption", help="the data sets' encryption at rest")
    parser.set_defaults(handler=dispatch)
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the host's encryption settings (written by the encryption role)",
    )
    actions = parser.add_subparsers(dest="encryption_command", required=True, metavar="ACTION")
    keys = actions.add_parser("keys", help="make each data set's key where missing, bound to tang")
    keys.add_argument("--check", action="store_true", help="change nothing, say what would")
    apply = actions.add_parser("apply", help="unlock and encrypt every escrowed data set's folder")
    apply.add_argument("--check", action="store_true", help="change nothing, say what would")
    apply.add_argument("--json", action="store_true", help="one JSON document (for the role)")
    unlock = actions.add_parser("unlock", help="add the data sets' keys from tang")
    unlock.add_argument("--data-set", help="only this data set")
    unlock.add_argument(
        "--wait", type=float, default=0.0, help="seconds to keep trying while tang is away"
    )
    unlock.add_argument(
        "--recovery-key-stdin",
        action="store_true",
        help="read the data set's recovery key (hex) from standard input instead of tang,"
        " and bind it to tang again",
    )
    lock = actions.add_parser("lock", help="remove the data sets' keys: their folders lock")
    lock.add_argument("--data-set", help="only this data set")
    recovery = actions.add_parser(
        "recovery-key", help="print a data set's key (hex) from tang, for the vault"
    )
    recovery.add_argument("data_set")
    actions.add_parser("status", help="write the encryption metrics")
    thumbprint = actions.add_parser(
        "tang-thumbprint", help="on the tang server: the signing key's thumbprint hosts pin"
    )
    thumbprint.add_argument("--keys", type=Path, default=TANG_KEYS, help="tang's key folder")


def dispatch(arguments: argparse.Namespace) -> int:
    """Run one encryption action."""
    from rampart.encryption import custody
    from rampart.encryption.config import load_config
    from rampart.errors import EncryptionError

    command = arguments.encryption_command
    if command == "tang-thumbprint":
        from rampart.encryption.tang import signing_thumbprints

        print(signing_thumbprints(arguments.keys)[0])
        return 0
    config = load_config(arguments.config)
    chosen = getattr(arguments, "data_set", None)
    folders = [folder for folder in config.folders if chosen in (None, folder.data_set)]
    if chosen is not None and not folders:
        known = ", ".join(folder.data_set for folder in config.folders) or "none"
        raise EncryptionError(f"{chosen}: not a data set encrypted here (encrypted: {known})")
    if command == "status":
        from rampart.encryption.status import write_status

        write_status(config)
    elif command == "keys":
        from rampart.encryption.apply import ensure_keys

        states = ensure_keys(config, check=arguments.check)
        print(
            json.dumps(
                {
                    "changed": any(state.new for state in states),
                    "data_sets": [state.__dict__ for state in states],
                }
            )
        )
    elif command == "apply":
        _apply(config, arguments)
    elif command == "recovery-key":
        sys.stdout.write(custody.unwrap(config, folders[0]).hex() + "\n")
    elif command == "lock":
        _refuse_a_running_database(folders)
        for folder in folders:
            print(f"{folder.data_set}: {custody.lock(config, folder).name.lower()}")
    elif arguments.recovery_key_stdin:
        if len(folders) != 1:
            raise EncryptionError("--recovery-key-stdin: name the data set with --data-set")
        try:
            key = bytes.fromhex(sys.stdin.readline().strip())
        except ValueError:
            raise EncryptionError(f"{folders[0].data_set}: the recovery key is not hex") from None
        custody.keep(config, folders[0], key)
        print(f"{folders[0].data_set}: unlocked with the recovery key, bound to tang again")
    else:
        for folder in folders:
            done = custody.unlock(config, folder, wait=arguments.wait)
            print(f"{folder.data_set}: {'unlocked' if done else 'already unlocked'}")
    return 0


def _refuse_a_running_database(folders: list[Folder]) -> None:
    """Locking a tablespace under a running PostgreSQL breaks it: refused before anything."""
    import subprocess

    from rampart.errors import EncryptionError

    databases = [folder for folder in folders if folder.database is not None]
    if not databases:
        return
    running = subprocess.run(["systemctl", "is-active", "--quiet", "postgresql"], check=False)
    for folder in databases:
        if running.returncode == 0:
            raise EncryptionError(
                f"{folder.data_set}: PostgreSQL runs on its tablespace; stop PostgreSQL first"
                " (or lock another data set with --data-set)"
            )


def _apply(config: EncryptionConfig, arguments: argparse.Namespace) -> None:
    from rampart.encryption.apply import apply

    outcome = apply(config, check=arguments.check)
    if arguments.json:
        print(
            json.dumps(
                {
                    "changed": bool(outcome.changes),
                    "changes": list(outcome.changes),
                    "warnings": list(outcome.warnings),
                }
            )
        )
        return
    verb = "would change" if arguments.check else "changed"
    for line in outcome.warnings:
        print(f"warning: {line}")
    for line in outcome.changes:
        print(f"{verb}: {line}")
    if not outcome.changes:
        print("encryption: as planned, nothing to change")
