"""A JSON-lines journal of a drill or a restore: one line per step, flushed as it happens."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Journal:
    """JSON lines, one per step, appended and flushed as they happen (a killed run leaves
    its journal behind)."""

    def __init__(self, path: Path, run_id: str, host: str) -> None:
        self.path = path
        self.run_id = run_id
        self.host = host
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, event: str, **details: Any) -> None:
        """Append one event."""
        line = {"time": datetime.now(UTC).isoformat(), "run": self.run_id, "host": self.host}
        line.update(event=event, **details)
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(line, sort_keys=True) + "\n")
            journal.flush()
            os.fsync(journal.fileno())
