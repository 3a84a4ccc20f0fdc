"""`rampart report controls`: the controls matrix now (issue 13): for each control of
`rampart.monitoring.controls`, each host, service or runbook and whether the control holds
there, read from Prometheus' `rampart_control_ok`, with what it checks and its evidence.
A control with no series at all is a row "no evidence": it fails like a control that does
not hold, so an exit status of 0 means every control showed that it holds."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rampart.inventory import Inventory, load_inventory
from rampart.monitoring.controls import CONTROL_METRIC, CONTROLS, Control
from rampart.monitoring.report import PrometheusSource

SCOPE_WORDS = {"instance": "host", "service": "service", "runbook": "runbook"}


@dataclass(frozen=True)
class Row:
    """One control at one place: holds (True), does not (False) or shows nothing (None)."""

    control: Control
    where: str
    """The host, service or runbook; `-` for a control with no evidence anywhere."""
    ok: bool | None

    @property
    def result(self) -> str:
        return {True: "ok", False: "FAILING", None: "NO EVIDENCE"}[self.ok]

    def as_dict(self) -> dict[str, Any]:
        control = self.control
        return {
            "clause": control.clause,
            "control": control.name,
            SCOPE_WORDS[control.scope]: None if self.ok is None else self.where,
            "ok": self.ok,
            "holds_when": control.holds_when,
            "evidence": control.evidence,
        }


def matrix(samples: list[tuple[dict[str, str], float]]) -> list[Row]:
    """The rows of every control, in the controls' order, places sorted by name."""
    rows = []
    for control in CONTROLS:
        found = sorted(
            (labels.get(control.scope, "?"), value)
            for labels, value in samples
            if labels.get("control") == control.name
        )
        rows += [Row(control, where, value == 1) for where, value in found]
        if not found:
            rows.append(Row(control, "-", None))
    return rows


def table(rows: list[Row], as_of: datetime) -> str:
    """The matrix as aligned text, a count, then what each control checks."""
    header = ("CLAUSE", "CONTROL", "WHERE", "RESULT")
    cells = [header] + [
        (
            row.control.clause,
            row.control.name,
            row.where if row.ok is None else f"{SCOPE_WORDS[row.control.scope]} {row.where}",
            row.result,
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in cells) for column in range(3)]
    lines = [f"controls as of {as_of:%Y-%m-%d %H:%M %Z} (Prometheus {CONTROL_METRIC})"]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[3]
        for line in cells
    ]
    counts = {result: sum(row.result == result for row in rows) for result in ("ok", "FAILING")}
    missing = sum(row.ok is None for row in rows)
    lines.append(
        f"controls: {counts['ok']} ok, {counts['FAILING']} failing, {missing} without evidence"
    )
    lines.append("What each control checks, and its evidence:")
    lines += [
        f"  {control.name} ({control.clause}): {control.holds_when}; from {control.evidence}"
        for control in CONTROLS
    ]
    return "\n".join(lines) + "\n"


def document(rows: list[Row], as_of: datetime) -> dict[str, Any]:
    """The matrix as `--json` prints it (and the evidence export keeps it)."""
    return {"as_of": as_of.isoformat(), "controls": [row.as_dict() for row in rows]}


def controls_now(inventory: Inventory) -> tuple[list[Row], datetime]:
    """The matrix as Prometheus has it now, and that moment in the company's time zone."""
    as_of = datetime.now(ZoneInfo(inventory.time_zone))
    source = PrometheusSource.of(inventory)
    return matrix(source.instant(CONTROL_METRIC, as_of.timestamp())), as_of


def report_controls(inventory_path: Path, as_json: bool) -> int:
    """Print the matrix; exit 1 when a control fails or shows no evidence."""
    rows, as_of = controls_now(load_inventory(inventory_path))
    if as_json:
        sys.stdout.write(json.dumps(document(rows, as_of), indent=2) + "\n")
    else:
        sys.stdout.write(table(rows, as_of))
    return 0 if all(row.ok for row in rows) else 1
