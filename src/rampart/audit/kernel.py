"""The kernel audit rules' state on a host, as metrics (REG-4.2.3).

The kernel's audit interface answers only in the machine's initial network namespace: in a
container (the lab's hosts) `auditctl -s` fails, auditd does not start (its unit's
condition), and the metrics say so instead of a failed unit.
"""

from __future__ import annotations

import re
from collections import Counter

from rampart import commands
from rampart.audit.config import AuditConfig
from rampart.textfile import Family, render, write_atomically

KERNEL_TEXTFILE = "rampart_audit.prom"
KEY = re.compile(r"(?:-k |key=)(\S+)")


def kernel_available() -> bool:
    """Whether the kernel's audit interface answers here."""
    return commands.succeeds(["auditctl", "-s"], timeout=10)


def loaded_keys() -> Counter[str]:
    """The keys of the loaded rules, each with how many rules carry it."""
    result = commands.run(["auditctl", "-l"], check=False, timeout=10)
    keys = (KEY.search(line) for line in result.stdout.splitlines())
    return Counter(found.group(1) for found in keys if found)


def kernel_families(config: AuditConfig) -> list[Family]:
    """Whether the kernel audits here, and the plan's rules loaded against those expected."""
    available = kernel_available()
    expected = Counter(config.rule_keys)
    loaded = loaded_keys() if available else Counter[str]()
    up = Family(
        "rampart_audit_kernel_available",
        "1 when the kernel's audit interface answers on this host (0 in a container).",
    ).add(1 if available else 0)
    want = Family("rampart_audit_rules_expected", "Kernel audit rules the plan gives, by key.")
    have = Family("rampart_audit_rules_loaded", "Kernel audit rules loaded now, by key.")
    for key in sorted(expected):
        want.add(expected[key], key=key)
        have.add(loaded[key], key=key)
    return [up, want, have]


def write_kernel_metrics(config: AuditConfig) -> bool:
    """Write the kernel audit metrics; whether the kernel audits here."""
    families = kernel_families(config)
    write_atomically(config.textfile_dir / KERNEL_TEXTFILE, render(families))
    return bool(families[0].samples[0][1])
