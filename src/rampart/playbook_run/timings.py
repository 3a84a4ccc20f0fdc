"""The time each task took on each host, as the callback sees tasks start and end."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TaskTiming:
    """One task of one play: when it started and how long it ran on each host."""

    play: str
    role: str
    name: str
    path: str
    started: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    spans: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class RunTimings:
    """Every task of a run by its identity (Ansible's task uuid within a play)."""

    tasks: dict[tuple[int, str], TaskTiming] = field(default_factory=dict)

    def start(self, key: tuple[int, str], task: TaskTiming, host: str, now: float) -> None:
        """`host` began running the task at `now` (monotonic seconds)."""
        self.tasks.setdefault(key, task).started[host] = now

    def end(self, key: tuple[int, str], host: str, now: float) -> None:
        """`host` finished the task at `now`; a task never seen starting is ignored."""
        task = self.tasks.get(key)
        if task is None or host not in task.started:
            return
        began = task.started.pop(host)
        task.seconds[host] = task.seconds.get(host, 0.0) + now - began
        task.spans.append((began, now))
