"""The status line's text as a person reads it."""

from __future__ import annotations

from rampart.playbook_run.status_line import Progress, status_text


def progress(**fields: object) -> Progress:
    base = Progress(playbook="site.yml", play_number=4, plays=9, play="Harden the SSH server")
    for name, value in fields.items():
        setattr(base, name, value)
    return base


def test_tasks_and_time_left_and_hosts_grouped_by_what_they_run() -> None:
    running = {f"host-{n}": ("ssh", "Write sshd_config") for n in range(5)}
    running["mon-01"] = ("", "Check the inventory")
    text = status_text(
        progress(
            tasks_done=6, tasks_total=12, approximate=True, seconds_left=100.4, running=running
        )
    )
    assert text == (
        "site.yml play 4/9 Harden the SSH server · task 6/about 12, about 6 tasks left"
        " · about 1m40s left · ssh: Write sshd_config [host-0, host-1, host-2 +2]"
        " · Check the inventory [mon-01]"
    )


def test_more_tasks_than_counted_says_the_count_is_unknown() -> None:
    text = status_text(progress(tasks_done=30, tasks_total=6, approximate=True))
    assert "task 30, more than counted (includes), tasks left unknown" in text
    assert "time left unknown" in text
