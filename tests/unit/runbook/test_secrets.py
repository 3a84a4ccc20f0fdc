"""Secrets are read from ansible-vault encrypted or plain variables files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rampart.runbook.context import resolve_secrets
from rampart.runbook.model import Runbook, Secret

ROOT = Path(__file__).resolve().parents[3]
VAULT = str(Path(sys.executable).with_name("ansible-vault"))


def runbook_with(secret: Secret) -> Runbook:
    return Runbook(
        id="x",
        title="x",
        owner="x",
        description="",
        clauses=("REG-9.2",),
        alerts=(),
        severity="low",
        rto_seconds=1,
        last_drilled=None,
        vars={},
        secrets={secret.name: secret},
        steady_state=(),
        steps=(),
        exit_criteria=(),
    )


def test_a_secret_is_read_from_a_vault_encrypted_file(tmp_path: Path) -> None:
    password_file = tmp_path / "vault-password"
    password_file.write_text("vault-pass-for-test\n")
    vault_file = tmp_path / "vault.yml"
    vault_file.write_text("---\nvault_restic_password: from-the-vault-0427\n")
    environment = {**os.environ, "ANSIBLE_VAULT_PASSWORD_FILE": str(password_file)}
    subprocess.run(
        [VAULT, "encrypt", str(vault_file)], check=True, env=environment, capture_output=True
    )
    assert vault_file.read_text().startswith("$ANSIBLE_VAULT;")
    os.environ["ANSIBLE_VAULT_PASSWORD_FILE"] = str(password_file)
    saved_path = os.environ["PATH"]
    os.environ["PATH"] = f"{Path(VAULT).parent}{os.pathsep}{saved_path}"
    try:
        secret = Secret(
            "RESTIC_PASSWORD", vault_file=str(vault_file), vault_key="vault_restic_password"
        )
        assert resolve_secrets(runbook_with(secret), tmp_path) == {
            "RESTIC_PASSWORD": "from-the-vault-0427"
        }
    finally:
        del os.environ["ANSIBLE_VAULT_PASSWORD_FILE"]
        os.environ["PATH"] = saved_path


def test_a_secret_is_read_from_a_plain_variables_file(tmp_path: Path) -> None:
    (tmp_path / "vars.yml").write_text("---\ntoken: plain-0427\n")
    secret = Secret("TOKEN", vault_file="vars.yml", vault_key="token")
    assert resolve_secrets(runbook_with(secret), tmp_path) == {"TOKEN": "plain-0427"}
