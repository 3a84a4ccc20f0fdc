"""Time left from the previous run, and what is kept for the next one."""

from __future__ import annotations

from pathlib import Path

from rampart.playbook_run.durations import PlayDurations, load_previous, save_run, seconds_left

PREVIOUS = [
    PlayDurations("Validate", 4.0, (0.0,)),
    PlayDurations("Harden", 60.0, (0.0, 10.0, 50.0)),
    PlayDurations("Firewall", 20.0, (0.0, 5.0)),
]
PLAYS = ["Validate", "Harden", "Firewall"]


def test_time_left_is_the_rest_of_the_play_from_the_same_task_and_the_later_plays() -> None:
    # The second task of "Harden" began 10 s into the play last time and has run 3 s now.
    assert seconds_left(PREVIOUS, PLAYS, 1, 2, 3.0) == 60.0 - 10.0 - 3.0 + 20.0
    # A task running longer than the whole rest of its play last time leaves the later plays.
    assert seconds_left(PREVIOUS, PLAYS, 1, 3, 30.0) == 20.0


def test_no_estimate_when_the_plays_differ_from_last_time() -> None:
    assert seconds_left(PREVIOUS, ["Validate", "Access", "Firewall"], 0, 1, 0.0) is None
    assert seconds_left([], PLAYS, 0, 1, 0.0) is None


def test_a_play_not_finished_keeps_its_previous_durations(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    save_run(path, "/site.yml", list(PREVIOUS))
    save_run(path, "/other.yml", [PlayDurations("Other", 1.0, (0.0,))])
    again = PlayDurations("Validate", 5.0, (0.0,))
    save_run(path, "/site.yml", [again, None, None])
    assert load_previous(path, "/site.yml") == [again, *PREVIOUS[1:]]
    assert load_previous(path, "/other.yml") == [PlayDurations("Other", 1.0, (0.0,))]


def test_an_unreadable_history_is_no_history(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    for text in ("{broken", "[]", '{"/site.yml": [{"name": "Validate"}]}'):
        path.write_text(text)
        assert load_previous(path, "/site.yml") == []


def test_a_history_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    path = tmp_path / "cache" / "rampart" / "durations.json"
    save_run(path, "/site.yml", list(PREVIOUS))
    assert load_previous(path, "/site.yml") == []
