"""Ansible callback `rampart_progress`: progress on a terminal and a profile on request.

On a terminal (stderr is a tty) it keeps the last row up to date with the play, the role
and task each host is running, tasks done and left, and the time left by the previous run
of the same playbook (docs/playbooks.md). Off a terminal it prints nothing during the run.
With `RAMPART_PROFILE=<file>` it writes where the time went, per task and per role, to that
file as JSON and prints a short table at the end. Any error inside it ends its work with one
warning; the run goes on.
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback import CallbackBase

from rampart.playbook_run.durations import (
    PlayDurations,
    cache_path,
    load_previous,
    save_run,
    seconds_left,
)
from rampart.playbook_run.profile import build_profile, profile_table, write_profile
from rampart.playbook_run.status_line import Progress, StatusLine, status_text
from rampart.playbook_run.timings import RunTimings, TaskTiming

DOCUMENTATION = """
name: rampart_progress
type: notification
short_description: Status line with tasks and time left; a per task and per role profile
description:
  - On a terminal, keeps one status line on the last row with the play, the role and task
    per host, tasks done and left, and time left from the previous run of the playbook
    (kept in $XDG_CACHE_HOME/rampart/playbook-durations.json, else ~/.cache/rampart/).
  - Off a terminal it prints nothing during the run.
  - With RAMPART_PROFILE=<file>, writes the time per task and per role to that file as JSON
    and prints the slowest as a table at the end of the run.
requirements:
  - enable in ansible.cfg (callbacks_enabled = rampart_progress)
