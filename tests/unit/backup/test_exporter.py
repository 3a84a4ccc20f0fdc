"""The backup-server exporter: facts from a repository's layout, served from a cache,
`promtool check metrics` clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from rampart.backup.exporter import Cache, make_server
from rampart.exporters.web import WebConfig
from rampart.textfile import render


def make_repository(root: Path, host: str, snapshots: int, locks: int = 0) -> Path:
    """A restic repository's layout with `snapshots` snapshot files (contents unread)."""
    repository = root / host / "repo"
    for folder in ("snapshots", "locks", "data/00", "index", "keys"):
        (repository / folder).mkdir(parents=True)
    (repository / "config").write_bytes(b"x" * 155)
    (repository / "data" / "00" / "pack").write_bytes(b"y" * 4096)
    for number in range(snapshots):
        snapshot = repository / "snapshots" / f"{number:064x}"
        snapshot.write_bytes(b"s" * 300)
        os.utime(snapshot, (1_700_000_000 + number, 1_700_000_000 + number))
    for number in range(locks):
        lock = repository / "locks" / f"{number:064x}"
        lock.write_bytes(b"l")
        os.utime(lock, (1_600_000_000, 1_600_000_000))
    return repository


def test_facts_per_host(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 3, locks=1)
    make_repository(tmp_path, "oa-01", 0)
    (tmp_path / "not-a-repository").mkdir()
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    text = render(cache.families(now=1_700_000_102.0))
    assert "rampart_backup_server_up 1" in text
    assert 'rampart_backup_server_snapshots{host="hr-01"} 3' in text
    assert 'rampart_backup_server_snapshots{host="oa-01"} 0' in text
    assert 'rampart_backup_server_newest_snapshot_age_seconds{host="hr-01"} 100' in text
    assert 'rampart_backup_server_locks{host="hr-01"} 1' in text
    assert 'rampart_backup_server_oldest_lock_age_seconds{host="hr-01"} 100000102' in text
    assert 'rampart_backup_server_repository_size_bytes{host="hr-01"} 5152' in text
    assert "not-a-repository" not in text


def test_a_scrape_serves_the_cache_and_never_reads_the_disk(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 2)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    shutil.rmtree(tmp_path / "hr-01")
    server = make_server(cache, "127.0.0.1", 0, WebConfig())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'rampart_backup_server_snapshots{host="hr-01"} 2' in body


def test_a_failed_refresh_keeps_the_last_facts_and_says_down(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    cache.root = tmp_path / "gone"
    cache.refresh()
    text = render(cache.families())
    assert "rampart_backup_server_up 0" in text
    assert 'rampart_backup_server_snapshots{host="hr-01"} 1' in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_promtool_finds_nothing_to_criticise(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 2, locks=1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    checked = subprocess.run(
        ["promtool", "check", "metrics"],
        input=render(cache.families()),
        text=True,
        capture_output=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout + checked.stderr == ""


def test_refresh_of_ten_thousand_snapshots_is_quick(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 10_000)
    cache = Cache(tmp_path, "repo")
    started = time.monotonic()
    cache.refresh()
    assert time.monotonic() - started < 10
    assert 'rampart_backup_server_snapshots{host="hr-01"} 10000' in render(cache.families())
