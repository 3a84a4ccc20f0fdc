"""The one SSH client's command lines, as they run."""

from __future__ import annotations

from pathlib import Path

import pytest

from rampart.errors import ConfigError
from rampart.ssh import SshTarget, argv, target_from_vars

LAB_VARS = {
    "ansible_host": "10.77.0.11",
    "ansible_user": "root",
    "ansible_ssh_private_key_file": "/var/lib/rampart-lab/ssh/id_ed25519",
    "ansible_ssh_common_args": "-o UserKnownHostsFile=/work/inventory/lab/known_hosts",
}


def test_a_command_runs_in_batch_mode_with_strict_host_keys_and_ansibles_arguments() -> None:
    target = target_from_vars("oa-01", LAB_VARS)
    assert argv(target, "hostname") == [
        "ssh",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ConnectTimeout=10",
        "-i",
        "/var/lib/rampart-lab/ssh/id_ed25519",
        "-o",
        "IdentitiesOnly=yes",
        "-p",
        "22",
        "-o",
        "UserKnownHostsFile=/work/inventory/lab/known_hosts",
        "root@10.77.0.11",
        "hostname",
    ]


def test_no_command_is_an_interactive_shell_on_a_terminal() -> None:
    target = SshTarget(
        "oa-01",
        "10.77.0.11",
        key_file=Path("/k"),
        known_hosts=Path("/kh"),
        connect_timeout_seconds=3,
    )
    assert argv(target) == [
        "ssh",
        "-o",
        "BatchMode=no",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ConnectTimeout=3",
        "-o",
        "UserKnownHostsFile=/kh",
        "-i",
        "/k",
        "-o",
        "IdentitiesOnly=yes",
        "-p",
        "22",
        "-t",
        "root@10.77.0.11",
    ]


def test_a_templated_connection_variable_is_one_line_error() -> None:
    with pytest.raises(ConfigError, match="host oa-01: ansible_host is a template"):
        target_from_vars("oa-01", {**LAB_VARS, "ansible_host": "{{ lookup('env', 'X') }}"})