"""

META_ACTIONS = frozenset({"meta", "ansible.builtin.meta", "ansible.legacy.meta"})
REDRAW_SECONDS = 0.1

Method = TypeVar("Method", bound=Callable[..., None])


def guarded(method: Method) -> Method:
    """Run a callback method; an error in it stops the plugin with one warning."""

    @functools.wraps(method)
    def run(self: CallbackModule, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception as error:  # the run must go on whatever happens here
            self.give_up(error)

    return run  # type: ignore[return-value]


class CallbackModule(CallbackBase):  # type: ignore[misc]  # Ansible ships no type hints
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "rampart_progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timings = RunTimings()
        self._profile_path = (
            Path(os.environ["RAMPART_PROFILE"]) if os.environ.get("RAMPART_PROFILE") else None
        )
        self._line = StatusLine(sys.stderr) if _on_terminal() else None
        if self._line is not None:
            atexit.register(self._line.close)  # an interrupted run gets its last row back
        self._progress = Progress(playbook="")
        self._playbook_path = ""
        self._play_names: list[str] = []
        self._previous: list[PlayDurations] = []
        self._finished: list[PlayDurations | None] = []
        self._play_started = 0.0
        self._task_started = 0.0
        self._task_starts: list[float] = []
        self._drawn = 0.0
        self._play_failed = False

    def give_up(self, error: Exception) -> None:
        """Stop for the rest of the run, leave the terminal as it was, warn once."""
        self.disabled = True
        try:
            if self._line is not None:
                self._line.close()
        finally:
            self._display.warning(
                f"rampart_progress stopped, the run goes on: {type(error).__name__}: {error}"
            )

    @guarded
    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._end_playbook()  # `ansible-playbook one.yml two.yml` runs them in turn
        self._playbook_path = str(Path(playbook._file_name).resolve())
        self._play_names = [play.get_name() for play in playbook.get_plays()]
        self._progress = Progress(
            playbook=Path(playbook._file_name).name, plays=len(self._play_names)
        )
        self._finished = [None] * len(self._play_names)
        self._previous = load_previous(cache_path(), self._playbook_path)

    @guarded
    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._end_play()
        now = time.monotonic()
        number = self._progress.play_number + 1
        total, approximate = _count_tasks(play)
        past = self._previous[number - 1] if number <= len(self._previous) else None
        if past is not None and past.name == play.get_name() and past.task_starts:
            total = len(past.task_starts)
        self._progress = Progress(
            playbook=self._progress.playbook,
            play_number=number,
            plays=self._progress.plays,
            play=play.get_name(),
            tasks_total=total,
            approximate=approximate,
        )
        self._play_started = self._task_started = now
        self._task_starts = []
        self._play_failed = False
        self._draw(force=True)

    @guarded
    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        now = time.monotonic()
        self._task_started = now
        self._task_starts.append(now - self._play_started)
        self._progress.tasks_done = len(self._task_starts)

    @guarded
    def v2_runner_on_start(self, host: Any, task: Any) -> None:
        role = task._role.get_name() if task._role else ""
        name = task.name or task.get_name()  # the name without the role's in front
        key = (self._progress.play_number, task._uuid)
        timing = TaskTiming(self._progress.play, role or "-", name, task.get_path() or "")
        self._timings.start(key, timing, host.get_name(), time.monotonic())
        doing = (role, name)
        first = doing not in self._progress.running.values()
        self._progress.running[host.get_name()] = doing
        self._draw(force=first)

    def _result(self, result: Any, failed: bool = False) -> None:
        self._play_failed = self._play_failed or failed
        host = result._host.get_name()
        self._timings.end((self._progress.play_number, result._task._uuid), host, time.monotonic())
        self._progress.running.pop(host, None)
        self._draw()

    @guarded
    def v2_runner_on_ok(self, result: Any) -> None:
        self._result(result)

    @guarded
    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._result(result, failed=not ignore_errors)

    @guarded
    def v2_runner_on_skipped(self, result: Any) -> None:
        self._result(result)

    @guarded
    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._result(result, failed=True)

    @guarded
    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._end_playbook()
        if self._line is not None:
            self._line.close()
        if self._profile_path is not None:
            self._display.display(
                f"\nPROFILE (RAMPART_PROFILE={self._profile_path}), slowest first\n"
                + profile_table(build_profile(self._timings, self._playbook_path))
            )

    def _end_playbook(self) -> None:
        """The playbook that ran until now is over: keep its durations for the next run."""
        if self._playbook_path:
            self._end_play()
            save_run(cache_path(), self._playbook_path, self._finished)
            self._playbook_path = ""

    def _end_play(self) -> None:
        """The play that ran until now is over: keep its durations unless a host failed
        (a failed play stops early: no measure for the next run), write the profile."""
        index = self._progress.play_number - 1
        if index < 0:
            return
        if not self._play_failed:
            self._finished[index] = PlayDurations(
                self._progress.play, time.monotonic() - self._play_started, tuple(self._task_starts)
            )
        if self._profile_path is not None:
            write_profile(build_profile(self._timings, self._playbook_path), self._profile_path)

    def _draw(self, force: bool = False) -> None:
        if self._line is None:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        self._progress.seconds_left = seconds_left(
            self._previous,
            self._play_names,
            self._progress.play_number - 1,
            self._progress.tasks_done,
            now - self._task_started,
        )
        self._line.show(status_text(self._progress))


def _on_terminal() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM", "") != "dumb"


def _count_tasks(play: Any) -> tuple[int, bool]:
    """The tasks the play will start for each host (tags applied, meta tasks left out, fact
    gathering counted), and whether that is approximate (dynamic includes, rescue)."""
    count = 1 if play.gather_facts is not False else 0
    approximate = False
    for block in play.compile():
        try:
            block = block.filter_tagged_tasks({})
        except Exception:  # tags that need variables: count them all
            approximate = True
        approximate = approximate or _has_rescue(block)
        for task in block.get_tasks():
            if task.action in META_ACTIONS:
                continue
            count += 1
            approximate = approximate or isinstance(task, TaskInclude)
    return count, approximate


def _has_rescue(block: Any) -> bool:
    if getattr(block, "rescue", None):
        return True
    return any(
        _has_rescue(child) for child in getattr(block, "block", []) if hasattr(child, "block")
    )
