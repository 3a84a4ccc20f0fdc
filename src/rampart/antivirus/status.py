"""The host's antivirus state as metrics, every few minutes: clamd answering, the age of
each signature database, the files held in quarantine, and the plan's limits, so the
rules compare against the inventory's values (REG-4.2.4)."""

from __future__ import annotations

import socket
from pathlib import Path

from rampart.antivirus import quarantine, signatures
from rampart.antivirus.config import AntivirusConfig
from rampart.textfile import Family, render, write_atomically

STATUS_TEXTFILE = "rampart_antivirus.prom"
PING_TIMEOUT_SECONDS = 5.0


def clamd_socket(clamd_config: Path) -> Path:
    """The LocalSocket clamd listens on, from its configuration."""
    for line in clamd_config.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "LocalSocket":
            return Path(parts[1])
    return Path("/run/clamav/clamd.ctl")


def clamd_answers(path: Path) -> bool:
    """Whether clamd answers PING with PONG on its socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(PING_TIMEOUT_SECONDS)
            connection.connect(str(path))
            connection.sendall(b"zPING\0")
            return connection.recv(16).rstrip(b"\0\n") == b"PONG"
    except OSError:
        return False


def status_families(config: AntivirusConfig) -> list[Family]:
    """The host's antivirus metrics, as they are now."""
    up = Family("rampart_antivirus_clamd_up", "1 when clamd answers on its socket.")
    up.add(1 if clamd_answers(clamd_socket(config.clamd_config)) else 0)
    built = Family(
        "rampart_antivirus_signature_timestamp_seconds",
        "When each loaded signature database was built (its header).",
    )
    version = Family("rampart_antivirus_signature_version", "Each signature database's version.")
    count = Family("rampart_antivirus_signatures", "Signatures in each database.")
    for database in signatures.loaded(config.database_dir):
        built.add(database.built, database=database.name)
        version.add(database.version, database=database.name)
        count.add(database.signatures, database=database.name)
    held = Family("rampart_antivirus_quarantined_files", "Files held in quarantine now.")
    held.add(len(quarantine.entries(config.quarantine_dir)))
    max_age = Family(
        "rampart_antivirus_signature_max_age_seconds",
        "The plan's limit: signatures older than this are stale.",
    ).add(config.signature_max_age_seconds)
    interval = Family(
        "rampart_antivirus_scan_interval_seconds", "The plan's interval between scans."
    ).add(config.scan_interval_seconds)
    return [up, built, version, count, held, max_age, interval]


def write_status(config: AntivirusConfig) -> None:
    """Write the host's antivirus metrics for node_exporter."""
    write_atomically(config.textfile_dir / STATUS_TEXTFILE, render(status_families(config)))
