"""SIGTERM and SIGINT as an exception, so a long job unwinds through its cleanup.

The first signal raises the exception made by `make` (from the signal's name) in the main
thread; further signals are ignored while the job cleans up. The previous handlers come
back when the block ends. `signals_deferred` holds both signals off for a few steps that
must happen together.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def raised_on_signals(make: Callable[[str], BaseException]) -> Iterator[None]:
    """Inside the block, SIGTERM or SIGINT raises `make(signal name)` once."""

    def interrupted(number: int, _frame: FrameType | None) -> None:
        for each in SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        raise make(signal.Signals(number).name)

    previous = {number: signal.signal(number, interrupted) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGINT wait; they arrive when it ends.

    For steps that must not be cut between (two renames that swap a path): the handler of
    `raised_on_signals` then raises right after the block, not inside it. Commands started
    inside inherit the blocked signals, so keep the block short.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
