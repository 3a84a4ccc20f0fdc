"""Runs every check on its own schedule, concurrently, never two runs of one check at once.

A single scheduling thread keeps a heap of due times and hands due checks to a thread pool;
a check whose previous run has not finished is skipped for that turn. Start times are
spread over the first interval so 2,000 checks do not all fire in the same second.
"""

from __future__ import annotations

import heapq
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from rampart.checks import Outcome, ProbeCheck, run_check
from rampart.exporters.availability.state import AvailabilityState

MAX_WORKERS = 64


class Scheduler:
    """Probe every check every `interval_seconds` and record the outcome in the state."""

    def __init__(
        self,
        checks: tuple[ProbeCheck, ...],
        state: AvailabilityState,
        probe: Callable[[ProbeCheck], Outcome] = run_check,
        workers: int = MAX_WORKERS,
    ) -> None:
        self._checks = checks
        self._state = state
        self._probe = probe
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe")
        self._running: set[int] = set()
        self._running_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        """Start probing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling and wait for running probes to end."""
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True)

    def _first_due(self, index: int, now: float) -> float:
        """A stable offset within the first interval, from the check's key."""
        check = self._checks[index]
        spread = zlib.crc32("/".join(check.key).encode()) % 1000 / 1000
        return now + spread * check.interval_seconds

    def _loop(self) -> None:
        """Hand each due check to the pool, then sleep until the next one is due."""
        now = time.monotonic()
        heap = [(self._first_due(index, now), index) for index in range(len(self._checks))]
        heapq.heapify(heap)
        while heap and not self._stop.is_set():
            due, index = heap[0]
            wait = due - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)
                continue
            heapq.heapreplace(heap, (due + self._checks[index].interval_seconds, index))
            with self._running_lock:
                if index in self._running:
                    continue
                self._running.add(index)
            self._pool.submit(self._run, index)

    def _run(self, index: int) -> None:
        """Probe one check and record it; always frees the check for its next turn."""
        try:
            check = self._checks[index]
            self._state.record(check, self._probe(check))
        finally:
            with self._running_lock:
                self._running.discard(index)
