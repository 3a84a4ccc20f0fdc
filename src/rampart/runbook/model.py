"""A runbook as typed, frozen records: what the engine runs and `show` renders.

Text fields may hold Jinja templates (`{{ host }}`) that the engine renders at run time
from the runbook's variables; secrets never go through templates (see `Secret`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

CHECK_KINDS = ("http", "tcp", "ssh", "local", "prometheus")
"""Kinds that only look: allowed in steady_state, exit_criteria, verify and wait's until."""
ROLLBACK_KINDS = ("ssh", "local", "playbook", "restic", "manual")
STEP_KINDS = (
    "playbook",
    "ssh",
    "local",
    "prometheus",
    "wait",
    "restic",
    "http",
    "tcp",
    "manual",
    "approval",
    "copy",
)
CHANGING_KINDS = ("playbook", "ssh", "local", "restic", "copy")
"""Kinds that may change something, so they count as destructive unless the author says not."""
MILESTONES = ("fault_injected", "detected", "recovered")
MODES = ("always", "drill", "incident")
SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Step:
    """One thing to do or check. The same record serves as a step, a check and a rollback;
    the schema decides which fields each place and each kind accepts."""

    kind: str
    name: str = ""
    description: str = ""
    expected: str = ""
    target: str | None = None
    timeout_seconds: int = 60
    retries: int = 0
    retry_delay_seconds: int = 2
    command: str | None = None
    playbook: str | None = None
    tags: tuple[str, ...] = ()
    extra_vars: tuple[str, ...] = ()
    url: str | None = None
    service: str | None = None
    check: str | None = None
    port: int | None = None
    expect_status: int | None = None
    expect_body: str | None = None
    ca_file: str | None = None
    query: str | None = None
    compare: str | None = None
    prometheus_url: str | None = None
    restic: tuple[str, ...] = ()
    repository: str | None = None
    prompt: str | None = None
    source: str | None = None
    destination: str | None = None
    safe_for_automation: bool = False
    outcome: str = "success"
    until: Step | None = None
    interval_seconds: int = 2
    secrets: tuple[str, ...] = ()
    destructive: bool = False
    approval: str | None = None
    milestone: str | None = None
    when: str = "always"
    verify: Step | None = None
    rollback: Step | None = None

    def runs_in(self, drill: bool) -> bool:
        """Whether this step belongs to a drill run (`drill`) or an incident run."""
        return self.when == "always" or self.when == ("drill" if drill else "incident")


@dataclass(frozen=True)
class Secret:
    """A secret a step receives as an environment variable named `name`: read from the
    controller's environment or from a (vault-encrypted) variables file at run time."""

    name: str
    env: str | None = None
    vault_file: str | None = None
    vault_key: str | None = None


@dataclass(frozen=True)
class Measurement:
    """How a drill's times are taken from monitoring rather than from the runbook's own
    steps: the prober's series of a catalog service and its alert, in Prometheus."""

    service: str
    alert: str | None = None
    target: str | None = None
    prometheus_url: str | None = None
    timeout_seconds: int = 180

    def rendered(self, render: Callable[[str], str]) -> Measurement:
        """The measurement with its templates filled in."""
        return Measurement(
            service=render(self.service),
            alert=render(self.alert) if self.alert else None,
            target=render(self.target) if self.target else None,
            prometheus_url=render(self.prometheus_url) if self.prometheus_url else None,
            timeout_seconds=self.timeout_seconds,
        )


@dataclass(frozen=True)
class Runbook:
    """An incident or drill procedure: who owns it, what it protects, and its steps."""

    id: str
    title: str
    owner: str
    description: str
    clauses: tuple[str, ...]
    alerts: tuple[str, ...]
    severity: str
    rto_seconds: int
    last_drilled: datetime | None
    vars: Mapping[str, str | int | float | bool]
    secrets: Mapping[str, Secret]
    steady_state: tuple[Step, ...]
    steps: tuple[Step, ...]
    exit_criteria: tuple[Step, ...]
    measure: Measurement | None = None
    file: Path = field(default=Path())
    digest: str = ""
