"""What a run knows besides the runbook: the inventory, the variables, the secrets, the
mode; and how a step's templates and targets become concrete values.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from rampart.commands import run
from rampart.errors import ConfigError, RampartError
from rampart.inventory import Inventory, Service
from rampart.runbook.model import Runbook, Secret, Step
from rampart.schema.yaml_lines import load
from rampart.ssh import SshTarget, target_from_vars

TEXT_FIELDS = (
    "target",
    "command",
    "playbook",
    "url",
    "service",
    "check",
    "expect_body",
    "ca_file",
    "query",
    "prometheus_url",
    "repository",
    "prompt",
    "source",
    "destination",
)


@dataclass
class RunContext:
    """The inventory and values a run renders its steps with."""

    inventory: Inventory
    variables: Mapping[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    drill: bool = False
    root: Path = field(default_factory=Path.cwd)

    def __post_init__(self) -> None:
        self._environment = jinja2.sandbox.ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined, autoescape=False
        )
        self._environment.globals["address"] = self.address

    def render_text(self, text: str) -> str:
        """Render one template with the run's variables (secrets are never available)."""
        try:
            return self._environment.from_string(text).render(**self.variables, drill=self.drill)
        except jinja2.TemplateError as error:
            raise ConfigError(f"template '{text}': {error}") from error

    def render(self, step: Step) -> Step:
        """The step with every template filled in, its nested checks too."""
        changes: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = getattr(step, name)
            if isinstance(value, str):
                changes[name] = self.render_text(value)
        changes["tags"] = tuple(self.render_text(tag) for tag in step.tags)
        changes["extra_vars"] = tuple(self.render_text(value) for value in step.extra_vars)
        changes["restic"] = tuple(self.render_text(word) for word in step.restic)
        for name in ("until", "verify", "rollback"):
            nested = getattr(step, name)
            if nested is not None:
                changes[name] = self.render(nested)
        return dataclasses.replace(step, **changes)

    def hosts(self, target: str) -> list[str]:
        """The hosts a target names: a host, every host of a group, or a comma-separated
        list of those (as `ansible-playbook --limit` takes it)."""
        found: list[str] = []
        for name in (part.strip() for part in target.split(",")):
            if name in self.inventory.hosts:
                members = [name]
            elif name in self.inventory.groups:
                members = list(self.inventory.groups[name].hosts)
            else:
                raise ConfigError(
                    f"target '{name}' is no host or group of {self.inventory.directory}"
                )
            found += [host for host in members if host not in found]
        return found

    def address(self, host: str) -> str:
        """A host's address (ansible_host), for templates: `{{ address(host) }}`."""
        if host not in self.inventory.hosts:
            raise ConfigError(f"no host '{host}' in {self.inventory.directory}")
        return str(self.inventory.hosts[host].vars.get("ansible_host", host))

    def ssh_target(self, host: str) -> SshTarget:
        """How to reach a host over SSH, from its inventory variables."""
        return target_from_vars(host, self.inventory.hosts[host].vars)

    def service(self, service_id: str) -> Service:
        """A catalog service by id."""
        if service_id not in self.inventory.services:
            known = ", ".join(sorted(self.inventory.services))
            raise ConfigError(f"no service '{service_id}' in the catalog (known: {known})")
        return self.inventory.services[service_id]

    def service_hosts(self, service: Service, target: str | None) -> list[str]:
        """The hosts of a service, limited to a target's hosts when one is given."""
        hosts = [host for entry in service.hosts for host in self.hosts(entry)]
        if target:
            wanted = set(self.hosts(target))
            hosts = [host for host in hosts if host in wanted]
            if not hosts:
                raise ConfigError(f"target '{target}' runs no host of service '{service.id}'")
        return sorted(set(hosts))

    def secret_environment(self, names: tuple[str, ...]) -> dict[str, str]:
        """The secrets a step asked for, by name."""
        return {name: self.secrets[name] for name in names}

    def scrub(self, text: str) -> str:
        """Text with every secret value masked, for the journal and the screen."""
        for value in self.secrets.values():
            if value:
                text = text.replace(value, "********")
        return text


def resolve_secrets(runbook: Runbook, root: Path) -> dict[str, str]:
    """Read every secret the runbook declares; a missing one is a clear error."""
    return {name: _read_secret(secret, root) for name, secret in runbook.secrets.items()}


def _read_secret(secret: Secret, root: Path) -> str:
    if secret.env is not None:
        value = os.environ.get(secret.env)
        if value is None:
            raise ConfigError(f"secret {secret.name}: environment variable {secret.env} is not set")
        return value
    path = root / str(secret.vault_file)
    try:
        head = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"secret {secret.name}: cannot read {path}: {error.strerror}") from error
    if head.lstrip().startswith("$ANSIBLE_VAULT;"):
        # ansible-vault finds its password through ANSIBLE_VAULT_PASSWORD_FILE.
        head = run(["ansible-vault", "view", str(path)]).stdout
    try:
        data = load(head)
    except RampartError:
        raise
    except Exception as error:
        raise ConfigError(f"secret {secret.name}: {path} is not valid YAML") from error
    if not isinstance(data, dict) or secret.vault_key not in data:
        raise ConfigError(f"secret {secret.name}: {path} has no variable {secret.vault_key}")
    return str(data[secret.vault_key])
