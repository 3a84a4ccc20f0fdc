"""`rampart backup drill`: restore a snapshot into scratch space and prove it byte for byte.

For each data class of the host: pick a snapshot (the latest, or a random one within a
window), restore it under the scratch folder (never over live data), check every file
against the manifest taken at backup time (count, size, sha256), restore each database
dump into a scratch database and compare the row count of every table with the dump, run
the catalog's checks on it, then remove the scratch data. RTO (restore plus verify), RPO
(snapshot age), what was verified and every mismatch become `rampart_drill_*` metrics and
lines in a JSON-lines journal. SIGTERM stops the drill, removes its scratch data and
records "interrupted". The pipeline is the restore's too: `rampart.backup.recovery`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from rampart.backup.config import BackupConfig
from rampart.backup.recovery import ClassResult, choose_snapshot, run_classes
from rampart.backup.restic import Snapshot
from rampart.backup.scratch import selected_classes
from rampart.journal import SUCCEEDED
from rampart.textfile import Family, render, write_atomically

TEXTFILE_NAME = "rampart_drill.prom"
# The drill's metric label for each journal status (the metrics keep their own words).
OUTCOMES = {SUCCEEDED: "passed"}


def drill_families(results: dict[str, dict[str, Any]]) -> list[Family]:
    """The `rampart_drill_*` families of the last drill of every data class."""
    gauges = [
        ("last_run_timestamp_seconds", "last_run", "When the last drill of the data class ended."),
        ("last_success_timestamp_seconds", "last_success", "When a drill last passed."),
        ("success", "success", "1 if the last drill passed, 0 if it failed or was interrupted."),
        ("rto_seconds", "rto_seconds", "Restore plus verify time of the last drill."),
        ("rpo_seconds", "rpo_seconds", "Age of the drilled snapshot when the drill began."),
        ("verified_files", "files_verified", "Files that matched the manifest in the last drill."),
        ("verified_bytes", "bytes_verified", "Bytes that matched the manifest in the last drill."),
        ("mismatches", "mismatches", "Files, sizes, hashes or row counts that did not match."),
    ]
    families = []
    for suffix, key, help_text in gauges:
        family = Family(f"rampart_drill_{suffix}", help_text)
        for data_class, result in sorted(results.items()):
            if key in result:
                family.add(result[key], data_class=data_class)
        families.append(family)
    outcome = Family(
        "rampart_drill_outcome_info", "The last drill's outcome and, when it failed, why."
    )
    for data_class, result in sorted(results.items()):
        outcome.add(1, data_class=data_class, outcome=result["outcome"], reason=result["reason"])
    families.append(outcome)
    return families


def publish(config: BackupConfig, results: dict[str, dict[str, Any]]) -> None:
    """Keep the per-class results and write the drill's textfile atomically."""
    write_atomically(config.state_dir / "drill.json", json.dumps(results, indent=1), 0o600)
    write_atomically(config.textfile_dir / TEXTFILE_NAME, render(drill_families(results)))


def load_results(config: BackupConfig) -> dict[str, dict[str, Any]]:
    """The last drill result per data class."""
    try:
        loaded: dict[str, dict[str, Any]] = json.loads(
            (config.state_dir / "drill.json").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}  # a damaged file counts as none


def remember(results: dict[str, dict[str, Any]], result: ClassResult) -> None:
    """Put one class's drill into the per-class results the metrics are made from."""
    previous = results.get(result.data_class, {})
    passed = result.status == SUCCEEDED
    results[result.data_class] = {
        "last_run": time.time(),
        "success": 1 if passed else 0,
        "outcome": OUTCOMES.get(result.status, result.status),
        "reason": result.cause,
        "rto_seconds": result.seconds,
        "rpo_seconds": result.rpo_seconds,
        "files_verified": result.files_verified,
        "bytes_verified": result.bytes_verified,
        "mismatches": len(result.mismatches),
        "snapshot": result.snapshot_id,
    }
    if passed:
        results[result.data_class]["last_success"] = time.time()
    elif "last_success" in previous:
        results[result.data_class]["last_success"] = previous["last_success"]


def run_drill(
    config: BackupConfig, pick: str = "latest", data_class: str | None = None
) -> list[ClassResult]:
    """Drill every data class of the host (or one): restore and verify in scratch space,
    then remove it; the metrics are written after each class. Raises when any failed."""
    classes = selected_classes(config, data_class)
    results = load_results(config)

    def choose(snapshots: list[Snapshot], name: str) -> Snapshot:
        return choose_snapshot(snapshots, name, pick=pick, window_days=config.drill_window_days)

    def finished(result: ClassResult) -> None:
        remember(results, result)
        publish(config, results)

    return run_classes(config, classes, choose, None, finished, pick=pick)
