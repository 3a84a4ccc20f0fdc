"""The `ssh_command` check: the command exits 0 on the host, over SSH (`rampart.ssh`)
with a known host key only."""

from __future__ import annotations

import math

from rampart.checks.model import CheckKind, ProbeCheck, ProbeFailedError
from rampart.ssh import SshTarget, run_remote


def probe(check: ProbeCheck) -> float | None:
    """Run the command as the probe user with the probe key; exit 0 is up."""
    target = SshTarget(
        name=check.host,
        address=check.address,
        user=str(check.user),
        port=check.port or 22,
        key_file=check.ssh_key_file,
        known_hosts=check.known_hosts_file,
        connect_timeout_seconds=max(1, math.ceil(check.timeout_seconds)),
    )
    result = run_remote(target, check.command or "", timeout=check.timeout_seconds)
    if result.exit_status != 0:
        raise ProbeFailedError(f"command exited with status {result.exit_status}")
    return None


KIND = CheckKind(
    ("ssh_command",),
    ("command", "user", "ssh_key_file", "known_hosts_file"),
    "a command over SSH (exit status 0 means up)",
    probe,
)
