"""The SSH server (roles/ssh, REG-4.2.1, REG-4.2.2) as a client meets it: keys only,
modern algorithms only, login groups from the directory, root's admin key still working.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import testinfra
import yaml

from tests.integration.conftest import FLEET, INVENTORY, PlaybookRun

pytestmark = pytest.mark.lab


def effective_settings(name: str) -> dict[str, list[str]]:
    """`sshd -T`: the settings sshd really uses, after every file and drop-in."""
    host = testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
    settings: dict[str, list[str]] = {}
    for line in host.check_output("sshd -T").splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key, []).append(value)
    return settings


def client(*options: str, user: str = "root") -> Any:
    """An SSH attempt from the controller to hr-01 with the given client options."""
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text(encoding="utf-8"))["all"]["hosts"]
    return subprocess.run(
        [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "-o",
            f"UserKnownHostsFile={INVENTORY / 'known_hosts'}",
            *options,
            f"{user}@{hosts['hr-01']['ansible_host']}",
            "true",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("name", FLEET)
def test_sshd_really_uses_the_hardened_settings(lab: PlaybookRun, name: str) -> None:
    settings = effective_settings(name)
    assert settings["passwordauthentication"] == ["no"]
    assert settings["kbdinteractiveauthentication"] == ["no"]
    assert settings["permitrootlogin"] == ["without-password"]
    assert settings["maxauthtries"] == ["3"] and settings["logingracetime"] == ["30"]
    # The backup server also lets in the chrooted per-host backup accounts (roles/backup).
    backup_accounts = ["rampart-backup"] if name == "backup-01" else []
    assert sorted(settings["allowgroups"]) == sorted(["rampart_login", "root", *backup_accounts])
    # The strongest hybrid post-quantum exchange this host's OpenSSH has comes first: ML-KEM
    # on Debian 13 (OpenSSH 10.0), sntrup761 on Debian 12 (9.2), in the role's default order.
    host = testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
    available = host.check_output("ssh -Q kex").split()
    best = next(
        kex
        for kex in (
            "mlkem768x25519-sha256",
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
        )
        if kex in available
    )
    assert settings["kexalgorithms"][0].split(",")[0] == best, settings["kexalgorithms"]
    offered = ",".join(settings["ciphers"] + settings["macs"] + settings["kexalgorithms"])
    for weak in ("cbc", "hmac-sha1", "hmac-md5", "diffie-hellman-group1-", "group14-sha1"):
        assert weak not in offered, weak


def test_only_public_key_authentication_is_offered(lab: PlaybookRun) -> None:
    attempt = client("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password")
    assert attempt.returncode == 255
    assert "Permission denied (publickey)" in attempt.stderr, attempt.stderr


def test_weak_ciphers_are_refused(lab: PlaybookRun) -> None:
    attempt = client("-o", "Ciphers=aes128-cbc")
    assert attempt.returncode == 255 and "no matching cipher" in attempt.stderr, attempt.stderr


def test_root_admin_key_still_logs_in(lab: PlaybookRun) -> None:
    settings = yaml.safe_load(
        (INVENTORY / "group_vars" / "all" / "lab_connection.yml").read_text(encoding="utf-8")
    )
    attempt = client("-i", settings["ansible_ssh_private_key_file"], "-o", "IdentitiesOnly=yes")
    assert attempt.returncode == 0, attempt.stderr
