"""The `smtp` check: the server greets with a 220 banner."""

from __future__ import annotations

import socket

from rampart.checks.model import CheckKind, ProbeCheck, ProbeFailedError


def probe(check: ProbeCheck) -> float | None:
    """Read the greeting, say QUIT, judge the banner."""
    with socket.create_connection((check.address, check.port or 0), check.timeout_seconds) as sock:
        sock.settimeout(check.timeout_seconds)
        banner = sock.makefile("rb").readline(1024).decode("ascii", "replace")
        sock.sendall(b"QUIT\r\n")
    if not banner.startswith("220"):
        raise ProbeFailedError(f"unexpected SMTP banner {banner.strip()[:60]!r}")
    return None


KIND = CheckKind(("smtp",), (), "an SMTP greeting (220)", probe)
