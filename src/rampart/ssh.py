"""The one SSH client of Rampart: OpenSSH's `ssh`, run through `rampart.commands`.

Everything Python does over SSH comes here: the prober's `ssh_command` check, the
runbook's `ssh`, `restic`, `copy` and `prometheus` steps, the access review and
`rampart lab ssh`. OpenSSH rather than paramiko, because:

- it is the client Ansible uses, so a host's `ansible_ssh_common_args`, its
  known_hosts file (hashed names, `[host]:port`, `@cert-authority`) and ssh_config
  mean exactly what they mean to Ansible; unknown host keys are refused
  (`StrictHostKeyChecking=yes`), never added;
- `lab ssh` needs a real interactive shell on a TTY: that is `ssh -t`, exec'd;
- timeouts are `ConnectTimeout` for the connection and the command runner's deadline,
  which ends the whole process group; ssh's own failures exit 255 and become a
  `RemoteError` (exit code 6), a remote command's status is returned as it is;
- copies stream `cat` on one host into `cat` on the other through this machine, so
  no SFTP client is needed and the hosts need no connection to each other;
- the hosts need no paramiko (openssh-client comes from Debian with its updates).

The price: an `ssh_command` prober check costs about 145 ms of CPU with OpenSSH against
about 12 ms with paramiko (measured on the lab, connection and `true`); the catalog's
ssh_command checks run once a minute, so that is well under 1% of a core per check.

Tests assert the exact command line (`argv`).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from rampart import commands
from rampart.errors import CommandError, ConfigError, RemoteError
from rampart.schema.kinds import is_template

CONNECTION_FAILED = 255
"""ssh's exit status when it could not connect or authenticate (never a remote command's)."""

DEFAULT_CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SshTarget:
    """How to reach one host: address, user, port, key, known_hosts and extra options."""

    name: str
    address: str
    user: str = "root"
    port: int = 22
    key_file: Path | None = None
    known_hosts: Path | None = None
    options: tuple[str, ...] = ()
    connect_timeout_seconds: int = DEFAULT_CONNECT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class RemoteResult:
    """What a remote command did: its exit status and its output."""

    exit_status: int
    stdout: str
    stderr: str


def target_from_vars(name: str, variables: Mapping[str, Any]) -> SshTarget:
    """The connection Ansible would use for a host, from its variables; the common SSH
    arguments are passed to ssh as they are, as Ansible does."""
    for variable in (
        "ansible_host",
        "ansible_user",
        "ansible_port",
        "ansible_ssh_private_key_file",
        "ansible_ssh_common_args",
    ):
        if is_template(variables.get(variable)):
            raise ConfigError(f"host {name}: {variable} is a template; Rampart needs it literal")
    key_file = variables.get("ansible_ssh_private_key_file")
    return SshTarget(
        name=name,
        address=str(variables.get("ansible_host", name)),
        user=str(variables.get("ansible_user", "root")),
        port=int(variables.get("ansible_port", 22)),
        key_file=Path(str(key_file)).expanduser() if key_file else None,
        options=tuple(shlex.split(str(variables.get("ansible_ssh_common_args", "")))),
    )


def argv(target: SshTarget, command: str | None = None) -> list[str]:
    """The ssh command line: run `command` without any prompt, or (no command) open an
    interactive login shell on a terminal."""
    words = ["ssh", "-o", "BatchMode=no" if command is None else "BatchMode=yes"]
    words += ["-o", "StrictHostKeyChecking=yes"]
    words += ["-o", f"ConnectTimeout={target.connect_timeout_seconds}"]
    if target.known_hosts is not None:
        words += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
    if target.key_file is not None:
        words += ["-i", str(target.key_file), "-o", "IdentitiesOnly=yes"]
    words += ["-p", str(target.port), *target.options]
    if command is None:
        return [*words, "-t", f"{target.user}@{target.address}"]
    return [*words, f"{target.user}@{target.address}", command]


def run_remote(
    target: SshTarget,
    command: str,
    *,
    timeout: float,
    environment: Mapping[str, str] | None = None,
    input_text: str = "",
) -> RemoteResult:
    """Run `command` on the host and wait at most `timeout` seconds.

    `environment` (secrets) travels on the session's standard input, ahead of
    `input_text`, and is exported by a short prelude, so values never appear in a process
    list on either side. Not reaching the host is a `RemoteError`; the command's own exit
    status is returned.
    """
    names = list(environment or {})
    prelude = "".join(f"IFS= read -r {name}; export {name}; " for name in names)
    values = "".join(f"{(environment or {})[name]}\n" for name in names)
    try:
        completed = commands.run(
            argv(target, prelude + command),
            check=False,
            input_text=values + input_text,
            timeout=timeout,
        )
    except CommandError as error:  # the runner's deadline
        raise RemoteError(f"{target.name}: command timed out after {timeout:g} s") from error
    if completed.returncode == CONNECTION_FAILED:
        raise RemoteError(f"{target.name} ({target.address}): {_last_line(completed.stderr)}")
    return RemoteResult(completed.returncode, completed.stdout, completed.stderr)


def output_of(target: SshTarget, command: str, *, timeout: float, input_text: str = "") -> str:
    """The stdout of a command that must exit 0; anything else is a `RemoteError`."""
    result = run_remote(target, command, timeout=timeout, input_text=input_text)
    if result.exit_status != 0:
        reason = _last_line(result.stderr) or f"exit {result.exit_status}"
        raise RemoteError(f"{target.name}: {reason}")
    return result.stdout


def interactive(target: SshTarget, command: list[str]) -> NoReturn:
    """Replace this process with ssh: a login shell on a TTY, or `command` run there (its
    words joined by spaces, as ssh itself joins them)."""
    words = argv(target, " ".join(command) if command else None)
    os.execvp(words[0], words)  # noqa: S606 - an interactive session is the point


# Fetches a URL on the host with its own Python (Ansible's hosts have python3): the SSH
# hardening forbids TCP forwarding, so no tunnel.
_FETCH = (
    "import base64, ssl, sys, urllib.request\n"
    "url, timeout, ca, user, secret = sys.argv[1:6]\n"
    "headers = {}\n"
    "if secret:\n"
    "    password = open(secret, encoding='utf-8').read().strip()\n"
    "    token = base64.b64encode(f'{user}:{password}'.encode()).decode()\n"
    "    headers['Authorization'] = 'Basic ' + token\n"
    "context = ssl.create_default_context(cafile=ca) if ca else None\n"
    "request = urllib.request.Request(url, headers=headers)\n"
    "answer = urllib.request.urlopen(request, timeout=float(timeout), context=context)\n"
    "sys.stdout.write(answer.read().decode('utf-8', 'replace'))\n"
)


@dataclass(frozen=True)
class HostCredentials:
    """Files on the remote host a GET authenticates with: the CA to trust, and a basic auth
    user whose password the host keeps in a file (read there, never sent as an argument)."""

    ca_file: str
    user: str
    password_file: str


def http_get_through(
    target: SshTarget, url: str, *, timeout: float, credentials: HostCredentials | None = None
) -> str:
    """GET an http(s) URL as the host sees it (e.g. a service on its loopback, or its own
    HTTPS endpoint with `credentials` from its files); an error answer or no answer is a
    `RemoteError`."""
    files = (
        [credentials.ca_file, credentials.user, credentials.password_file]
        if credentials
        else ["", "", ""]
    )
    command = shlex.join(["python3", "-c", _FETCH, url, str(timeout), *files])
    try:
        return output_of(target, command, timeout=timeout + 5)
    except RemoteError as error:
        raise RemoteError(f"GET {url}: {error}") from error


def copy_between(
    source: SshTarget,
    source_path: str,
    destination: SshTarget,
    destination_path: str,
    *,
    timeout: float,
) -> tuple[int, str]:
    """Copy a file from one host to another through this machine, so the hosts need no
    connection to each other; an existing destination is never overwritten. The copy
    lands 0600 in 0700 folders, under a temporary name until complete. Returns the bytes
    copied and their sha256."""
    digest = hashlib.sha256()
    size = 0

    def count(chunk: bytes) -> None:
        nonlocal size
        digest.update(chunk)
        size += len(chunk)

    final, partial = shlex.quote(destination_path), shlex.quote(f"{destination_path}.partial")
    receive = (
        f"umask 077 && mkdir -p -- {shlex.quote(posixpath.dirname(destination_path))}"
        f" && if test -e {final}; then echo '{destination_path} exists; not overwritten' >&2;"
        f" exit 1; fi && cat > {partial}"
    )
    try:
        sent, received = commands.pipe(
            argv(source, f"cat -- {shlex.quote(source_path)}"),
            argv(destination, receive),
            through=count,
            timeout=timeout,
        )
    except CommandError as error:
        output_of(destination, f"rm -f -- {partial}", timeout=30)
        raise RemoteError(f"copy {source.name} -> {destination.name}: {error}") from error
    if sent.returncode != 0 or received.returncode != 0:
        output_of(destination, f"rm -f -- {partial}", timeout=30)
        if received.returncode != 0:
            raise RemoteError(f"{destination.name}: {_last_line(received.stderr)}")
        raise RemoteError(f"{source.name}: no file {source_path} ({_last_line(sent.stderr)})")
    output_of(destination, f"mv -- {partial} {final}", timeout=30)
    return size, digest.hexdigest()


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""
