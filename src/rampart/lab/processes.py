"""Processes the lab started, found by PID file and checked by name, so a reused PID is
never signalled by mistake.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    """The PID in a PID file, or None when the file is missing or unreadable."""
    try:
        return int(pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def pid_runs(pid: int, expected: str) -> bool:
    """Tell whether `pid` is alive, not a zombie, and its command line mentions `expected`."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, IndexError):
        return False
    return status[0] != "Z" and expected.encode() in command_line


def alive(pid_file: Path, expected: str) -> bool:
    """Tell whether the process a PID file names still runs the expected program."""
    pid = read_pid(pid_file)
    return pid is not None and pid_runs(pid, expected)


def terminate(
    pid_file: Path, expected: str, *, grace: float, first_signal: int = signal.SIGTERM
) -> None:
    """Signal the process, wait up to `grace` seconds, then kill it; remove the PID file."""
    pid = read_pid(pid_file)
    if pid is not None and pid_runs(pid, expected):
        stop_pid(pid, expected, grace=grace, first_signal=first_signal)
    pid_file.unlink(missing_ok=True)


def stop_pid(pid: int, expected: str, *, grace: float, first_signal: int = signal.SIGTERM) -> None:
    """Ask a process to stop, and kill it when it has not stopped within `grace` seconds."""
    try:
        os.kill(pid, first_signal)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_runs(pid, expected):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while pid_runs(pid, expected):
        time.sleep(0.05)
