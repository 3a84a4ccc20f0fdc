"""Runs ON a host (sent over SSH to its python3): print its accounts, keys and sudo as JSON.

Standard library only, Python 3.9+. Reads /etc/passwd, /etc/shadow, /etc/group, each
account's ~/.ssh/authorized_keys, and asks sudo itself what each account may run.
"""

from __future__ import annotations

import json
import pwd
import subprocess
import sys
import time
from pathlib import Path

FIRST_PERSON_UID = 1000
NOBODY_UID = 65534


def shadow_entries() -> dict[str, tuple[str, int | None]]:
    """username -> (password field, expiry day or None)."""
    entries = {}
    with Path("/etc/shadow").open(encoding="utf-8") as shadow:
        for line in shadow:
            fields = line.rstrip("\n").split(":")
            if len(fields) >= 8:
                entries[fields[0]] = (fields[1], int(fields[7]) if fields[7] else None)
    return entries


def group_members() -> dict[str, list[str]]:
    """username -> supplementary group names."""
    members: dict[str, list[str]] = {}
    with Path("/etc/group").open(encoding="utf-8") as groups:
        for line in groups:
            fields = line.rstrip("\n").split(":")
            if len(fields) >= 4:
                for user in filter(None, fields[3].split(",")):
                    members.setdefault(user, []).append(fields[0])
    return members


def authorized_keys(home: str) -> list[str]:
    """The key lines of ~/.ssh/authorized_keys, comments and blank lines left out."""
    try:
        with (Path(home) / ".ssh" / "authorized_keys").open(encoding="utf-8") as keys:
            return [line.strip() for line in keys if line.strip() and not line.startswith("#")]
    except OSError:
        return []


def has_sudo(username: str) -> bool:
    """Ask sudo whether the account may run anything as another user."""
    try:
        listing = subprocess.run(
            ["sudo", "-n", "-l", "-U", username], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    return "may run the following commands" in listing.stdout


def main() -> None:
    """Print every person-like account (and the named ones) as one JSON document."""
    named = set(sys.argv[1:])
    shadow = shadow_entries()
    groups = group_members()
    today = int(time.time() // 86400)
    accounts = []
    for entry in pwd.getpwall():
        person_like = FIRST_PERSON_UID <= entry.pw_uid < NOBODY_UID
        if not (person_like or entry.pw_name in named or entry.pw_uid == 0):
            continue
        password, expiry = shadow.get(entry.pw_name, ("", None))
        accounts.append(
            {
                "username": entry.pw_name,
                "uid": entry.pw_uid,
                "shell": entry.pw_shell,
                "password_locked": password.startswith(("!", "*")),
                "expired": expiry is not None and expiry <= today,
                "groups": sorted(groups.get(entry.pw_name, [])),
                "keys": authorized_keys(entry.pw_dir),
                "sudo": entry.pw_uid != 0 and has_sudo(entry.pw_name),
            }
        )
    json.dump({"accounts": accounts}, sys.stdout)


if __name__ == "__main__":
    main()
