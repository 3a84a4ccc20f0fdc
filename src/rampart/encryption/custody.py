"""Who holds a data set's key (REG-4.2.2). The key is made on the host and kept only wrapped:
by clevis against the fleet's tang server (`<data set>.jwe`: unwrapped only while tang
answers, so only on the company network), and as a recovery copy in the controller's
vault (roles/encryption). Beside it, `<data set>.key-id` names the key (the kernel's
identifier, not secret) and `<data set>.escrowed` says the recovery copy is in the vault.

A key moves only through pipes: never on a command line, in a log or a file in clear."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from rampart.encryption import fscrypt
from rampart.encryption.config import EncryptionConfig, Folder
from rampart.errors import EncryptionError

CLEVIS_TIMEOUT = 30.0
"""Seconds one clevis call may take (tang answers in milliseconds; a dropped packet hangs)."""


def jwe_path(config: EncryptionConfig, folder: Folder) -> Path:
    """The data set's key wrapped by clevis against tang."""
    return config.keys_dir / f"{folder.data_set}.jwe"


def identifier_path(config: EncryptionConfig, folder: Folder) -> Path:
    """The identifier of the data set's key."""
    return config.keys_dir / f"{folder.data_set}.key-id"


def escrow_path(config: EncryptionConfig, folder: Folder) -> Path:
    """Present once the recovery copy is in the controller's vault (it holds the identifier)."""
    return config.keys_dir / f"{folder.data_set}.escrowed"


def identifier(config: EncryptionConfig, folder: Folder) -> str | None:
    """The identifier of the data set's key; None before it has one."""
    try:
        return identifier_path(config, folder).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def escrowed(config: EncryptionConfig, folder: Folder) -> bool:
    """Whether the recovery copy of the data set's current key is in the vault."""
    try:
        marker = escrow_path(config, folder).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return False
    return marker == identifier(config, folder)


def _clevis(arguments: list[str], given: bytes, what: str) -> bytes:
    try:
        done = subprocess.run(
            ["clevis", *arguments],
            input=given,
            capture_output=True,
            timeout=CLEVIS_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise EncryptionError(f"{what}: clevis is not installed") from None
    except subprocess.TimeoutExpired:
        raise EncryptionError(f"{what}: tang gave no answer in {CLEVIS_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[-1] if said else f"clevis exited {done.returncode}"
        raise EncryptionError(f"{what}: {reason}")
    return done.stdout


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as output:
        output.write(content)
        output.flush()
        os.fsync(output.fileno())
    temporary.replace(path)


def keep(config: EncryptionConfig, folder: Folder, key: bytes) -> str:
    """Add `key` to the volume and keep it wrapped by tang as the data set's key (unless it
    is already); return its identifier. A folder already encrypted takes only its own key;
    if tang does not answer, the key stays added (the data readable) and the error says so."""
    found = fscrypt.add_key(config.volume, key)
    current = fscrypt.key_of(folder.path) if folder.path.is_dir() else None
    if current is not None and current != found:
        fscrypt.remove_key(config.volume, found)
        raise EncryptionError(f"{folder.data_set}: that key is not the key of {folder.path}")
    if identifier(config, folder) == found and jwe_path(config, folder).is_file():
        return found
    pin = json.dumps({"url": config.tang_url, "thp": config.tang_thumbprint})
    what = f"{folder.data_set}: unlocked, but not bound to tang again"
    wrapped = _clevis(["encrypt", "tang", pin], key, what)
    _write_private(jwe_path(config, folder), wrapped)
    _write_private(identifier_path(config, folder), f"{found}\n".encode())
    return found


def new_key(config: EncryptionConfig, folder: Folder) -> str:
    """Make the data set's key and keep it (see `keep`); return its identifier. The key
    exists in clear only in this process and in the kernel. A folder encrypted with a key
    this host no longer holds is refused: a new key would not open it."""
    current = fscrypt.key_of(folder.path) if folder.path.is_dir() else None
    if current is not None:
        raise EncryptionError(
            f"{folder.data_set}: {folder.path} is encrypted with key {current}, of which this"
            " host holds no wrapped copy; unlock it with the escrowed recovery key"
            " (runbooks/key-loss.md)"
        )
    key = bytearray(os.urandom(fscrypt.KEY_BYTES))
    try:
        return keep(config, folder, bytes(key))
    finally:
        key[:] = bytes(len(key))


def unwrap(config: EncryptionConfig, folder: Folder) -> bytes:
    """The data set's key, from tang (which must answer)."""
    path = jwe_path(config, folder)
    try:
        wrapped = path.read_bytes()
    except OSError as error:
        raise EncryptionError(f"{path}: {error.strerror}") from None
    what = f"{folder.data_set}: unlocking with tang at {config.tang_url}"
    return _clevis(["decrypt"], wrapped, what)


def add(config: EncryptionConfig, folder: Folder, key: bytes) -> None:
    """Add `key` to the volume after checking it is the data set's key."""
    found = fscrypt.add_key(config.volume, key)
    expected = identifier(config, folder)
    if expected is not None and found != expected:
        fscrypt.remove_key(config.volume, found)
        raise EncryptionError(f"{folder.data_set}: that key is not this data set's key")


def unlocked(config: EncryptionConfig, folder: Folder) -> bool:
    """Whether the data set's key is on the volume now."""
    found = identifier(config, folder)
    if found is None:
        return False
    return fscrypt.key_status(config.volume, found) is fscrypt.KeyStatus.PRESENT


def unlock(config: EncryptionConfig, folder: Folder, wait: float) -> bool:
    """Add the data set's key from tang, trying again for `wait` seconds while tang does not
    answer; False if it was unlocked already."""
    if unlocked(config, folder):
        return False
    deadline = time.monotonic() + wait
    while True:
        try:
            key = unwrap(config, folder)
            break
        except EncryptionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(2)
    add(config, folder, key)
    return True


def lock(config: EncryptionConfig, folder: Folder) -> fscrypt.KeyStatus:
    """Remove the data set's key from the volume: its folder locks."""
    found = identifier(config, folder)
    if found is None:
        raise EncryptionError(f"{folder.data_set}: has no key yet")
    if fscrypt.key_status(config.volume, found) is fscrypt.KeyStatus.ABSENT:
        return fscrypt.KeyStatus.ABSENT
    return fscrypt.remove_key(config.volume, found)
