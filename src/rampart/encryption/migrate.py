"""Existing plaintext into an encrypted folder (REG-4.2.2). fscrypt encrypts empty folders
only, so a data set's files are copied into an encrypted staging folder beside it, every
file's sha256 is checked against its original, the two folders are exchanged in one atomic
rename, and the plaintext is overwritten and removed.

An interruption at any point leaves the data complete and readable, and a second run
finishes: before the exchange the staging folder (encrypted) is only a partial copy and is
made again; after it the staging folder holds the plaintext (not encrypted) and is
destroyed."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from rampart.encryption import fscrypt
from rampart.errors import EncryptionError
from rampart.file_walk import sha256_of, walk_entries

RENAME_EXCHANGE = 2
AT_FDCWD = -100
CHUNK = 1 << 20


@dataclass(frozen=True)
class Migrated:
    """What a migration did."""

    files: int
    bytes: int


def staging_of(folder: Path) -> Path:
    """The encrypted staging folder beside `folder` (same filesystem, hidden)."""
    return folder.with_name(f".{folder.name}.rampart-encrypting")


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (renameat2 RENAME_EXCHANGE): no moment without either."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    result = libc.renameat2(
        AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE
    )
    if result != 0:
        error = ctypes.get_errno()
        raise EncryptionError(f"{first}: cannot exchange with {second}: {os.strerror(error)}")


def destroy(top: Path) -> None:
    """Overwrite every file below `top` with zeros, on disk, then remove the tree."""
    for path, status in walk_entries(top):
        if stat.S_ISREG(status.st_mode) and status.st_size:
            with path.open("r+b", buffering=0) as output:
                left = status.st_size
                while left:
                    left -= output.write(bytes(min(left, CHUNK)))
                os.fsync(output.fileno())
    shutil.rmtree(top)


def _copy(source: Path, target: Path) -> Migrated:
    """Copy the tree below `source` into the empty `target` (folders before what they hold):
    contents, owners, modes, times, links as links. Only files, folders and links are data;
    anything else is refused."""
    files = size = 0
    for path, status in walk_entries(source):
        copy = target / path.relative_to(source)
        if stat.S_ISDIR(status.st_mode):
            copy.mkdir(mode=0o700)
        elif stat.S_ISLNK(status.st_mode):
            copy.symlink_to(path.readlink())
        elif stat.S_ISREG(status.st_mode):
            shutil.copyfile(path, copy, follow_symlinks=False)
            files += 1
            size += status.st_size
        else:
            raise EncryptionError(f"{path}: not a file, folder or link; move it away first")
        os.chown(copy, status.st_uid, status.st_gid, follow_symlinks=False)
    for path, status in walk_entries(source):
        if not stat.S_ISLNK(status.st_mode):
            copy = target / path.relative_to(source)
            copy.chmod(stat.S_IMODE(status.st_mode))
            os.utime(copy, ns=(status.st_atime_ns, status.st_mtime_ns))
    return Migrated(files, size)


def _verify(source: Path, target: Path) -> None:
    """Every file below `source` is in `target` with the same sha256, and nothing else is."""
    originals = {path.relative_to(source): path for path, _ in walk_entries(source)}
    copies = {path.relative_to(target) for path, _ in walk_entries(target)}
    if set(originals) != copies:
        raise EncryptionError(f"{source}: the encrypted copy does not hold the same entries")
    for relative, path in originals.items():
        regular = path.is_file() and not path.is_symlink()
        if regular and sha256_of(path) != sha256_of(target / relative):
            raise EncryptionError(f"{path}: its encrypted copy differs (changed meanwhile?)")


def leftover(folder: Path, identifier: str) -> str | None:
    """What an interrupted migration left beside `folder`: "partial" (an encrypted copy not
    swapped in), "plaintext" (the original, swapped out, not yet destroyed), or None."""
    staging = staging_of(folder)
    if not staging.is_dir() or staging.is_symlink():
        return None
    return "partial" if fscrypt.key_of(staging) == identifier else "plaintext"


def finish(folder: Path, identifier: str) -> bool:
    """Clean up after an interrupted migration; True if there was something to do."""
    found = leftover(folder, identifier)
    if found is None:
        return False
    staging = staging_of(folder)
    if found == "plaintext":
        if fscrypt.key_of(folder) != identifier:
            raise EncryptionError(
                f"{staging}: left by an interrupted migration, but {folder} is not encrypted;"
                " look before removing either"
            )
        destroy(staging)
    else:
        shutil.rmtree(staging)
    return True


def migrate(folder: Path, identifier: str) -> Migrated:
    """Encrypt `folder` with the key `identifier` (already added), its contents kept."""
    finish(folder, identifier)
    staging = staging_of(folder)
    status = folder.lstat()
    staging.mkdir(mode=0o700)
    fscrypt.encrypt_folder(staging, identifier)
    migrated = _copy(folder, staging)
    _verify(folder, staging)
    os.chown(staging, status.st_uid, status.st_gid)
    staging.chmod(stat.S_IMODE(status.st_mode))
    os.sync()
    exchange(folder, staging)
    os.sync()
    destroy(staging)
    return migrated
