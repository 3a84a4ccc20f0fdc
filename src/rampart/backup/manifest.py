"""The manifest: path, size and sha256 of every backed-up file, taken at backup time.

It is written into the state folder just before `restic backup` and included in the same
snapshot, so a drill checks what restores against the source as it was, not against the
repository's own idea of it (which is all `restic restore --verify` can do).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rampart.errors import BackupError
from rampart.file_walk import sha256_of, walk_files

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    """One regular file: its absolute path at backup time, size and sha256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DatabaseEntry:
    """A database dump in the snapshot and the row count of each table in it."""

    data_set: str
    name: str
    dump: str
    tables: dict[str, int]
    checks: tuple[str, ...] = ()


@dataclass
class Manifest:
    """Everything a drill needs to judge a restore of one snapshot."""

    host: str
    data_class: str
    created: str
    files: list[FileEntry] = field(default_factory=list)
    databases: list[DatabaseEntry] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The size of all files listed."""
        return sum(entry.size for entry in self.files)

    def to_json(self) -> str:
        """The manifest as one JSON document."""
        document: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "host": self.host,
            "data_class": self.data_class,
            "created": self.created,
            "files": [[entry.path, entry.size, entry.sha256] for entry in self.files],
            "databases": [
                {
                    "data_set": database.data_set,
                    "name": database.name,
                    "dump": database.dump,
                    "tables": database.tables,
                    "checks": list(database.checks),
                }
                for database in self.databases
            ],
        }
        return json.dumps(document, indent=0, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Read a manifest; anything unreadable is a failed drill, not a traceback."""
        try:
            document = json.loads(text)
            if document.get("version") != MANIFEST_VERSION:
                raise ValueError(f"unknown manifest version {document.get('version')!r}")
            return cls(
                host=str(document["host"]),
                data_class=str(document["data_class"]),
                created=str(document["created"]),
                files=[FileEntry(str(p), int(s), str(h)) for p, s, h in document["files"]],
                databases=[
                    DatabaseEntry(
                        data_set=str(entry["data_set"]),
                        name=str(entry["name"]),
                        dump=str(entry["dump"]),
                        tables={str(k): int(v) for k, v in entry["tables"].items()},
                        checks=tuple(entry.get("checks") or ()),
                    )
                    for entry in document["databases"]
                ],
            )
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(
                f"{where}: unreadable manifest: {error}", reason="manifest_unreadable"
            ) from None


Fingerprint = dict[str, tuple[int, int, int]]


def _print_of(status: os.stat_result) -> tuple[int, int, int]:
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def fingerprint(roots: Iterable[str | Path]) -> Fingerprint:
    """Size, mtime (ns) and inode of every regular file under the roots, without reading it:
    taken after restic has read the files, to compare with `describe_files`' own."""
    prints: Fingerprint = {}
    for path in walk_files(roots):
        try:
            prints[str(path)] = _print_of(path.stat())
        except FileNotFoundError:
            continue  # removed since the walk listed it; the two fingerprints then differ
    return prints


def changed_files(before: Fingerprint, after: Fingerprint) -> list[str]:
    """The files added, removed or written between two fingerprints, sorted."""
    return sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )


def describe_files(roots: Sequence[str | Path]) -> tuple[list[FileEntry], Fingerprint]:
    """A manifest entry for every regular file under the roots, and their fingerprint, each
    file's taken just before it is hashed (one walk): a file written from then until restic
    has read it shows in the fingerprint taken after."""
    entries, prints = [], {}
    for path in walk_files(roots):
        status = path.stat()
        prints[str(path)] = _print_of(status)
        entries.append(FileEntry(str(path), status.st_size, sha256_of(path)))
    return entries, prints


@dataclass
class Verification:
    """The result of checking a restored tree against a manifest."""

    files_verified: int = 0
    bytes_verified: int = 0
    mismatches: list[str] = field(default_factory=list)


def verify_tree(
    manifest: Manifest, restored_root: Path, ignore: Iterable[str] = ()
) -> Verification:
    """Check every manifest file under `restored_root` (count, size, sha256), and extras.

    Every problem is one line in `mismatches`: a missing file, a size or hash that differs,
    or a restored file that the manifest does not list (paths in `ignore` excepted).
    """
    result = Verification()
    expected = {entry.path: entry for entry in manifest.files}
    for entry in manifest.files:
        restored = restored_root / entry.path.lstrip("/")
        if not restored.is_file():
            result.mismatches.append(f"missing: {entry.path}")
            continue
        size = restored.stat().st_size
        if size != entry.size:
            result.mismatches.append(f"size differs: {entry.path} ({size} != {entry.size})")
            continue
        if sha256_of(restored) != entry.sha256:
            result.mismatches.append(f"sha256 differs: {entry.path}")
            continue
        result.files_verified += 1
        result.bytes_verified += size
    skipped = set(ignore)
    for path in walk_files([restored_root]):
        original = "/" + str(path.relative_to(restored_root))
        if original not in expected and original not in skipped:
            result.mismatches.append(f"not in manifest: {original}")
    return result
