"""`rampart encryption keys` and `apply`: each data set's key made and bound to tang, then,
once its recovery copy is escrowed, the key on the volume and the folder encrypted (live data
migrated). A folder whose key is not escrowed is left as it is, with a warning: a key with
one copy is a key that can be lost."""

from __future__ import annotations

from dataclasses import dataclass

from rampart.encryption import custody, fscrypt, migrate, tablespace
from rampart.encryption.config import EncryptionConfig, Folder


@dataclass(frozen=True)
class Outcome:
    """What a run changed (or, checking, would change), and what it could not."""

    changes: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class KeyState:
    """A data set's key as the role needs to know it to escrow it."""

    data_set: str
    identifier: str
    new: bool
    escrowed: bool


def ensure_keys(config: EncryptionConfig, check: bool) -> tuple[KeyState, ...]:
    """Every folder's data set has a key bound to tang (made now where missing)."""
    states = []
    for folder in config.folders:
        found = custody.identifier(config, folder)
        new = found is None or not custody.jwe_path(config, folder).is_file()
        if new and not check:
            found = custody.new_key(config, folder)
        kept = not new and custody.escrowed(config, folder)
        states.append(KeyState(folder.data_set, found or "", new, kept))
    return tuple(states)


def _make_parents(folder: Folder) -> None:
    """The folders above a new encrypted folder, root's and open to pass through (0755)
    whatever the umask: PostgreSQL's account walks through them to its tablespace."""
    missing = [parent for parent in folder.path.parents if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir()
        parent.chmod(0o755)


def _encrypt(config: EncryptionConfig, folder: Folder, check: bool) -> list[str]:
    identifier = custody.identifier(config, folder)
    assert identifier is not None
    changes = []
    if not custody.unlocked(config, folder):
        changes.append(f"{folder.data_set}: unlock {folder.path} with tang")
        if not check:
            custody.unlock(config, folder, wait=0)
    left = migrate.leftover(folder.path, identifier) if folder.path.is_dir() else None
    current = fscrypt.key_of(folder.path) if folder.path.is_dir() else None
    if current != identifier:
        if not folder.path.is_dir():
            changes.append(f"{folder.data_set}: create {folder.path} encrypted")
            if not check:
                _make_parents(folder)
                folder.path.mkdir(mode=0o700)
                fscrypt.encrypt_folder(folder.path, identifier)
        else:
            changes.append(f"{folder.data_set}: encrypt {folder.path} (copy, verify, swap)")
            if not check:
                done = migrate.migrate(folder.path, identifier)
                changes[-1] += f": {done.files} files, {done.bytes} bytes"
    elif left is not None:
        changes.append(f"{folder.data_set}: finish the interrupted migration ({left} copy)")
        if not check:
            migrate.finish(folder.path, identifier)
    if folder.database is not None and not (
        folder.path.is_dir() and tablespace.moved(folder.path, folder.database)
    ):
        changes.append(
            f"{folder.data_set}: move database {folder.database} into its encrypted tablespace"
        )
        if not check:
            tables = tablespace.move(folder.path, folder.data_set, folder.database)
            changes[-1] += f" ({tables} tables, row counts checked)"
    return changes


def apply(config: EncryptionConfig, check: bool) -> Outcome:
    """Encrypt every folder whose key is escrowed; say what is left and why."""
    changes: list[str] = []
    warnings: list[str] = []
    for folder in config.folders:
        if custody.identifier(config, folder) is None:
            warnings.append(f"{folder.data_set}: has no key yet; left as it is")
        elif not custody.escrowed(config, folder):
            warnings.append(
                f"{folder.data_set}: its recovery key is not escrowed; {folder.path} left as it is"
            )
        else:
            changes += _encrypt(config, folder, check)
    warnings += [f"{what}: not encrypted at rest by Rampart" for what in config.unencrypted]
    return Outcome(tuple(changes), tuple(warnings))
