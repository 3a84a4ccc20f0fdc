"""The backup-server exporter: per host, what its repository on this server holds.

It reads the repositories' layout only (file names, sizes and times; restic encrypts the
contents and the server has no password): snapshot count (files in `snapshots/`), newest
snapshot time (the newest of those files), repository size, and locks (files in `locks/`,
with the oldest one's age). A background thread refreshes a cache every `interval`
seconds; a scrape renders the cache, so its cost does not grow with the repositories.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rampart.exporters.web import MetricsServer, WebConfig, load_web_config
from rampart.textfile import Family, render


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


class Cache:
    """The last facts read, their time, and whether the last refresh worked."""

    def __init__(self, root: Path, layout: str) -> None:
        self.root = root
        self.layout = layout
        self.facts: list[RepositoryFacts] = []
        self.refreshed = 0.0
        self.refresh_seconds = 0.0
        self.ok = False
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Read every repository again; keep the old facts if reading fails."""
        started = time.monotonic()
        try:
            facts = read_all(self.root, self.layout)
            ok = True
        except OSError:
            facts, ok = self.facts, False
        with self._lock:
            self.facts, self.ok = facts, ok
            self.refreshed = time.time()
            self.refresh_seconds = time.monotonic() - started

    def families(self, now: float | None = None) -> list[Family]:
        """Fresh metric families from the cache (no file system access)."""
        now = time.time() if now is None else now
        with self._lock:
            facts, ok = list(self.facts), self.ok
            refreshed, refresh_seconds = self.refreshed, self.refresh_seconds
        snapshots = Family("rampart_backup_server_snapshots", "Snapshots in the host's repository.")
        newest = Family(
            "rampart_backup_server_newest_snapshot_timestamp_seconds",
            "When the newest snapshot of the host's repository was written.",
        )
        age = Family(
            "rampart_backup_server_newest_snapshot_age_seconds",
            "Age of the newest snapshot of the host's repository.",
        )
        size = Family(
            "rampart_backup_server_repository_size_bytes", "Size of the host's repository."
        )
        locks = Family("rampart_backup_server_locks", "Lock files in the host's repository.")
        lock_age = Family(
            "rampart_backup_server_oldest_lock_age_seconds",
            "Age of the oldest lock in the host's repository (0: none).",
        )
        for repository in facts:
            snapshots.add(repository.snapshots, host=repository.host)
            if repository.newest_snapshot is not None:
                newest.add(repository.newest_snapshot, host=repository.host)
                age.add(max(0.0, now - repository.newest_snapshot), host=repository.host)
            size.add(repository.size_bytes, host=repository.host)
            locks.add(repository.locks, host=repository.host)
            oldest = repository.oldest_lock
            lock_age.add(0.0 if oldest is None else max(0.0, now - oldest), host=repository.host)
        return [
            Family("rampart_backup_server_up", "1 if the last refresh read the repositories.").add(
                1 if ok else 0
            ),
            Family("rampart_backup_server_cache_age_seconds", "Age of the facts served.").add(
                max(0.0, now - refreshed) if refreshed else 0.0
            ),
            Family(
                "rampart_backup_server_refresh_duration_seconds",
                "How long the last refresh of the cache took.",
            ).add(refresh_seconds),
            snapshots,
            newest,
            age,
            size,
            locks,
            lock_age,
        ]


def refresh_forever(cache: Cache, interval: float, stop: threading.Event) -> None:
    """Refresh the cache every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        cache.refresh()
        stop.wait(interval)


def make_server(cache: Cache, address: str, port: int, web: WebConfig) -> MetricsServer:
    """Rampart's metrics server (TLS, basic auth) answering /metrics from the cache."""
    return MetricsServer((address, port), lambda: render(cache.families()).encode("utf-8"), web)


def serve(
    root: Path, layout: str, address: str, port: int, interval: float, web_config: Path | None
) -> int:
    """Run the exporter until stopped."""
    web = load_web_config(web_config)
    cache = Cache(root, layout)
    cache.refresh()
    stop = threading.Event()
    refresher = threading.Thread(
        target=refresh_forever, args=(cache, interval, stop), daemon=True, name="refresh"
    )
    refresher.start()
    server = make_server(cache, address, port, web)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    return 0
