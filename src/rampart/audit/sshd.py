"""The SSH server's settings as sshd really uses them (`sshd -T`, after every file and
drop-in) against what roles/ssh enforces (REG-4.2.1, REG-4.2.2): keys only, no root
password, no forwarding of X11, TCP or agents, no weak algorithms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

EXACT: tuple[tuple[str, frozenset[str], str, str], ...] = (
    # (setting, allowed values, severity, clause)
    ("passwordauthentication", frozenset({"no"}), "high", "REG-4.2.1"),
    ("kbdinteractiveauthentication", frozenset({"no"}), "high", "REG-4.2.1"),
    ("permitemptypasswords", frozenset({"no"}), "high", "REG-4.2.1"),
    (
        "permitrootlogin",
        frozenset({"without-password", "prohibit-password", "no"}),
        "high",
        "REG-4.2.1",
    ),
    ("pubkeyauthentication", frozenset({"yes"}), "medium", "REG-4.2.1"),
    ("permituserenvironment", frozenset({"no"}), "medium", "REG-4.2.1"),
    ("x11forwarding", frozenset({"no"}), "medium", "REG-4.2.1"),
    ("allowtcpforwarding", frozenset({"no"}), "medium", "REG-4.2.1"),
    ("allowagentforwarding", frozenset({"no"}), "medium", "REG-4.2.1"),
)
MAX_AUTH_TRIES = 4
WEAK = {
    "ciphers": re.compile(r"-cbc$|^3des|^arcfour|^blowfish|^cast128"),
    "macs": re.compile(r"md5|sha1|-96|^umac-64"),
    "kexalgorithms": re.compile(r"sha1$|group1-|group14-sha1"),
}


def deviations(settings: Mapping[str, Sequence[str]]) -> list[tuple[str, str, str, str]]:
    """(severity, clause, setting, what is wrong) for each setting that falls short."""
    found = []
    for key, allowed, severity, clause in EXACT:
        value = " ".join(settings.get(key) or ["(unset)"])
        if value not in allowed:
            wanted = " or ".join(sorted(allowed))
            found.append((severity, clause, key, f"is {value}; the hardening wants {wanted}"))
    tries = " ".join(settings.get("maxauthtries") or ["6"])
    if not tries.isdigit() or int(tries) > MAX_AUTH_TRIES:
        found.append(
            ("medium", "REG-4.2.1", "maxauthtries", f"is {tries}; at most {MAX_AUTH_TRIES}")
        )
    if not settings.get("allowgroups") and not settings.get("allowusers"):
        found.append(("medium", "REG-4.2.1", "allowgroups", "unset: any account may log in"))
    for key, pattern in WEAK.items():
        offered = ",".join(settings.get(key) or []).split(",")
        weak = [name for name in offered if name and pattern.search(name)]
        if weak:
            found.append(("high", "REG-4.2.2", key, f"offers weak {', '.join(weak)}"))
    return found


def parse(text: str) -> dict[str, list[str]]:
    """`sshd -T`'s lines as setting -> values (a setting may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            settings.setdefault(key.lower(), []).append(value)
    return settings
