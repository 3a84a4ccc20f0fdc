"""The restore's pure parts: its arguments, which snapshot, the names of what it keeps, the
swap of real trees on disk (nothing lost, metadata kept, each path whole or untouched),
signals held off during a swap, the database owner read from a dump's listing."""

from __future__ import annotations

import json
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rampart.backup import swap
from rampart.backup.config import BackupConfig, parse_config
from rampart.backup.postgres import owner_in_listing
from rampart.backup.recovery import choose_snapshot
from rampart.backup.restic import Snapshot
from rampart.backup.restore import check_arguments, swap_paths
from rampart.backup.scratch import prepare_scratch
from rampart.errors import BackupError
from rampart.interrupts import raised_on_signals, signals_deferred
from rampart.journal import Journal

STAMP = "20261129T120000Z"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class StoppedError(Exception):
    """What the signal handler raises in these tests."""


def journal_in(folder: Path) -> Journal:
    return Journal(folder / "journal" / "restore.jsonl", run="run", host="hr-01")


def config_of(tmp_path: Path) -> BackupConfig:
    raw = {
        "host": "hr-01",
        "repository": "sftp:rampart-backup:/repo",
        "password_file": "/etc/rampart/backup/repository.password",
        "state_dir": str(tmp_path / "state"),
        "scratch_dir": str(tmp_path / "scratch"),
        "textfile_dir": str(tmp_path / "textfiles"),
        "journal": str(tmp_path / "drill.jsonl"),
        "retention": {},
        "data_sets": [
            {"name": "hr-documents", "class": "sensitive", "paths": ["/srv/hr/documents"]},
            {"name": "portal", "class": "public", "paths": ["/srv/portal/www"]},
        ],
    }
    return parse_config(raw, "test")


