"""The one place external commands run: typed errors with the exit code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rampart import commands
from rampart.errors import CommandError, RampartError


def test_output_is_captured_as_text() -> None:
    assert commands.run(["printf", "a b"]).stdout == "a b"


def test_failure_keeps_exit_code_and_last_error_line() -> None:
    with pytest.raises(CommandError) as raised:
        commands.run(["sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3"])
    assert raised.value.returncode == 3
    assert raised.value.argv == ["sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3"]
    assert str(raised.value) == "sh exited with status 3: the reason"


def test_unknown_program_is_a_one_line_error() -> None:
    with pytest.raises(RampartError, match="command not found: no-such-program-here"):
        commands.run(["no-such-program-here"])


def test_succeeds_is_a_question_not_an_error() -> None:
    assert commands.succeeds(["true"]) is True
    assert commands.succeeds(["false"]) is False


def test_an_interrupted_command_gets_sigterm_and_time_to_clean_up(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned-up"
    script = f"trap 'touch {marker}; exit 143' TERM; sleep 30 >/dev/null 2>&1 & wait"
    with pytest.raises(CommandError, match="timed out"):
        commands.run(["sh", "-c", script], timeout=0.5)
    assert marker.exists()


def test_an_interrupted_command_takes_what_it_started_with_it() -> None:
    # The shell's `sleep` would keep the output pipe open for 30 s if only the shell died.
    started = time.monotonic()
    with pytest.raises(CommandError, match="timed out"):
        commands.run(["sh", "-c", "sleep 30; echo never"], timeout=0.5)
    assert time.monotonic() - started < 10


def test_pipe_streams_one_command_into_another_and_shows_every_chunk(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    seen: list[bytes] = []
    sent, received = commands.pipe(
        ["printf", "evidence\\000bytes"],
        ["sh", "-c", f"cat > {target}"],
        through=seen.append,
        timeout=10,
    )
    assert (sent.returncode, received.returncode) == (0, 0)
    assert target.read_bytes() == b"evidence\x00bytes" == b"".join(seen)


def test_pipe_reports_each_side_failing() -> None:
    sent, received = commands.pipe(
        ["sh", "-c", "echo no such file >&2; exit 1"],
        ["sh", "-c", "cat > /dev/null; echo refused >&2; exit 3"],
        through=lambda chunk: None,
        timeout=10,
    )
    assert (sent.returncode, sent.stderr) == (1, "no such file\n")
    assert (received.returncode, received.stderr) == (3, "refused\n")


def test_pipe_ends_both_at_the_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(CommandError, match=r"timed out after 0\.5 s"):
        commands.pipe(["sleep", "30"], ["cat"], through=lambda chunk: None, timeout=0.5)
    assert time.monotonic() - started < 5
