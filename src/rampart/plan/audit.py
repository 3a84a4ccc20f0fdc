"""The security audit's host controls in the plan (REG-4.2.3): the kernel audit rules each
host loads, and what AIDE's file integrity baseline covers.

The rules are auditctl arguments, each with the key its events carry, so `ausearch -k`
finds them by topic. They watch what an intruder changes first (identity files, sudo and
SSH settings), the use of privileged commands by a person (auid of a login), and writes to
the files of data sets whose class is encrypted at rest (the sensitive ones). Reads are not
watched: the nightly backup and the antivirus read every file, and the events would bury
the rest (the cost Neo23x0/auditd's users report, #122).
"""

from __future__ import annotations

from rampart.inventory import Inventory
from rampart.plan.model import AuditPlan, AuditRule, DataSetPlan
from rampart.plan.monitoring import BACKUP_SERVER_GROUP, MONITORING_GROUP

CLAUSE = "REG-4.2.3"
KEY_PREFIX = "rampart"
IDENTITY_FILES = (
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/security/opasswd",
)
SUDO_FILES = ("/etc/sudoers", "/etc/sudoers.d")
SSHD_FILES = ("/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d")
PRIVILEGED_COMMANDS = (
    "/usr/bin/sudo",
    "/usr/bin/su",
    "/usr/bin/passwd",
    "/usr/bin/chage",
    "/usr/bin/gpasswd",
    "/usr/bin/crontab",
    "/usr/sbin/useradd",
    "/usr/sbin/usermod",
    "/usr/sbin/userdel",
    "/usr/sbin/visudo",
)
FIRST_PERSON_UID = 1000
"""Privileged commands are recorded for login sessions of people (auid 1000 and up);
services and the boot are left out."""
INTEGRITY_PATHS = ("/etc", "/usr/bin", "/usr/sbin", "/usr/local")
"""What AIDE's baseline covers: the system's settings and programs. Data sets change all
day; their writes are audited by the kernel rules instead."""
INTEGRITY_EXCLUDES = (
    "/etc/mtab",
    "/etc/adjtime",
    "/etc/ld.so.cache",
    "/etc/.pwd.lock",
    "/etc/resolv.conf",
)
"""Files the system itself rewrites in normal operation."""


def watch(key: str, topic: str, path: str, permissions: str = "wa") -> AuditRule:
    """A watch of a file or folder (a folder's whole tree) for writes and attribute changes."""
    return AuditRule(CLAUSE, topic, key, ("-w", path, "-p", permissions))


def audit_rules(
    data_sets: tuple[DataSetPlan, ...], key_prefix: str = KEY_PREFIX
) -> tuple[AuditRule, ...]:
    """The host's kernel audit rules; `key_prefix` starts every key (a test uses its own)."""
    rules = [watch(f"{key_prefix}-identity", "identity files", path) for path in IDENTITY_FILES]
    rules += [watch(f"{key_prefix}-sudoers", "sudo settings", path) for path in SUDO_FILES]
    rules += [watch(f"{key_prefix}-sshd", "SSH server settings", path) for path in SSHD_FILES]
    rules += [
        AuditRule(
            CLAUSE,
            "privileged commands run by a person",
            f"{key_prefix}-privileged",
            (
                "-a",
                "always,exit",
                "-F",
                f"path={command}",
                "-F",
                "perm=x",
                "-F",
                f"auid>={FIRST_PERSON_UID}",
                "-F",
                "auid!=unset",
            ),
        )
        for command in PRIVILEGED_COMMANDS
    ]
    for data_set in data_sets:
        if data_set.policy.encrypt_at_rest:
            topic = f"writes to the {data_set.data_class} data set {data_set.name}"
            key = f"{key_prefix}-data-{data_set.name}"
            rules += [watch(key, topic, path) for path in data_set.paths]
    return tuple(rules)


def digest_host(inventory: Inventory, host: str) -> str | None:
    """Where `host`'s baseline digest is kept: the first backup server that is not `host`,
    else the first monitoring host that is not; None if the fleet has neither."""
    for group in (BACKUP_SERVER_GROUP, MONITORING_GROUP):
        members = inventory.groups.get(group)
        others = sorted(name for name in (members.hosts if members else ()) if name != host)
        if others:
            return others[0]
    return None


def audit_plan(inventory: Inventory, host: str, data_sets: tuple[DataSetPlan, ...]) -> AuditPlan:
    """The audit controls of `host`, which holds `data_sets`."""
    return AuditPlan(
        rules=audit_rules(data_sets),
        integrity_paths=INTEGRITY_PATHS,
        integrity_excludes=INTEGRITY_EXCLUDES,
        digest_host=digest_host(inventory, host),
    )