def test_every_class_by_default_one_on_request(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    assert check_arguments(config, None, None) == ["public", "sensitive"]
    assert check_arguments(config, "sensitive", "abcd1234") == ["sensitive"]
    assert config.restore_journal == tmp_path / "restore.jsonl"


@pytest.mark.parametrize(
    ("data_class", "snapshot_id", "message"),
    [(None, "abcd1234", "--snapshot needs --data-class"), ("secret", None, "no data class")],
)
def test_bad_arguments_are_one_clear_error(
    tmp_path: Path, data_class: str | None, snapshot_id: str | None, message: str
) -> None:
    with pytest.raises(BackupError, match=message) as raised:
        check_arguments(config_of(tmp_path), data_class, snapshot_id)
    assert raised.value.reason == "usage"


def snapshot(name: str, hours_ago: int) -> Snapshot:
    return Snapshot(name, NOW - timedelta(hours=hours_ago), "hr-01", ("/srv",), ("rampart",))


def test_the_latest_snapshot_or_the_one_named_by_its_start() -> None:
    snapshots = [snapshot("aa11", 30), snapshot("ab22", 20), snapshot("cc33", 1)]
    assert choose_snapshot(snapshots, "sensitive").id == "cc33"
    assert choose_snapshot(snapshots, "sensitive", wanted="ab").id == "ab22"
    with pytest.raises(BackupError, match="ambiguous"):
        choose_snapshot(snapshots, "sensitive", wanted="a")
    with pytest.raises(BackupError, match="no snapshot dd of data class sensitive") as raised:
        choose_snapshot(snapshots, "sensitive", wanted="dd")
    assert raised.value.reason == "no_snapshot"
    with pytest.raises(BackupError, match="no snapshot of data class public"):
        choose_snapshot([], "public")


def test_kept_names_carry_the_utc_stamp() -> None:
    assert swap.restore_stamp(NOW) == STAMP
    assert swap.kept_path(Path("/srv/hr/documents"), STAMP) == Path(
        "/srv/hr/documents.before-restore-20261129T120000Z"
    )
    assert swap.kept_database("hr", STAMP) == "hr_before_restore_20261129t120000z"
    long_name = swap.kept_database("d" * 63, STAMP)
    assert len(long_name) == 63
    assert long_name.endswith("_before_restore_20261129t120000z")


def tree(root: Path, files: dict[str, str], mtime: int) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        os.utime(root / name, (mtime, mtime))
    return root


def snapshot_of(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under a folder: text, mode and mtime."""
    return {
        str(path.relative_to(folder)): (
            path.read_text(),
            path.stat().st_mode & 0o7777,
            int(path.stat().st_mtime),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def live_and_restored(tmp_path: Path) -> tuple[Path, Path]:
    live = tree(tmp_path / "srv" / "documents", {"a.txt": "damaged", "new.txt": "later"}, 2000)
    restored = tree(
        tmp_path / "scratch" / "srv" / "documents", {"a.txt": "original", "b/c.txt": "c"}, 1000
    )
    (restored / "b" / "c.txt").chmod(0o640)
    return live, restored


def test_live_content_is_kept_and_the_restored_tree_put_in_place(
    live_and_restored: tuple[Path, Path],
) -> None:
    live, restored = live_and_restored
    expected, before = snapshot_of(restored), snapshot_of(live)
    journal = journal_in(live.parent.parent)
    kept = swap_paths({live: restored}, STAMP, journal)
    assert snapshot_of(live) == expected
    assert snapshot_of(live)["b/c.txt"] == ("c", 0o640, 1000)
    assert kept == [str(swap.kept_path(live, STAMP))]
    assert snapshot_of(swap.kept_path(live, STAMP)) == before
    assert not restored.exists()
    assert sorted(path.name for path in live.parent.iterdir()) == [
        "documents",
        "documents.before-restore-20261129T120000Z",
    ]
    [event] = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert (event["event"], event["path"], event["kept"]) == ("path_swapped", str(live), kept[0])


def test_a_missing_live_path_is_just_created(tmp_path: Path) -> None:
    restored = tree(tmp_path / "scratch", {"report.txt": "report"}, 1000) / "report.txt"
    live = tmp_path / "gone" / "folder" / "report.txt"
    assert swap_paths({live: restored}, STAMP, journal_in(tmp_path)) == []
    assert live.read_text() == "report"


def test_across_filesystems_the_tree_is_copied_with_its_metadata(
    live_and_restored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, restored = live_and_restored
    expected = snapshot_of(restored)
    monkeypatch.setattr(swap, "same_filesystem", lambda _path, _folder: False)
    swap_paths({live: restored}, STAMP, journal_in(live.parent.parent))
    assert snapshot_of(live) == expected
    assert not swap.incoming_path(live, STAMP).exists()


def test_an_interrupted_copy_leaves_no_partial_tree(
    live_and_restored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, restored = live_and_restored
    before = snapshot_of(live)

    def interrupted_copy(argv: list[str]) -> None:
        Path(argv[-1]).mkdir()  # cp had begun
        raise StoppedError("SIGTERM")

    monkeypatch.setattr(swap, "same_filesystem", lambda _path, _folder: False)
    monkeypatch.setattr(swap, "run", interrupted_copy)
    with pytest.raises(StoppedError):
        swap_paths({live: restored}, STAMP, journal_in(live.parent.parent))
    assert snapshot_of(live) == before
    assert sorted(path.name for path in live.parent.iterdir()) == ["documents"]


def test_a_failed_swap_leaves_the_live_path_as_it_was(
    live_and_restored: tuple[Path, Path],
) -> None:
    live, restored = live_and_restored
    before = snapshot_of(live)
    incoming = swap.bring_beside(restored, live, STAMP)
    os.rename(incoming, incoming.with_name("elsewhere"))  # the second rename will fail
    with pytest.raises(FileNotFoundError):
        swap.swap_in(incoming, live, STAMP)
    assert snapshot_of(live) == before
    assert not swap.kept_path(live, STAMP).exists()


def test_nothing_is_touched_when_a_later_path_cannot_be_brought_beside(
    live_and_restored: tuple[Path, Path], tmp_path: Path
) -> None:
    live, restored = live_and_restored
    before = snapshot_of(live)
    second = tmp_path / "srv" / "mail"
    swap.kept_path(second, STAMP).mkdir(parents=True)  # an earlier restore's kept copy
    with pytest.raises(BackupError, match="in the way"):
        swap_paths({live: restored, second: restored.parent}, STAMP, journal_in(tmp_path))
    assert snapshot_of(live) == before
    assert not swap.incoming_path(live, STAMP).exists()


def test_a_signal_during_a_swap_arrives_after_it() -> None:
    def stopped(name: str) -> StoppedError:
        return StoppedError(name)

    steps = []
    with pytest.raises(StoppedError, match="SIGTERM"), raised_on_signals(stopped):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("first rename")
            steps.append("second rename")
        steps.append("after the swap")
    assert steps == ["first rename", "second rename"]


def test_the_database_owner_comes_from_the_dumps_listing() -> None:
    listing = (
        ";\n; Archive created at 2026-11-29 12:00:00 UTC\n;     dbname: hr\n"
        "3390; 1262 16384 DATABASE - hr hr_owner\n"
        "216; 1259 16385 TABLE public employees hr_owner\n"
    )
    assert owner_in_listing(listing) == "hr_owner"
    assert owner_in_listing("216; 1259 16385 TABLE public employees postgres\n") is None


def test_the_scratch_folders_let_postgres_through_under_a_hardened_umask(tmp_path: Path) -> None:
    # A hardened host's root logins have umask 027 (pam_umask, roles/hardening): the
    # folders PostgreSQL's account passes through to its dump copy must stay 0711.
    previous = os.umask(0o027)
    try:
        scratch = prepare_scratch(config_of(tmp_path), "run-1", "sensitive")
    finally:
        os.umask(previous)
    for folder in (scratch.parent.parent, scratch.parent, scratch):
        assert folder.stat().st_mode & 0o777 == 0o711, folder
    assert (scratch / "restore").stat().st_mode & 0o777 == 0o700
