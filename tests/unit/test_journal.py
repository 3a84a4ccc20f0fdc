"""The one journal: every event on disk as it happens, a kill's cut-short line dropped,
and a journal damaged by a crash reported in one line (and left out of `history`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rampart.journal import EVENTS, Journal, JournalDamagedError, JournalError, read_journal

RAMPART = str(Path(sys.executable).with_name("rampart"))


def test_each_event_is_on_disk_before_the_next_with_the_runs_context(tmp_path: Path) -> None:
    path = tmp_path / "log" / "drill.jsonl"
    with Journal(path, run="r1", host="hr-01") as journal:
        journal.write("run_started", operation="drill")
        # Read by another reader while the writer still holds the file open.
        [line] = path.read_text(encoding="utf-8").splitlines()
        journal.write("run_finished", status="succeeded", reason="")
    events = read_journal(path)
    assert [event["event"] for event in events] == ["run_started", "run_finished"]
    assert json.loads(line)["run"] == "r1" and events[1]["host"] == "hr-01"
    assert events[1]["time"] >= events[0]["time"]


def test_a_name_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.jsonl") as journal, pytest.raises(ValueError, match="drill_done"):
        journal.write("drill_done")
    assert "class_finished" in EVENTS and "step_finished" in EVENTS


def test_a_last_line_cut_short_by_a_kill_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event": "run_started"}\n{"event": "step_sta', encoding="utf-8")
    assert read_journal(path) == [{"event": "run_started"}]


def test_the_next_writer_removes_a_cut_short_line_so_the_journal_stays_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "drill.jsonl"
    path.write_text('{"event": "run_started"}\n{"event": "restore_sta', encoding="utf-8")
    with Journal(path, run="second") as journal:
        journal.write("run_started")
    events = read_journal(path)
    assert [(event["event"], event.get("run")) for event in events] == [
        ("run_started", None),
        ("run_started", "second"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no event"),
        ('{"event": "run_st', "holds no event"),
        ('{"event": "run_started"}\nnot json\n{"event": "run_finished"}\n', ":2: damaged"),
        ("[1, 2]\n", ":1: damaged journal: the line is not an event object"),
        ('{"no": "event"}\n', "not an event object"),
    ],
)
def test_a_damaged_journal_is_one_clear_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(JournalDamagedError, match=problem):
        read_journal(path)


def test_a_journal_that_cannot_be_written_names_the_path_and_the_hint(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(
        JournalError, match=r"cannot write the journal .*/file/journal.jsonl: .+; ask$"
    ):
        Journal(blocked / "journal.jsonl", hint="ask")


def runbook(*arguments: str, runs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAMPART, "runbook", *arguments, "--runs-dir", str(runs)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_history_leaves_out_a_damaged_run_and_resume_refuses_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    good = runs / "good-20261201T000000Z-aaaa"
    good.mkdir(parents=True)
    (good / "journal.jsonl").write_text(
        json.dumps({"time": "2026-12-01T00:00:00+00:00", "event": "run_started", "mode": "drill"})
        + "\n",
        encoding="utf-8",
    )
    for name, text in {
        "empty": "",
        "list": "[]\n",
        "started": '{"event": "step_started"}\n',
    }.items():
        (runs / name).mkdir()
        (runs / name / "journal.jsonl").write_text(text, encoding="utf-8")
    listed = runbook("history", runs=runs)
    assert listed.returncode == 0, listed.stderr
    assert good.name in listed.stdout and "unfinished" in listed.stdout
    assert "empty" not in listed.stdout and "list" not in listed.stdout
    assert "damaged journal" in listed.stderr and "Traceback" not in listed.stderr
    for name in ("empty", "list", "started"):
        resumed = runbook("resume", name, runs=runs)
        assert resumed.returncode == 2, resumed.stderr
        [line] = resumed.stderr.splitlines()
        assert line.startswith("rampart: error: ") and "damaged journal" in line
