"""The `tcp` check: the port accepts a TCP connection."""

from __future__ import annotations

import socket

from rampart.checks.model import CheckKind, ProbeCheck


def probe(check: ProbeCheck) -> float | None:
    """Connect and close, within the timeout."""
    with socket.create_connection((check.address, check.port or 0), check.timeout_seconds):
        return None


KIND = CheckKind(("tcp",), (), "a TCP connect to the port", probe)
