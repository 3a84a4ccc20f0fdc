"""Each data set's folder judged against its plan, and put right (REG-4.1.1).

The folder itself: owner root, the data set's group, the planned mode. What is inside: in
the data set's group, and for data that is not public, nothing open to others. Putting it
right only takes access away or gives the data set's group; it never adds read bits. Folders
above it, below the volume, must let readers through (others' x). Symbolic links are judged
as links, never followed.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rampart.errors import ConfigError
from rampart.file_walk import walk_entries
from rampart.storage.config import Folder

PROBLEMS = ("missing", "owner", "group", "mode", "too_open", "foreign_group", "parent")
"""What can be wrong with a data set's folder, as the `problem` label of its metric."""
ROOT = 0
OTHERS = stat.S_IRWXO
PARENT_MODE = 0o755


@dataclass
class Finding:
    """One data set's folder: what is wrong (counted by kind), its size, and the changes
    that were (or, checking, would be) made."""

    folder: Folder
    problems: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROBLEMS, 0))
    bytes: int = 0
    files: int = 0
    changes: list[str] = field(default_factory=list)

    def note(self, problem: str, change: str) -> None:
        """Count a problem and the change that puts it right."""
        self.problems[problem] += 1
        self.changes.append(f"{self.folder.data_set}: {change}")


def group_id(name: str) -> int:
    """The group's id; a missing group is one line (the role creates them first)."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ConfigError(
            f"group {name} does not exist; roles/storage creates it (run playbooks/storage.yml)"
        ) from None


def _parents(volume: Path, path: Path) -> list[Path]:
    """The folders between the volume (excluded) and `path` (excluded), top down."""
    return [parent for parent in reversed(path.parents) if volume in parent.parents]


def examine(volume: Path, folder: Folder, fix: bool) -> Finding:
    """Judge one folder (and put it right when `fix`): what a check or apply reports."""
    finding = Finding(folder)
    gid = group_id(folder.group)
    for parent in _parents(volume, folder.path):
        if not parent.exists():
            finding.note("missing", f"create {parent} root:root {PARENT_MODE:04o}")
            if fix:
                parent.mkdir(mode=PARENT_MODE)
                os.chown(parent, ROOT, ROOT)
                parent.chmod(PARENT_MODE)
        elif not parent.stat().st_mode & stat.S_IXOTH:
            finding.note("parent", f"let readers through {parent} (o+x)")
            if fix:
                parent.chmod(stat.S_IMODE(parent.stat().st_mode) | stat.S_IXOTH)
    if not folder.path.is_dir() or folder.path.is_symlink():
        if folder.path.exists() or folder.path.is_symlink():
            raise ConfigError(f"{folder.path} ({folder.data_set}) is not a folder; move it away")
        finding.note("missing", f"create {folder.path}")
        if not fix:
            return finding
        folder.path.mkdir()
    info = folder.path.lstat()
    if info.st_uid != ROOT:
        finding.note("owner", f"{folder.path} owner {info.st_uid} -> root")
    if info.st_gid != gid:
        finding.note("group", f"{folder.path} group {info.st_gid} -> {folder.group}")
    if fix and (info.st_uid != ROOT or info.st_gid != gid):
        os.chown(folder.path, ROOT, gid)
    if stat.S_IMODE(folder.path.lstat().st_mode) != folder.mode:
        finding.note(
            "mode", f"{folder.path} mode {stat.S_IMODE(info.st_mode):04o} -> {folder.mode:04o}"
        )
        if fix:
            folder.path.chmod(folder.mode)
    for path, entry in walk_entries(folder.path):
        if stat.S_ISREG(entry.st_mode):
            finding.files += 1
            finding.bytes += entry.st_blocks * 512
        link = stat.S_ISLNK(entry.st_mode)
        if entry.st_gid != gid:
            finding.note("foreign_group", f"{path} group {entry.st_gid} -> {folder.group}")
            if fix:
                os.chown(path, -1, gid, follow_symlinks=False)
        if not folder.public and not link and entry.st_mode & OTHERS:
            mode = stat.S_IMODE(entry.st_mode)
            finding.note("too_open", f"{path} mode {mode:04o} -> {mode & ~OTHERS:04o}")
            if fix:
                path.chmod(mode & ~OTHERS)
    return finding
