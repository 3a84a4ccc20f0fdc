"""The manifest: what a drill checks restored files against, on real files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from rampart.backup.manifest import Manifest, describe_files, fingerprint, verify_tree
from rampart.errors import BackupError


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small tree of files, one in a sub-folder, one empty, one binary."""
    root = tmp_path / "source" / "srv" / "data"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 100)
    (root / "empty").write_bytes(b"")
    return root


def restore_of(source: Path, tmp_path: Path) -> Path:
    """A copy laid out as `restic restore --target` lays out absolute paths."""
    target = tmp_path / "restored"
    shutil.copytree(source, target / str(source).lstrip("/"))
    return target


def manifest_of(source: Path) -> Manifest:
    files, _ = describe_files([source])
    return Manifest("hr-01", "sensitive", "2026-11-29T00:00:00+00:00", files)


def test_every_file_is_listed_with_size_and_sha256(source: Path) -> None:
    files, prints = describe_files([source])
    entries = {Path(entry.path).name: entry for entry in files}
    assert set(entries) == {"a.txt", "b.bin", "empty"}
    assert entries["b.bin"].size == 25600
    assert entries["a.txt"].sha256 == hashlib.sha256(b"alpha\n").hexdigest()
    assert prints == fingerprint([source])  # the same files, not one read twice


def test_an_identical_restore_verifies(source: Path, tmp_path: Path) -> None:
    manifest = manifest_of(source)
    result = verify_tree(manifest, restore_of(source, tmp_path))
    assert result.mismatches == []
    assert (result.files_verified, result.bytes_verified) == (3, 6 + 25600)


def test_one_changed_byte_is_a_mismatch(source: Path, tmp_path: Path) -> None:
    manifest = manifest_of(source)
    restored = restore_of(source, tmp_path)
    changed = restored / str(source / "sub" / "b.bin").lstrip("/")
    data = bytearray(changed.read_bytes())
    data[1000] ^= 1
    changed.write_bytes(bytes(data))
    result = verify_tree(manifest, restored)
    assert result.mismatches == [f"sha256 differs: {source}/sub/b.bin"]
    assert result.files_verified == 2


def test_missing_extra_and_resized_files_are_mismatches(source: Path, tmp_path: Path) -> None:
    manifest = manifest_of(source)
    restored = restore_of(source, tmp_path)
    (restored / str(source / "empty").lstrip("/")).unlink()
    (restored / str(source / "a.txt").lstrip("/")).write_text("alpha and more\n")
    (restored / str(source / "intruder").lstrip("/")).write_text("?")
    assert sorted(verify_tree(manifest, restored).mismatches) == sorted(
        [
            f"missing: {source}/empty",
            f"size differs: {source}/a.txt (15 != 6)",
            f"not in manifest: {source}/intruder",
        ]
    )


def test_manifest_round_trips_and_rejects_garbage(source: Path) -> None:
    manifest = manifest_of(source)
    again = Manifest.from_json(manifest.to_json(), "m.json")
    assert again.files == manifest.files
    with pytest.raises(BackupError, match=r"m\.json: unreadable manifest") as raised:
        Manifest.from_json('{"version": 99}', "m.json")
    assert raised.value.reason == "manifest_unreadable"
