"""fscrypt v2 through the kernel's own interface (linux/fscrypt.h), no tool in between: add
a raw key to a filesystem, put an empty folder under a policy of that key, ask whether a
folder is encrypted and with which key, whether the key is present, and remove it (which
locks every folder of that key until it is added again).

Rampart generates one 64-byte key per host and data set on the host itself; how the key is
kept (clevis against tang, the escrowed recovery copy) is not this module's business. The
key travels only in memory: never on a command line, in a log or a file here.

v2 policies need Linux 5.4 or newer and an ext4 filesystem made with `-O encrypt` (the
lab's data volumes are). Every failure is an EncryptionError of one line naming the path.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from enum import Enum
from pathlib import Path

from rampart.errors import EncryptionError

KEY_BYTES = 64
"""AES-256-XTS for contents takes a 512-bit key."""
# ioctl numbers of linux/fscrypt.h (_IOWR('f', 23, ...) and friends, on x86-64 and arm64).
FS_IOC_SET_ENCRYPTION_POLICY = 0x800C6613
FS_IOC_GET_ENCRYPTION_POLICY_EX = 0xC0096616
FS_IOC_ADD_ENCRYPTION_KEY = 0xC0506617
FS_IOC_REMOVE_ENCRYPTION_KEY = 0xC0406618
FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS = 0xC0406619
FS_IOC_GET_ENCRYPTION_KEY_STATUS = 0xC080661A
KEY_SPEC_TYPE_IDENTIFIER = 2
POLICY_V2 = 2
MODE_AES_256_XTS = 1
MODE_AES_256_CTS = 4
PAD_32 = 0x03
"""Filenames padded to 32 bytes: their lengths say as little as fscrypt allows."""
IDENTIFIER_BYTES = 16
_SPECIFIER = struct.Struct("II32s")
_ADD_KEY = struct.Struct("II32sII32s")
_POLICY_V2 = struct.Struct("BBBB4s16s")
_POLICY_EX_HEADER = struct.Struct("Q")


class KeyStatus(Enum):
    """Whether a filesystem holds a key (FSCRYPT_KEY_STATUS_*)."""

    ABSENT = 1
    PRESENT = 2
    INCOMPLETELY_REMOVED = 3
    """Removed, but files of it are still open: they stay readable until closed."""


class _AbsentError(Exception):
    """The ioctl said what it asks about is not there (an errno the caller expects)."""


def _ioctl(path: Path, request: int, argument: bytearray, absent: int | None = None) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        raise EncryptionError(f"{path}: {error.strerror}") from None
    try:
        fcntl.ioctl(descriptor, request, argument)
    except OSError as error:
        if absent is not None and error.errno == absent:
            raise _AbsentError from None
        raise EncryptionError(_why(path, error)) from None
    finally:
        os.close(descriptor)


def _why(path: Path, error: OSError) -> str:
    """The one line for a failed ioctl on `path`."""
    reasons = {
        errno.EOPNOTSUPP: "its filesystem does not support encryption (ext4 needs -O encrypt)",
        errno.ENOTTY: "its filesystem does not support encryption (ext4 needs -O encrypt)",
        errno.ENOTEMPTY: "it is not empty: fscrypt encrypts empty folders only",
        errno.EEXIST: "it is already encrypted with another key",
        errno.ENOKEY: "the key is not on its filesystem (add it first)",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }
    return f"{path}: {reasons.get(error.errno or 0, error.strerror)}"


def add_key(mount_point: Path, key: bytes) -> str:
    """Add `key` to the filesystem mounted at `mount_point`; return its identifier (hex).
    Adding a key already there is harmless."""
    if len(key) != KEY_BYTES:
        raise EncryptionError(f"an fscrypt key is {KEY_BYTES} bytes, not {len(key)}")
    argument = bytearray(_ADD_KEY.pack(KEY_SPEC_TYPE_IDENTIFIER, 0, b"", len(key), 0, b"") + key)
    try:
        _ioctl(mount_point, FS_IOC_ADD_ENCRYPTION_KEY, argument)
        offset = struct.calcsize("II")
        return bytes(argument[offset : offset + IDENTIFIER_BYTES]).hex()
    finally:
        argument[_ADD_KEY.size :] = bytes(len(key))


def encrypt_folder(folder: Path, identifier: str) -> None:
    """Put the empty `folder` under a v2 policy of the key `identifier` (already added)."""
    policy = _POLICY_V2.pack(
        POLICY_V2, MODE_AES_256_XTS, MODE_AES_256_CTS, PAD_32, b"", bytes.fromhex(identifier)
    )
    _ioctl(folder, FS_IOC_SET_ENCRYPTION_POLICY, bytearray(policy))


def key_of(folder: Path) -> str | None:
    """The identifier of the key `folder` is encrypted with, or None if it is not encrypted."""
    argument = bytearray(_POLICY_EX_HEADER.pack(_POLICY_V2.size) + bytes(_POLICY_V2.size))
    try:
        _ioctl(folder, FS_IOC_GET_ENCRYPTION_POLICY_EX, argument, absent=errno.ENODATA)
    except _AbsentError:
        return None
    version, *_, identifier = _POLICY_V2.unpack(bytes(argument[_POLICY_EX_HEADER.size :]))
    if version != POLICY_V2:
        raise EncryptionError(f"{folder}: encrypted with an fscrypt v{version} policy, not v2")
    return bytes(identifier).hex()


def key_status(mount_point: Path, identifier: str) -> KeyStatus:
    """Whether the filesystem at `mount_point` holds the key `identifier` now."""
    specifier = _SPECIFIER.pack(KEY_SPEC_TYPE_IDENTIFIER, 0, bytes.fromhex(identifier))
    argument = bytearray(specifier + bytes(0x80 - _SPECIFIER.size))
    _ioctl(mount_point, FS_IOC_GET_ENCRYPTION_KEY_STATUS, argument)
    (status,) = struct.unpack_from("I", argument, _SPECIFIER.size + 4 * 6)
    return KeyStatus(status)


def remove_key(mount_point: Path, identifier: str, all_users: bool = False) -> KeyStatus:
    """Remove the key: its folders lock (files still open stay readable until closed).
    `all_users` removes every user's claim on it (root only), as a power cycle would."""
    specifier = _SPECIFIER.pack(KEY_SPEC_TYPE_IDENTIFIER, 0, bytes.fromhex(identifier))
    argument = bytearray(specifier + bytes(0x40 - _SPECIFIER.size))
    request = FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS if all_users else FS_IOC_REMOVE_ENCRYPTION_KEY
    _ioctl(mount_point, request, argument)
    return key_status(mount_point, identifier)
