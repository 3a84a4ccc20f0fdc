"""The backup-server exporter: per host, what its repository on this server holds.

It reads the repositories' layout only (file names, sizes and times; restic encrypts the
contents and the server has no password): snapshot count (files in `snapshots/`), newest
snapshot time (the newest of those files), repository size, and locks (files in `locks/`,
with the oldest one's age). A background thread refreshes a cache every `interval`
seconds; at each scrape a prometheus_client collector builds fresh metric families from
the cache (never from the disk), so a scrape's cost does not grow with the repositories,
and says how old the cache is. Served by Rampart's one metrics server (TLS, basic auth).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from rampart.errors import ConfigError
from rampart.exporters.web import MetricsServer, WebConfig, load_web_config
from rampart.user_input import describe_os_error


@dataclass(frozen=True)
class RepositoryFacts:
    """What the server can see of one host's repository without its password."""

    host: str
    snapshots: int
    newest_snapshot: float | None
    size_bytes: int
    locks: int
    oldest_lock: float | None


def _files(folder: Path) -> list[os.stat_result]:
    try:
        with os.scandir(folder) as entries:
            return [entry.stat() for entry in entries if entry.is_file(follow_symlinks=False)]
    except FileNotFoundError:
        return []


def _size(folder: Path) -> int:
    total = 0
    for root, _folders, files in os.walk(folder):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except FileNotFoundError:
                continue
    return total


def read_repository(host: str, repository: Path) -> RepositoryFacts:
    """Facts about one repository folder (a restic repository's standard layout)."""
    snapshots = _files(repository / "snapshots")
    locks = _files(repository / "locks")
    return RepositoryFacts(
        host=host,
        snapshots=len(snapshots),
        newest_snapshot=max((entry.st_mtime for entry in snapshots), default=None),
        size_bytes=_size(repository),
        locks=len(locks),
        oldest_lock=min((entry.st_mtime for entry in locks), default=None),
    )


def read_all(root: Path, layout: str) -> list[RepositoryFacts]:
    """Every host's repository under `root`, found as `root/<host>/<layout>`."""
    facts = []
    for entry in sorted(root.iterdir()):
        repository = entry / layout
        if entry.is_dir() and (repository / "config").exists():
            facts.append(read_repository(entry.name, repository))
    return facts


@dataclass(frozen=True)
class CacheState:
    """What a scrape serves: the facts, whether the last refresh worked, when it ran and
    how long it took."""

    facts: tuple[RepositoryFacts, ...] = ()
    ok: bool = False
    refreshed: float = 0.0
    refresh_seconds: float = 0.0


class Cache:
    """The last facts read from the repositories; `refresh` reads them again."""

    def __init__(self, root: Path, layout: str) -> None:
        self.root = root
        self.layout = layout
        self._state = CacheState()
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Read every repository again; keep the old facts if reading fails."""
        started = time.monotonic()
        try:
            facts, ok = tuple(read_all(self.root, self.layout)), True
        except OSError:
            facts, ok = self._state.facts, False
        state = CacheState(facts, ok, time.time(), time.monotonic() - started)
        with self._lock:
            self._state = state

    def state(self) -> CacheState:
        """The state as of the last refresh (no file system access)."""
        with self._lock:
            return self._state


class BackupServerCollector(Collector):
    """Fresh `rampart_backup_server_*` families at each scrape from a cache state.

    The data source is injected (a callable returning a `CacheState`), so tests feed it
    fixed facts and the clock; the exporter passes `Cache.state`."""

    def __init__(
        self, source: Callable[[], CacheState], clock: Callable[[], float] = time.time
    ) -> None:
        self._source = source
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        """Every family from one state."""
        state, now = self._source(), self._clock()
        yield gauge(
            "rampart_backup_server_up",
            "1 if the last refresh read the repositories.",
            1 if state.ok else 0,
        )
        yield gauge(
            "rampart_backup_server_cache_age_seconds",
            "Age of the facts served.",
            max(0.0, now - state.refreshed) if state.refreshed else 0.0,
        )
        yield gauge(
            "rampart_backup_server_refresh_duration_seconds",
            "How long the last refresh of the cache took.",
            state.refresh_seconds,
        )
        per_host = {
            "snapshots": ("rampart_backup_server_snapshots", "Snapshots in the host's repository."),
            "newest": (
                "rampart_backup_server_newest_snapshot_timestamp_seconds",
                "When the newest snapshot of the host's repository was written.",
            ),
            "age": (
                "rampart_backup_server_newest_snapshot_age_seconds",
                "Age of the newest snapshot of the host's repository.",
            ),
            "size": (
                "rampart_backup_server_repository_size_bytes",
                "Size of the host's repository.",
            ),
            "locks": ("rampart_backup_server_locks", "Lock files in the host's repository."),
            "lock_age": (
                "rampart_backup_server_oldest_lock_age_seconds",
                "Age of the oldest lock in the host's repository (0: none).",
            ),
        }
        families = {
            key: GaugeMetricFamily(name, help_text, labels=["host"])
            for key, (name, help_text) in per_host.items()
        }
        for repository in state.facts:
            host = [repository.host]
            families["snapshots"].add_metric(host, repository.snapshots)
            if repository.newest_snapshot is not None:
                families["newest"].add_metric(host, repository.newest_snapshot)
                families["age"].add_metric(host, max(0.0, now - repository.newest_snapshot))
            families["size"].add_metric(host, repository.size_bytes)
            families["locks"].add_metric(host, repository.locks)
            oldest = repository.oldest_lock
            families["lock_age"].add_metric(host, 0.0 if oldest is None else max(0.0, now - oldest))
        yield from families.values()


def gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    """A gauge family with one sample and no labels."""
    return GaugeMetricFamily(name, help_text, value=value)


def refresh_forever(cache: Cache, interval: float, stop: threading.Event) -> None:
    """Refresh the cache every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        cache.refresh()
        stop.wait(interval)


def make_server(cache: Cache, address: str, port: int, web: WebConfig) -> MetricsServer:
    """Rampart's metrics server (TLS, basic auth) answering /metrics from the cache."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackupServerCollector(cache.state))
    return MetricsServer((address, port), lambda: generate_latest(registry), web)


def serve(
    root: Path, layout: str, address: str, port: int, interval: float, web_config: Path | None
) -> int:
    """Run the exporter until stopped; bad settings are one line (exit 2)."""
    if not math.isfinite(interval) or interval <= 0:
        raise ConfigError(f"--interval must be a positive number of seconds, not {interval}")
    web = load_web_config(web_config)
    try:
        os.scandir(root).close()
    except OSError as error:
        raise ConfigError(f"{root}: cannot read --root: {describe_os_error(error)}") from None
    cache = Cache(root, layout)
    cache.refresh()
    server = make_server(cache, address, port, web)
    stop = threading.Event()
    refresher = threading.Thread(
        target=refresh_forever, args=(cache, interval, stop), daemon=True, name="refresh"
    )
    refresher.start()
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    return 0
