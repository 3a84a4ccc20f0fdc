"""Released false positives stay allowed: their SHA-256 in a local allow list that clamd
loads beside the signatures (`rampart-allowed.sfp`, ClamAV's format `sha256:size:name`),
then clamd reloads (REG-4.2.4)."""

from __future__ import annotations

from rampart.antivirus.config import AntivirusConfig
from rampart.antivirus.quarantine import Entry
from rampart.commands import run
from rampart.textfile import write_atomically

ALLOW_LIST = "rampart-allowed.sfp"


def allow(config: AntivirusConfig, entry: Entry) -> None:
    """Add the entry's file to the allow list and have clamd reload its databases."""
    path = config.database_dir / ALLOW_LIST
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    line = f"{entry.sha256}:{entry.size}:Rampart.Allowed.{entry.id}"
    if not any(existing.startswith(f"{entry.sha256}:") for existing in lines):
        write_atomically(path, "\n".join([*lines, line]) + "\n")
    run([*config.clamdscan, "--reload"], timeout=120)
