"""The status line on a terminal: what the run is doing and how much is left, kept on the
terminal's last row while the task output scrolls above it (a scroll region, as apt's
progress bar does). Off a terminal nothing is drawn."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TextIO

SAVE, RESTORE, CLEAR_LINE = "\0337", "\0338", "\033[2K"


@dataclass
class Progress:
    """Where a playbook run is."""

    playbook: str
    play_number: int = 0
    plays: int = 0
    play: str = ""
    tasks_done: int = 0
    tasks_total: int = 0
    approximate: bool = False
    seconds_left: float | None = None
    running: dict[str, tuple[str, str]] = field(default_factory=dict)


def duration_text(seconds: float) -> str:
    """`45s`, `3m05s`, `1h02m`."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def status_text(progress: Progress) -> str:
    """One line: playbook, play, tasks done and left, time left, and per role and task the
    hosts running it."""
    about = "about " if progress.approximate else ""
    left = max(0, progress.tasks_total - progress.tasks_done)
    parts = [
        f"{progress.playbook} play {progress.play_number}/{progress.plays} {progress.play}",
        (
            f"task {progress.tasks_done}/{about}{progress.tasks_total},"
            f" {about}{left} task{'' if left == 1 else 's'} left"
            if progress.tasks_done <= progress.tasks_total
            else f"task {progress.tasks_done}, more than counted (includes), tasks left unknown"
        ),
        (
            f"about {duration_text(progress.seconds_left)} left"
            if progress.seconds_left is not None
            else "time left unknown"
        ),
    ]
    groups: dict[tuple[str, str], list[str]] = {}
    for host, doing in sorted(progress.running.items()):
        groups.setdefault(doing, []).append(host)
    for (role, task), hosts in groups.items():
        shown = ", ".join(hosts[:3]) + (f" +{len(hosts) - 3}" if len(hosts) > 3 else "")
        parts.append(f"{role + ': ' if role else ''}{task} [{shown}]")
    return " · ".join(parts)


class StatusLine:
    """The terminal's last row, reserved for the status while shown."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._rows = 0

    def show(self, text: str) -> None:
        """Draw `text` on the last row, cut to the terminal's width."""
        columns, rows = os.get_terminal_size(self._stream.fileno())
        if rows < 3 or columns < 10:
            return
        if rows != self._rows:
            self._reserve(rows)
        self._write(f"{SAVE}\033[{rows};1H{CLEAR_LINE}{text[: columns - 1]}{RESTORE}")

    def close(self) -> None:
        """Give the last row back to the output and clear it."""
        if not self._rows:
            return
        rows, self._rows = self._rows, 0
        self._write(f"{SAVE}\033[1;{rows}r{RESTORE}{SAVE}\033[{rows};1H{CLEAR_LINE}{RESTORE}")

    def _reserve(self, rows: int) -> None:
        # A new line first, so the row the cursor is on stays inside the scrolled area.
        first = "" if self._rows else "\n"
        self._write(f"{first}{SAVE}\033[1;{rows - 1}r{RESTORE}" + ("\033[1A" if first else ""))
        self._rows = rows

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
