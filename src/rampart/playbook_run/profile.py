"""The profile of a run (`RAMPART_PROFILE=<file>`): where the time went, per task and per
role, slowest first, as JSON for tools and as a short table for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rampart.playbook_run.timings import RunTimings

NO_ROLE = "-"
TABLE_ROWS = 15


def build_profile(timings: RunTimings, playbook: str) -> dict[str, Any]:
    """Per task: play, role, name, file:line, hosts, total (summed over hosts) and max
    seconds; per role: seconds summed over hosts and wall-clock seconds it was running."""
    tasks: list[dict[str, Any]] = []
    spans: dict[str, list[tuple[float, float]]] = {}
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for task in timings.tasks.values():
        if not task.seconds:
            continue
        total = sum(task.seconds.values())
        tasks.append(
            {
                "play": task.play,
                "role": task.role,
                "task": task.name,
                "path": task.path,
                "hosts": len(task.seconds),
                "total_seconds": round(total, 3),
                "max_seconds": round(max(task.seconds.values()), 3),
            }
        )
        spans.setdefault(task.role, []).extend(task.spans)
        totals[task.role] = totals.get(task.role, 0.0) + total
        counts[task.role] = counts.get(task.role, 0) + 1
    roles: list[dict[str, Any]] = [
        {
            "role": role,
            "tasks": counts[role],
            "total_seconds": round(totals[role], 3),
            "wall_seconds": round(_covered(spans[role]), 3),
        }
        for role in totals
    ]
    tasks.sort(key=lambda row: (-row["total_seconds"], row["path"]))
    roles.sort(key=lambda row: (-row["total_seconds"], row["role"]))
    return {"playbook": playbook, "tasks": tasks, "roles": roles}


def _covered(spans: list[tuple[float, float]]) -> float:
    """Seconds of the time line covered by at least one span (overlaps counted once)."""
    covered = 0.0
    reach = float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def write_profile(profile: dict[str, Any], path: Path) -> None:
    """The profile as JSON, written whole (a reader never sees half a file)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(profile, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def profile_table(profile: dict[str, Any], rows: int = TABLE_ROWS) -> str:
    """The slowest roles and tasks as a short aligned table."""
    lines = [f"{'ROLE':24} {'HOST-SECONDS':>12} {'WALL':>8}  TASKS"]
    for role in profile["roles"][:rows]:
        lines.append(
            f"{role['role']:24} {role['total_seconds']:12.1f} {role['wall_seconds']:8.1f}"
            f"  {role['tasks']}"
        )
    lines += ["", f"{'ROLE':24} {'HOST-SECONDS':>12} {'MAX':>8} {'HOSTS':>5}  TASK"]
    for task in profile["tasks"][:rows]:
        lines.append(
            f"{task['role']:24} {task['total_seconds']:12.1f} {task['max_seconds']:8.1f}"
            f" {task['hosts']:5}  {task['task']}"
        )
    return "\n".join(lines)
