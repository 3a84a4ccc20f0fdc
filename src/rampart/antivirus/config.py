"""The settings of the antivirus on a host: one JSON file the antivirus role writes from the
host's plan (docs/plan.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.user_input import json_field, json_strings

DEFAULT_CONFIG = Path("/etc/rampart/antivirus/config.json")


@dataclass(frozen=True)
class Scan:
    """One data set's folders, scanned together."""

    data_set: str
    data_class: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class AntivirusConfig:
    """What the host scans, its limits, and where results, quarantine and metrics go."""

    host: str
    scans: tuple[Scan, ...]
    signature_max_age_seconds: float
    scan_interval_seconds: float
    quarantine_dir: Path
    database_dir: Path
    textfile_dir: Path
    journal: Path
    clamd_config: Path

    @property
    def clamdscan(self) -> list[str]:
        """clamdscan talking to this host's clamd (its socket is in clamd's settings)."""
        return ["clamdscan", f"--config-file={self.clamd_config}"]


def _scan(raw: Any, where: str) -> Scan:
    name = json_field(raw, "data_set", str, where)
    return Scan(
        name,
        json_field(raw, "data_class", str, f"{where} ({name})"),
        json_strings(raw, "paths", f"{where} ({name})"),
    )


def parse_config(raw: Any, where: str) -> AntivirusConfig:
    """The settings from the JSON document; every problem is one line naming `where`."""
    scans = json_field(raw, "scans", list, where)

    def path(key: str) -> Path:
        return Path(json_field(raw, key, str, where))

    return AntivirusConfig(
        host=json_field(raw, "host", str, where),
        scans=tuple(_scan(entry, f"{where}: scans[{index}]") for index, entry in enumerate(scans)),
        signature_max_age_seconds=float(
            json_field(raw, "signature_max_age_seconds", (int, float), where)
        ),
        scan_interval_seconds=float(json_field(raw, "scan_interval_seconds", (int, float), where)),
        quarantine_dir=path("quarantine_dir"),
        database_dir=path("database_dir"),
        textfile_dir=path("textfile_dir"),
        journal=path("journal"),
        clamd_config=path("clamd_config"),
    )


def load_config(path: Path) -> AntivirusConfig:
    """Read the role's settings file; a missing or broken file is one clear line."""
    return parse_config(user_input.read_json(path, "antivirus settings"), str(path))
