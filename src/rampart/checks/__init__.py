"""The catalog's check kinds, one module each (its probe, the fields it needs and what it
does), shared by the availability prober and the runbook steps that probe exactly what
the prober probes.

`run_check` probes one check and judges it; it never raises, and a probe that overruns
the check's timeout counts as failed.
"""

from __future__ import annotations

import time

from rampart.checks import http, postgresql, smtp, ssh_command, tcp
from rampart.checks.model import (
    LONGEST_INTERVAL_SECONDS,
    CheckKind,
    Outcome,
    ProbeCheck,
    ProbeFailedError,
)

KINDS: dict[str, CheckKind] = {
    name: module.KIND
    for module in (http, tcp, smtp, postgresql, ssh_command)
    for name in module.KIND.types
}
CHECK_TYPES = tuple(KINDS)
"""Every check type the catalog may name."""

__all__ = [
    "CHECK_TYPES",
    "KINDS",
    "LONGEST_INTERVAL_SECONDS",
    "CheckKind",
    "Outcome",
    "ProbeCheck",
    "run_check",
]


def run_check(check: ProbeCheck) -> Outcome:
    """Probe one check and judge it; errors become a failed outcome with a short reason."""
    started = time.perf_counter()
    expiry = None
    try:
        expiry = KINDS[check.type].probe(check)
    except ProbeFailedError as failure:
        return Outcome(False, time.perf_counter() - started, str(failure))
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return Outcome(False, time.perf_counter() - started, reason[:200])
    duration = time.perf_counter() - started
    if duration > check.timeout_seconds:
        return Outcome(False, duration, "timed out", expiry)
    return Outcome(True, duration, "ok", expiry)
