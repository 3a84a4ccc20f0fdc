"""The evaluation report's cost (issue 13), printed as a table; not a pass/fail test.

Run from the repository root: `.venv/bin/python -m tests.benchmarks.evaluation_benchmark`.
It backfills the unit tests' quarter (2026-Q3: three services, one sample every four
minutes and at each change, 94 days) with promtool into a temporary folder, starts a real
Prometheus on it, and times `rampart report evaluation` for the quarter (JSON only, then
HTML + JSON + PDF) and for one month, with the size of each output.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

from rampart.monitoring.evaluation.report import report_evaluation
from tests.unit.monitoring.history import backfill, write_openmetrics
from tests.unit.monitoring.test_evaluation import (
    AFTER_THE_QUARTER,
    HISTORY,
    HISTORY_END,
    PROMETHEUS_FLAGS,
    inventory_copy,
)
from tests.unit.prometheus_server import running_prometheus


def timed(inventory: Path, **options: object) -> float:
    """Seconds one report takes (its stdout swallowed)."""
    arguments: dict[str, object] = {
        "month": None,
        "quarter": None,
        "as_json": False,
        "html": None,
        "pdf": None,
        "output": None,
        "now": AFTER_THE_QUARTER,
        **options,
    }
    began = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):
        report_evaluation(inventory, **arguments)  # type: ignore[arg-type]
    return time.monotonic() - began


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rampart-evaluation-bench-") as name:
        folder = Path(name)
        began = time.monotonic()
        files = write_openmetrics(folder, HISTORY, HISTORY_END)
        written = time.monotonic() - began
        size = sum(path.stat().st_size for path in files)
        backfill(files, folder / "data")
        backfilled = time.monotonic() - began - written
        blocks = sum(1 for path in (folder / "data").iterdir() if path.is_dir())
        inventory = inventory_copy(folder)
        with running_prometheus(folder, {}, flags=PROMETHEUS_FLAGS) as base:
            os.environ["RAMPART_PROMETHEUS_URL"] = base
            output = folder / "out"
            rows = [
                (
                    "write OpenMetrics",
                    f"{written:.1f} s",
                    f"{len(files)} files, {size / 1e6:.1f} MB",
                ),
                ("promtool backfill", f"{backfilled:.1f} s", f"{blocks} two-hour blocks"),
                (
                    "quarter, --json",
                    f"{timed(inventory, quarter='2026-Q3', as_json=True):.1f} s",
                    "",
                ),
                ("month, --json", f"{timed(inventory, month='2026-08', as_json=True):.1f} s", ""),
                (
                    "quarter, --output",
                    f"{timed(inventory, quarter='2026-Q3', output=output):.1f} s",
                    "HTML, JSON, PDF",
                ),
            ]
            for name in ("report.html", "report.json", "report.pdf"):
                rows.append((name, f"{(output / name).stat().st_size / 1024:.0f} KiB", "quarter"))
    width = max(len(row[0]) for row in rows)
    for label, value, note in rows:
        print(f"{label.ljust(width)}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
