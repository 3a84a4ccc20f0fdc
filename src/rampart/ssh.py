"""The one place Rampart opens SSH sessions (paramiko), with the inventory's key and
known_hosts: unknown host keys are refused, never added.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from rampart.errors import RemoteError

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts")


@dataclass(frozen=True)
class SshTarget:
    """How to reach one host: the address, the user, the key and the known_hosts file."""

    name: str
    address: str
    user: str
    key_file: Path | None
    known_hosts: Path
    port: int = 22


@dataclass(frozen=True)
class RemoteResult:
    """What a remote command did: its exit status and its output."""

    exit_status: int
    stdout: str
    stderr: str


def target_from_vars(name: str, variables: Mapping[str, Any]) -> SshTarget:
    """Read the connection from a host's Ansible variables, as Ansible would use them."""
    common = shlex.split(str(variables.get("ansible_ssh_common_args", "")))
    known_hosts = DEFAULT_KNOWN_HOSTS
    for index, word in enumerate(common):
        option = word[2:] if word.startswith("-o") and len(word) > 2 else ""
        if word == "-o" and index + 1 < len(common):
            option = common[index + 1]
        key, _, value = option.partition("=")
        if key.strip().lower() == "userknownhostsfile" and value:
            known_hosts = Path(value.split()[0])
    key_file = variables.get("ansible_ssh_private_key_file")
    return SshTarget(
        name=name,
        address=str(variables.get("ansible_host", name)),
        user=str(variables.get("ansible_user", "root")),
        key_file=Path(str(key_file)).expanduser() if key_file else None,
        known_hosts=known_hosts.expanduser(),
        port=int(variables.get("ansible_port", 22)),
    )


def run_remote(
    target: SshTarget,
    command: str,
    *,
    timeout: float,
    environment: Mapping[str, str] | None = None,
) -> RemoteResult:
    """Run `command` on the host and wait at most `timeout` seconds.

    `environment` (secrets) travels on the session's standard input and is exported by a
    short prelude, so values never appear in a process list on either side.
    """
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(str(target.known_hosts))
    except OSError as error:
        raise RemoteError(
            f"{target.name}: cannot read known_hosts {target.known_hosts}: {error}"
        ) from error
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    names = list(environment or {})
    prelude = "".join(f"IFS= read -r {name}; export {name}; " for name in names)
    deadline = time.monotonic() + timeout
    try:
        client.connect(
            target.address,
            port=target.port,
            username=target.user,
            key_filename=str(target.key_file) if target.key_file else None,
            timeout=min(timeout, 15),
            banner_timeout=min(timeout, 15),
            auth_timeout=min(timeout, 15),
            allow_agent=False,
            look_for_keys=target.key_file is None,
        )
        stdin, stdout, stderr = client.exec_command(prelude + command, timeout=timeout)
        if environment:
            stdin.write("".join(f"{environment[name]}\n" for name in names))
        stdin.channel.shutdown_write()
        channel = stdout.channel
        while not channel.exit_status_ready():
            if time.monotonic() > deadline:
                raise RemoteError(f"{target.name}: command timed out after {timeout:g} s")
            time.sleep(0.05)
        output = stdout.read().decode("utf-8", "replace")
        errors = stderr.read().decode("utf-8", "replace")
        return RemoteResult(channel.recv_exit_status(), output, errors)
    except paramiko.BadHostKeyException as error:
        raise RemoteError(f"{target.name}: host key does not match {target.known_hosts}") from error
    except paramiko.SSHException as error:
        raise RemoteError(f"{target.name} ({target.address}): SSH failed: {error}") from error
    except OSError as error:
        raise RemoteError(f"{target.name} ({target.address}): cannot connect: {error}") from error
    finally:
        client.close()
