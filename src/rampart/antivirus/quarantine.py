"""The quarantine: an infected file moved into a root-only folder beside a manifest of what
it was, and put back when it proves a false positive (REG-4.2.4).

Each entry is `<quarantine>/<id>/` holding `manifest.json` (sha256, original path, owner,
group, mode, modification time, size, signature, data set, when) and `file`, the file's
bytes with no permissions for anyone but root. The manifest is on disk before the file
moves, so an interrupted quarantine leaves the file either where it was (the next scan
finds it again) or in quarantine with its manifest; a move that fails removes its folder.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rampart.errors import ConfigError
from rampart.file_walk import sha256_of
from rampart.textfile import write_atomically
from rampart.user_input import describe_os_error, json_field, read_json

MANIFEST = "manifest.json"
HELD = "file"
RELEASED = "released"
"""The manifests of released files, with who released them and when."""


@dataclass(frozen=True)
class Entry:
    """One quarantined file: what it was and why it was taken away."""

    id: str
    path: str
    data_set: str
    signature: str
    sha256: str
    size: int
    owner: str
    group: str
    mode: str
    modified: str
    quarantined: str


TEXT_FIELDS = tuple(name for name in Entry.__dataclass_fields__ if name != "size")


def _name(lookup: Any, number: int) -> str:
    try:
        return str(lookup(number)[0])
    except KeyError:
        return str(number)


def quarantine(folder: Path, path: Path, signature: str, data_set: str) -> Entry:
    """Move `path` into the quarantine with its manifest; returns the entry."""
    status = path.lstat()
    digest = sha256_of(path)
    now = datetime.now(UTC)
    entry = Entry(
        id=f"{now:%Y%m%dT%H%M%S%fZ}-{digest[:12]}",
        path=str(path),
        data_set=data_set,
        signature=signature,
        sha256=digest,
        size=status.st_size,
        owner=_name(pwd.getpwuid, status.st_uid),
        group=_name(grp.getgrgid, status.st_gid),
        mode=f"{status.st_mode & 0o7777:04o}",
        modified=datetime.fromtimestamp(status.st_mtime, UTC).isoformat(),
        quarantined=now.isoformat(),
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    place = folder / entry.id
    place.mkdir(mode=0o700)
    write_atomically(place / MANIFEST, json.dumps(asdict(entry), indent=2) + "\n", mode=0o600)
    held = place / HELD
    try:
        shutil.move(str(path), held)
    except OSError:
        if not held.exists():
            shutil.rmtree(place, ignore_errors=True)  # the file stays where it was
        raise
    os.chown(held, 0, 0, follow_symlinks=False)
    held.chmod(0o400)
    return entry


def entries(folder: Path) -> list[Entry]:
    """The files held, oldest first. A folder without its file yet (a quarantine under way,
    or one cut short) is not an entry; listing changes nothing."""
    places = sorted(folder.iterdir()) if folder.is_dir() else []
    return [
        _entry(place) for place in places if place.name != RELEASED and (place / HELD).is_file()
    ]


def _entry(place: Path) -> Entry:
    raw = read_json(place / MANIFEST, "quarantine manifest")
    where = str(place / MANIFEST)
    texts = {name: json_field(raw, name, str, where) for name in TEXT_FIELDS}
    return Entry(**texts, size=json_field(raw, "size", int, where))


def release(folder: Path, entry_id: str, released_by: str) -> Entry:
    """Put a quarantined file back where it was, with its owner, group, mode and time.

    Refused (nothing moves) when the entry is unknown or a file is now at that path. The
    entry's manifest stays in `released/` with who released it and when."""
    place = folder / entry_id
    if "/" in entry_id or not (place / HELD).is_file():
        raise ConfigError(
            f"{entry_id}: no such quarantined file in {folder} (`rampart antivirus quarantine`"
            " lists them)"
        )
    entry = _entry(place)
    target = Path(entry.path)
    if target.exists() or target.is_symlink():
        raise ConfigError(f"{target}: a file is there now; move it away to release {entry_id}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(place / HELD), target)
        uid = _id(pwd.getpwnam, entry.owner)
        gid = _id(grp.getgrnam, entry.group)
        os.chown(target, uid, gid, follow_symlinks=False)
        target.chmod(int(entry.mode, 8))
        modified = datetime.fromisoformat(entry.modified).timestamp()
        os.utime(target, (modified, modified), follow_symlinks=False)
    except OSError as error:
        raise ConfigError(
            f"{target}: cannot put the file back: {describe_os_error(error)}"
        ) from None
    record = {
        **asdict(entry),
        "released": datetime.now(UTC).isoformat(),
        "released_by": released_by,
    }
    released = folder / RELEASED
    released.mkdir(mode=0o700, exist_ok=True)
    write_atomically(released / f"{entry_id}.json", json.dumps(record, indent=2) + "\n", mode=0o600)
    shutil.rmtree(place)
    return entry


def _id(lookup: Any, name: str) -> int:
    try:
        return int(lookup(name)[2])
    except KeyError:
        return int(name) if name.isdigit() else 0
