"""The backup-server exporter: facts from a repository's layout, served from a cache by a
prometheus_client collector (names, labels, HELP and TYPE as documented), `promtool check
metrics` clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from rampart.exporters.backup_server import BackupServerCollector, Cache, make_server
from rampart.exporters.web import WebConfig

FAMILIES = {
    "rampart_backup_server_up": "1 if the last refresh read the repositories.",
    "rampart_backup_server_cache_age_seconds": "Age of the facts served.",
    "rampart_backup_server_refresh_duration_seconds": (
        "How long the last refresh of the cache took."
    ),
    "rampart_backup_server_snapshots": "Snapshots in the host's repository.",
    "rampart_backup_server_newest_snapshot_timestamp_seconds": (
        "When the newest snapshot of the host's repository was written."
    ),
    "rampart_backup_server_newest_snapshot_age_seconds": (
        "Age of the newest snapshot of the host's repository."
    ),
    "rampart_backup_server_repository_size_bytes": "Size of the host's repository.",
    "rampart_backup_server_locks": "Lock files in the host's repository.",
    "rampart_backup_server_oldest_lock_age_seconds": (
        "Age of the oldest lock in the host's repository (0: none)."
    ),
}


def scrape(cache: Cache, now: float | None = None) -> str:
    """What a scrape answers, from the cache (and a fixed clock when given)."""
    registry = CollectorRegistry(auto_describe=False)
    clock = (lambda: now) if now is not None else time.time
    registry.register(BackupServerCollector(cache.state, clock))
    return generate_latest(registry).decode()


def samples(text: str) -> dict[str, float]:
    """Each sample of an exposition text by name and labels, as Prometheus reads it."""
    read = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            read[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return read


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
    text = scrape(cache, now=1_700_000_102.0)
    read = samples(text)
    assert read["rampart_backup_server_up"] == 1
    assert read['rampart_backup_server_snapshots{host="hr-01"}'] == 3
    assert read['rampart_backup_server_snapshots{host="oa-01"}'] == 0
    assert read['rampart_backup_server_newest_snapshot_age_seconds{host="hr-01"}'] == 100
    assert read['rampart_backup_server_newest_snapshot_timestamp_seconds{host="hr-01"}'] == (
        1_700_000_002
    )
    assert 'rampart_backup_server_newest_snapshot_age_seconds{host="oa-01"}' not in read
    assert read['rampart_backup_server_locks{host="hr-01"}'] == 1
    assert read['rampart_backup_server_oldest_lock_age_seconds{host="hr-01"}'] == 100000102
    assert read['rampart_backup_server_oldest_lock_age_seconds{host="oa-01"}'] == 0
    assert read['rampart_backup_server_repository_size_bytes{host="hr-01"}'] == 5152
    assert "not-a-repository" not in text


def test_names_help_and_types_are_the_documented_ones(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    families = list(text_string_to_metric_families(scrape(cache)))
    assert {family.name: family.documentation for family in families} == FAMILIES
    assert {family.type for family in families} == {"gauge"}


def test_the_cache_age_grows_until_the_next_refresh(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    refreshed = cache.state().refreshed
    read = samples(scrape(cache, now=refreshed + 42.5))
    assert read["rampart_backup_server_cache_age_seconds"] == 42.5
    assert read["rampart_backup_server_refresh_duration_seconds"] >= 0
    never = Cache(tmp_path, "repo")  # before its first refresh: no facts, down
    assert samples(scrape(never))["rampart_backup_server_up"] == 0


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
    assert samples(body)['rampart_backup_server_snapshots{host="hr-01"}'] == 2


def test_a_failed_refresh_keeps_the_last_facts_and_says_down(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    cache.root = tmp_path / "gone"
    cache.refresh()
    read = samples(scrape(cache))
    assert read["rampart_backup_server_up"] == 0
    assert read['rampart_backup_server_snapshots{host="hr-01"}'] == 1


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_promtool_finds_nothing_to_criticise(tmp_path: Path) -> None:
    make_repository(tmp_path, "hr-01", 2, locks=1)
    cache = Cache(tmp_path, "repo")
    cache.refresh()
    checked = subprocess.run(
        ["promtool", "check", "metrics"],
        input=scrape(cache),
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
    assert samples(scrape(cache))['rampart_backup_server_snapshots{host="hr-01"}'] == 10_000
