"""The one place Rampart runs external commands.

Every subprocess goes through `run`, so errors come back as `CommandError` with the exit
code as an attribute and tests can assert the exact command line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rampart.errors import CommandError, RampartError


def run(
    argv: Sequence[str | Path],
    *,
    check: bool = True,
    input_text: str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command (in `cwd`, if given), capture its output as text and raise
    `CommandError` on failure.

    If the wait is interrupted (a timeout, or a signal handler raising), the command gets
    SIGTERM and a grace time to clean up before SIGKILL; then whatever it started and left
    behind (its process group) is ended too.
    """
    args = [str(part) for part in argv]
    try:
        process = subprocess.Popen(
            args,
            # Never share our stdin: ssh sets it non-blocking, which breaks Ansible later.
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=None if env is None else dict(env),
            cwd=cwd,
            process_group=0,
        )
    except FileNotFoundError as error:
        raise RampartError(f"command not found: {args[0]}") from error
    with process:
        try:
            stdout, stderr = process.communicate(input_text, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            _stop(process)
            raise CommandError(args, -1, f"timed out after {timeout} s") from error
        except BaseException:
            # Interrupted (a signal turned into an exception): let the command clean up
            # after itself (restic removes its lock) before it is killed.
            _stop(process)
            raise
    if check and process.returncode != 0:
        raise CommandError(args, process.returncode, stderr)
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def pipe(
    source: Sequence[str | Path],
    destination: Sequence[str | Path],
    *,
    through: Callable[[bytes], None],
    timeout: float,
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Stream one command's output into another's input, handing every chunk to `through`
    on the way (to count or hash it); both are ended when `timeout` runs out (a
    `CommandError`). Returns both outcomes (exit code, error output); the caller judges."""
    source_args, destination_args = [str(part) for part in source], [str(p) for p in destination]
    options: dict[str, Any] = {"stderr": subprocess.PIPE, "process_group": 0}
    with (
        subprocess.Popen(
            source_args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, **options
        ) as sender,
        subprocess.Popen(
            destination_args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, **options
        ) as receiver,
    ):
        assert sender.stdout and sender.stderr and receiver.stdin and receiver.stderr  # pipes

        def end_both() -> None:
            sender.kill()
            receiver.kill()

        watchdog = threading.Timer(timeout, end_both)
        watchdog.start()
        try:
            with contextlib.suppress(BrokenPipeError), receiver.stdin:
                while chunk := sender.stdout.read(1 << 20):
                    through(chunk)
                    receiver.stdin.write(chunk)
            sent_errors, received_errors = sender.stderr.read(), receiver.stderr.read()
            sender.wait()
            receiver.wait()
        finally:
            timed_out = not watchdog.is_alive()
            watchdog.cancel()
    if timed_out:
        raise CommandError(source_args, -1, f"timed out after {timeout} s")
    return (
        subprocess.CompletedProcess(
            source_args, sender.returncode, "", sent_errors.decode("utf-8", "replace")
        ),
        subprocess.CompletedProcess(
            destination_args, receiver.returncode, "", received_errors.decode("utf-8", "replace")
        ),
    )


def _stop(process: subprocess.Popen[str], grace_seconds: float = 20.0) -> None:
    """End an interrupted command, then everything of its process group left behind.

    The command alone gets SIGTERM first, so it can clean up with its helpers still
    running (restic removes its lock through its ssh child); SIGKILL after the grace time.
    A grandchild left running would hold the output pipes open, so the group goes next.
    """
    process.terminate()
    exited = _wait_for_exit(process, grace_seconds)
    _signal_group(process, signal.SIGTERM if exited else signal.SIGKILL)
    try:
        process.communicate(timeout=2.0)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # a process that left the group
            process.communicate(timeout=2.0)


def _wait_for_exit(process: subprocess.Popen[str], seconds: float) -> bool:
    """Read the command's output until it exits (not until its pipes close); False on timeout."""
    deadline = time.monotonic() + seconds
    while process.poll() is None:
        if time.monotonic() >= deadline:
            return False
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=0.1)
    return True


def _signal_group(process: subprocess.Popen[str], number: signal.Signals) -> None:
    """Signal every process left in the command's group (its id is the command's PID)."""
    with contextlib.suppress(ProcessLookupError):  # none are left
        os.killpg(process.pid, number)


def succeeds(argv: Sequence[str | Path], *, timeout: float | None = None) -> bool:
    """Tell whether a command exits zero; for probes whose failure is an answer, not an error."""
    try:
        return run(argv, check=False, timeout=timeout).returncode == 0
    except CommandError:
        return False


def which(program: str) -> Path | None:
    """Find a program on PATH, also in the sbin folders a non-login root shell may lack."""
    found = shutil.which(program) or shutil.which(
        program, path="/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"
    )
    return Path(found) if found else None


def spawn(
    argv: Sequence[str | Path],
    *,
    log: Path,
    cgroups: Sequence[Path] = (),
) -> int:
    """Start a long-running command in its own session, detached from ours; return its PID.

    Its output goes to `log`. When `cgroups` are given, the child moves itself into each
    of them before it executes the command, so everything it starts is accounted there.
    """
    args = [str(part) for part in argv]
    targets = [Path(cgroup) / "cgroup.procs" for cgroup in cgroups]

    def enter_cgroups() -> None:
        for procs in targets:
            procs.write_text(str(os.getpid()), encoding="ascii")

    with log.open("ab") as output:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=enter_cgroups if targets else None,
        )
    return process.pid
