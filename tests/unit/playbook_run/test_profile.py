"""The profile: per task and per role, slowest first; a role's wall time counts overlapping
hosts once."""

from __future__ import annotations

from rampart.playbook_run.profile import build_profile
from rampart.playbook_run.timings import RunTimings, TaskTiming


def test_roles_sum_host_seconds_and_count_wall_time_once() -> None:
    timings = RunTimings()
    for host, (start, end) in {"web1": (0.0, 4.0), "web2": (1.0, 5.0)}.items():
        timings.start(
            (1, "a"), TaskTiming("Site", "ssh", "Write sshd_config", "t.yml:3"), host, start
        )
        timings.end((1, "a"), host, end)
    timings.start((1, "b"), TaskTiming("Site", "ssh", "Restart", "t.yml:9"), "web1", 10.0)
    timings.end((1, "b"), "web1", 11.0)
    timings.start((1, "c"), TaskTiming("Site", "-", "Check", "site.yml:2"), "web1", 11.0)
    timings.end((1, "c"), "web1", 11.5)
    profile = build_profile(timings, "site.yml")
    assert [task["task"] for task in profile["tasks"]] == ["Write sshd_config", "Restart", "Check"]
    assert profile["tasks"][0] == {
        "play": "Site",
        "role": "ssh",
        "task": "Write sshd_config",
        "path": "t.yml:3",
        "hosts": 2,
        "total_seconds": 8.0,
        "max_seconds": 4.0,
    }
    assert profile["roles"] == [
        {"role": "ssh", "tasks": 2, "total_seconds": 9.0, "wall_seconds": 6.0},
        {"role": "-", "tasks": 1, "total_seconds": 0.5, "wall_seconds": 0.5},
    ]
