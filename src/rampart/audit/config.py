"""The settings of the audit controls on a host: one JSON file the audit role writes from
the host's plan (docs/plan.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.user_input import json_field, json_strings

DEFAULT_CONFIG = Path("/etc/rampart/audit/config.json")


@dataclass(frozen=True)
class AuditConfig:
    """What AIDE's baseline covers, where it is kept, and where results and metrics go."""

    host: str
    integrity_paths: tuple[str, ...]
    integrity_excludes: tuple[str, ...]
    check_interval_seconds: float
    state_dir: Path
    """AIDE's settings and baseline, root only."""
    textfile_dir: Path
    journal: Path
    rule_keys: tuple[str, ...]
    """The keys of the kernel audit rules the plan gives this host, one per rule."""

    @property
    def database(self) -> Path:
        """The baseline in use."""
        return self.state_dir / "aide.db"

    @property
    def new_database(self) -> Path:
        """Where AIDE writes a baseline it makes (init, update) before it is moved in."""
        return self.state_dir / "aide.db.new"

    @property
    def aide_config(self) -> Path:
        return self.state_dir / "aide.conf"


def parse_config(raw: Any, where: str) -> AuditConfig:
    """The settings from the JSON document; every problem is one line naming `where`."""

    def path(key: str) -> Path:
        return Path(json_field(raw, key, str, where))

    return AuditConfig(
        host=json_field(raw, "host", str, where),
        integrity_paths=json_strings(raw, "integrity_paths", where),
        integrity_excludes=json_strings(raw, "integrity_excludes", where),
        check_interval_seconds=float(
            json_field(raw, "check_interval_seconds", (int, float), where)
        ),
        state_dir=path("state_dir"),
        textfile_dir=path("textfile_dir"),
        journal=path("journal"),
        rule_keys=json_strings(raw, "rule_keys", where),
    )


def load_config(path: Path) -> AuditConfig:
    """Read the role's settings file; a missing or broken file is one clear line."""
    return parse_config(user_input.read_json(path, "audit settings"), str(path))
