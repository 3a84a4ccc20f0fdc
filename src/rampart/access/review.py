"""Compare what a host really has with what its plan grants there (REG-6.2.3).

Pure functions on plain data, so the comparison is tested without hosts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rampart.inventory import Inventory
from rampart.plan import host_plan

UNKNOWN_ACCOUNT = "unknown account"
LEAVER_ACTIVE = "leaver still active"
ACCESS_BEYOND_POST = "login beyond post"
SUDO_BEYOND_POST = "sudo beyond post"
EXTRA_KEY = "key not in directory"
MISSING_ACCOUNT = "missing account"
UNREACHABLE = "host unreachable"


@dataclass(frozen=True)
class Finding:
    """One difference between a host and the directory."""

    host: str
    account: str
    finding: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The finding as JSON-ready data."""
        return asdict(self)


def key_identity(line: str) -> str:
    """A key without its options and comment: `TYPE BASE64`."""
    parts = line.split()
    for index, part in enumerate(parts):
        if part.startswith(("ssh-", "ecdsa-", "sk-")) and index + 1 < len(parts):
            return f"{part} {parts[index + 1]}"
    return line.strip()


def usable(account: Mapping[str, Any]) -> bool:
    """Whether someone can still log in to the account (an expired account cannot)."""
    return not account["expired"]


def compare_host(
    inventory: Inventory, host: str, accounts: Iterable[Mapping[str, Any]]
) -> list[Finding]:
    """Every drift on one host: unknown accounts, leavers, rights beyond the post, extra keys."""
    people = {person.username: person for person in inventory.people}
    plan = host_plan(inventory, host)
    expected = {account.username: account for account in (*plan.accounts, *plan.revoked)}
    findings: list[Finding] = []
    present = {account["username"]: account for account in accounts}
    for username, account in sorted(present.items()):
        if account["uid"] == 0:
            continue
        person = people.get(username)
        if person is None:
            keys = len(account["keys"])
            findings.append(
                Finding(host, username, UNKNOWN_ACCOUNT, f"uid {account['uid']}, {keys} key(s)")
            )
            continue
        wanted = expected[username]
        own_keys = {key_identity(key) for key in person.ssh_keys}
        beyond = ACCESS_BEYOND_POST if person.active else LEAVER_ACTIVE
        if not wanted.login and usable(account):
            findings.append(Finding(host, username, beyond, "account is not locked and expired"))
        if account["sudo"] and not wanted.sudo:
            findings.append(Finding(host, username, SUDO_BEYOND_POST, "sudo allows commands"))
        for key in account["keys"]:
            # A mover's or leaver's own key is theirs: the finding is the login it still
            # gives here, not a key from outside the directory.
            if key_identity(key) not in own_keys:
                findings.append(Finding(host, username, EXTRA_KEY, key_summary(key)))
            elif not wanted.login:
                detail = f"own key still authorized: {key_summary(key)}"
                findings.append(Finding(host, username, beyond, detail))
    for username in sorted(people):
        if username not in present and expected[username].login:
            findings.append(Finding(host, username, MISSING_ACCOUNT, "post grants login here"))
    return findings


def key_summary(line: str) -> str:
    """A key shortened for a table: type, the end of its data, and its comment."""
    identity = key_identity(line).split()
    comment = line.split(identity[-1], 1)[-1].strip() if len(identity) == 2 else ""
    short = f"{identity[0]} ...{identity[-1][-12:]}" if len(identity) == 2 else line[:40]
    return f"{short} {comment}".strip()
