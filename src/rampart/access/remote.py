"""The one place the access review opens SSH sessions: OpenSSH's client, run through
`rampart.commands.run`, with the connection settings Ansible uses for the host."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from rampart.commands import run
from rampart.errors import ConfigError
from rampart.inventory import Host
from rampart.inventory.kinds import is_template

CONNECT_TIMEOUT_SECONDS = 10
COMMAND_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Connection:
    """How to reach one host over SSH, from its Ansible connection variables."""

    host: str
    address: str
    user: str
    port: int
    identity_file: str | None
    extra_options: tuple[str, ...]

    @classmethod
    def of(cls, host: Host) -> Connection:
        """Read ansible_host, ansible_user, ansible_port, the key and the common SSH args."""
        variables = host.vars
        for name in (
            "ansible_host",
            "ansible_user",
            "ansible_ssh_private_key_file",
            "ansible_ssh_common_args",
        ):
            if is_template(variables.get(name)):
                raise ConfigError(
                    f"host {host.name}: {name} is a template; the access review needs it literal"
                )
        key = variables.get("ansible_ssh_private_key_file")
        return cls(
            host=host.name,
            address=str(variables.get("ansible_host", host.name)),
            user=str(variables.get("ansible_user", "root")),
            port=int(variables.get("ansible_port", 22)),
            identity_file=str(key) if key else None,
            extra_options=tuple(shlex.split(str(variables.get("ansible_ssh_common_args", "")))),
        )

    def argv(self, remote_command: str) -> list[str]:
        """The ssh command line that runs `remote_command` on the host, without a prompt."""
        argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT_SECONDS}"]
        argv += ["-p", str(self.port), *self.extra_options]
        if self.identity_file:
            argv += ["-i", self.identity_file, "-o", "IdentitiesOnly=yes"]
        return [*argv, f"{self.user}@{self.address}", remote_command]

    def run(self, remote_command: str, input_text: str) -> str:
        """Run a command on the host with `input_text` on its stdin; return its stdout."""
        completed = run(
            self.argv(remote_command), input_text=input_text, timeout=COMMAND_TIMEOUT_SECONDS
        )
        return completed.stdout
