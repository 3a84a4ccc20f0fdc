"""The durations of the previous run of each playbook, kept in a small JSON in the user's
cache folder, for an estimate of time left. A missing or broken file is no history."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "playbook-durations.json"


@dataclass(frozen=True)
class PlayDurations:
    """One play of a past run: its name, its seconds, and when (seconds after the play
    began) each of its tasks started."""

    name: str
    seconds: float
    task_starts: tuple[float, ...]


def cache_path() -> Path:
    """`$XDG_CACHE_HOME/rampart/` (else `~/.cache/rampart/`) and the file's name."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rampart" / FILE_NAME


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def load_previous(path: Path, playbook: str) -> list[PlayDurations]:
    """The plays of the previous run of `playbook`; none when there is no usable history."""
    plays = _read(path).get(playbook)
    if not isinstance(plays, list):
        return []
    previous = []
    for play in plays:
        try:
            starts = tuple(float(offset) for offset in play["task_starts"])
            previous.append(PlayDurations(str(play["name"]), float(play["seconds"]), starts))
        except (KeyError, TypeError, ValueError):
            return []
    return previous


def save_run(path: Path, playbook: str, plays: list[PlayDurations | None]) -> None:
    """Keep this run's plays for the next estimate; a play this run did not finish (None)
    keeps the duration it had before. Other playbooks' entries stay as they are. A file
    that cannot be written is left as it is."""
    document = _read(path)
    before = load_previous(path, playbook)
    merged = [
        play if play is not None else (before[index] if index < len(before) else None)
        for index, play in enumerate(plays)
    ]
    kept = []
    for play in merged:
        if play is None:
            break
        kept.append(
            {
                "name": play.name,
                "seconds": round(play.seconds, 3),
                "task_starts": [round(offset, 3) for offset in play.task_starts],
            }
        )
    document[playbook] = kept
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:  # a cache: where it cannot be written (no home folder), there is no estimate
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(document) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def seconds_left(
    previous: list[PlayDurations],
    plays: list[str],
    play_index: int,
    tasks_started: int,
    since_task_start: float,
) -> float | None:
    """Time left by the previous run: the rest of the current play from the point its
    `tasks_started`-th task began, less the time that task has run, plus the later plays.
    None when the previous run did not have the same plays up to the end."""
    if len(previous) != len(plays) or any(
        past.name != name for past, name in zip(previous, plays, strict=True)
    ):
        return None
    current = previous[play_index]
    reached = (
        current.task_starts[tasks_started - 1]
        if 0 < tasks_started <= len(current.task_starts)
        else (current.seconds if tasks_started else 0.0)
    )
    rest = max(0.0, current.seconds - reached - since_task_start)
    return rest + sum(play.seconds for play in previous[play_index + 1 :])
