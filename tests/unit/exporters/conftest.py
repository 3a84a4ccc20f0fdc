"""Config builders shared by the exporter unit tests (the loopback servers are in
tests/unit/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def check_entry(**fields: Any) -> dict[str, Any]:
    """A valid tcp check entry on loopback, overridden by `fields`."""
    entry: dict[str, Any] = {
        "host": "local",
        "address": "127.0.0.1",
        "name": "port",
        "type": "tcp",
        "port": 1,
        "interval_seconds": 5,
        "timeout_seconds": 1,
    }
    entry.update(fields)
    return entry


def write_config(path: Path, checks: list[dict[str, Any]], **fields: Any) -> Path:
    """Write an exporter config with one service holding `checks`."""
    document = {
        "listen": "127.0.0.1:0",
        "services": [
            {"id": "portal", "objective_ratio": 0.995, "maintenance": [], "checks": checks}
        ],
    }
    document.update(fields)
    path.write_text(json.dumps(document))
    return path
