"""The one way Rampart walks a data set's folders and hashes its files: the backup's
manifest, the restore drill's verification, the antivirus' scan and quarantine, and the
storage's judgement of every entry."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def walk_files(roots: Iterable[str | Path]) -> Iterator[Path]:
    """Every regular file under the roots (a root may itself be a file), sorted, no symlinks."""
    for root in sorted(str(root) for root in roots):
        root_path = Path(root)
        if root_path.is_file() and not root_path.is_symlink():
            yield root_path
            continue
        for folder, folders, files in os.walk(root_path):
            folders.sort()
            for name in sorted(files):
                candidate = Path(folder) / name
                if candidate.is_file() and not candidate.is_symlink():
                    yield candidate


def walk_entries(top: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry below `top` (not `top`: folders, files, links) with its lstat, without
    following links or leaving top's filesystem."""
    device = top.lstat().st_dev
    for folder, folders, files in os.walk(top):
        for name in sorted(folders):
            path = Path(folder, name)
            info = path.lstat()
            if info.st_dev != device:
                folders.remove(name)
            yield path, info
        for name in sorted(files):
            path = Path(folder, name)
            yield path, path.lstat()
