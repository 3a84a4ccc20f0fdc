"""Helpers of the backup and drill tests: restic with a host's own settings, the lab's
repository passwords, metrics read from the textfiles."""

from __future__ import annotations

import json
import shlex

import testinfra

from tests.integration.conftest import ROOT

SECRETS = ROOT / ".ansible" / "lab-secrets" / "backup"
TEXTFILES = "/var/lib/prometheus/node-exporter"
CHROOTS = "/srv/backup/chroot"


def password_of(host: str) -> str:
    """The lab's repository password of a host, as the playbook generated it."""
    return (SECRETS / host).read_text(encoding="utf-8").split()[0]


def restic_command(host: testinfra.host.Host, arguments: str) -> str:
    """A shell command running restic with the host's own settings (password from its file)."""
    config = json.loads(host.check_output("cat /etc/rampart/backup/config.json"))
    options = " ".join(f"-o {shlex.quote(option)}" for option in config["restic_options"])
    return (
        f"RESTIC_PASSWORD_FILE={config['password_file']} RESTIC_CACHE_DIR={config['cache_dir']} "
        f"restic -r {config['repository']} {options} {arguments}"
    )


def metrics(host: testinfra.host.Host, name: str) -> dict[str, float]:
    """The samples of a textfile (`rampart_backup` or `rampart_drill`), keyed by series."""
    text = host.check_output(f"cat {TEXTFILES}/{name}.prom")
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples


def run_drill(host: testinfra.host.Host, *arguments: str) -> testinfra.backend.base.CommandResult:
    """`rampart backup drill` on a host, as the timer or an operator runs it."""
    return host.run("rampart backup drill " + " ".join(arguments))


def tree_digest(host: testinfra.host.Host, path: str) -> str:
    """Every file under `path` with its mode, size and sha256, one line each, sorted."""
    return str(
        host.check_output(
            f"cd {path} && find . -type f -printf '%p %m %s\\n' | sort && "
            f"find . -type f -print0 | sort -z | xargs -0 sha256sum"
        )
    )
