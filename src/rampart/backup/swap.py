"""Put a restored tree in place of a live path, keeping what the live path held.

The restored tree is first brought beside the live path, as `<path>.restoring-<stamp>`
(a rename when it is on the same filesystem, else a `cp -a` copy, which keeps owner, mode
and times as restic restored them). The swap is then two renames in the live path's own
folder, so each is atomic: the live content becomes `<path>.before-restore-<stamp>`, the
restored tree becomes `<path>`. Nothing is deleted; undoing is renaming back.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from rampart.commands import run
from rampart.errors import BackupError

KEPT_PATH_MARK = ".before-restore-"
KEPT_DATABASE_MARK = "_before_restore_"
INCOMING_MARK = ".restoring-"
MAX_DATABASE_NAME = 63  # PostgreSQL's NAMEDATALEN - 1: longer names are cut silently


def restore_stamp(now: datetime) -> str:
    """The UTC time of a restore as it appears in the names of what it keeps."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def kept_path(live: Path, stamp: str) -> Path:
    """Where the live content of a path is kept: `<path>.before-restore-<stamp>`."""
    return live.with_name(f"{live.name}{KEPT_PATH_MARK}{stamp}")


def incoming_path(live: Path, stamp: str) -> Path:
    """Where a restored tree waits beside its live path until the swap."""
    return live.with_name(f"{live.name}{INCOMING_MARK}{stamp}")


def kept_database(live: str, stamp: str) -> str:
    """The name the live database is kept under: `<db>_before_restore_<stamp>`, lower case
    (no quoting needed in psql) and cut at the front so the stamp is never lost."""
    suffix = f"{KEPT_DATABASE_MARK}{stamp.lower()}"
    return live[: MAX_DATABASE_NAME - len(suffix)] + suffix


def same_filesystem(path: Path, folder: Path) -> bool:
    """Whether `path` can be renamed into `folder`."""
    return path.lstat().st_dev == folder.stat().st_dev


def remove(path: Path) -> None:
    """Remove a file or a tree if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def bring_beside(restored: Path, live: Path, stamp: str) -> Path:
    """Move (across filesystems: copy) a restored tree beside its live path; live is untouched."""
    incoming = incoming_path(live, stamp)
    for taken in (incoming, kept_path(live, stamp)):
        if os.path.lexists(taken):
            raise BackupError(f"{taken} is in the way of the restore", reason="path_in_the_way")
    live.parent.mkdir(parents=True, exist_ok=True)
    if same_filesystem(restored, live.parent):
        restored.rename(incoming)
    else:
        try:
            run(["cp", "-a", "--", str(restored), str(incoming)])
        except BaseException:
            remove(incoming)  # a partial copy, interrupted or failed
            raise
    return incoming


def swap_in(incoming: Path, live: Path, stamp: str) -> Path | None:
    """Rename the live path aside and the incoming tree into its place.

    Returns where the live content is kept (None when the path did not exist). If the
    second rename fails, the first is undone: the live path is as it was.
    """
    kept: Path | None = kept_path(live, stamp) if os.path.lexists(live) else None
    if kept is not None:
        live.rename(kept)
    try:
        incoming.rename(live)
    except BaseException:
        if kept is not None:
            kept.rename(live)
        raise
    return kept
