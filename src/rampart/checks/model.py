"""What a check probes and what one probe found, shared by every check kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LONGEST_INTERVAL_SECONDS = 86400
"""The longest time between two runs of a check (a day): the catalog and the prober agree."""


@dataclass(frozen=True)
class ProbeCheck:
    """One catalog check against one host: what to probe, how often, how long it may take."""

    service: str
    host: str
    address: str
    name: str
    type: str
    port: int | None
    critical: bool
    interval_seconds: float
    timeout_seconds: float
    path: str = "/"
    expect_status: int | None = None
    expect_body: str | None = None
    database: str | None = None
    query: str | None = None
    command: str | None = None
    user: str | None = None
    password_file: Path | None = None
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None
    ca_file: Path | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Service, host and check name: unique within one configuration."""
        return (self.service, self.host, self.name)


@dataclass(frozen=True)
class Outcome:
    """What one probe found: success, how long it took, why it failed, certificate expiry."""

    success: bool
    duration_seconds: float
    detail: str
    certificate_expiry: float | None = None


class ProbeFailedError(Exception):
    """A probe's judgement that the target is not healthy, with the reason."""


@dataclass(frozen=True)
class CheckKind:
    """A kind of catalog check: the types it answers to, the fields it cannot work
    without (besides a port, which all but ssh_command need), what it does, and its probe,
    which returns the certificate expiry (or None) or raises."""

    types: tuple[str, ...]
    needs: tuple[str, ...]
    description: str
    probe: Callable[[ProbeCheck], float | None]
