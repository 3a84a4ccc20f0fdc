"""fscrypt v2 on a real ext4 volume made like a lab host's (`-O encrypt`, loop-mounted):
what is written under a policy is not in the volume's raw bytes, is unreadable once the key
is removed, and readable again once it is added back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rampart.encryption import fscrypt
from rampart.errors import EncryptionError

MARKER = b"RAMPART-ENCRYPTION-MARKER-7f3a9c"


@pytest.fixture
def volume(ext4_volume: tuple[Path, Path]) -> tuple[Path, Path]:
    """(image, mount point) of a real ext4 volume with the encrypt feature."""
    return ext4_volume


def test_a_folder_under_a_policy_keeps_its_files_out_of_the_raw_volume(
    volume: tuple[Path, Path],
) -> None:
    image, mounted = volume
    key = os.urandom(fscrypt.KEY_BYTES)
    identifier = fscrypt.add_key(mounted, key)
    assert len(identifier) == 32
    assert fscrypt.add_key(mounted, key) == identifier, "adding the same key again is harmless"
    secret, plain = mounted / "hr-documents", mounted / "plain"
    secret.mkdir()
    plain.mkdir()
    fscrypt.encrypt_folder(secret, identifier)
    assert fscrypt.key_of(secret) == identifier
    assert fscrypt.key_of(plain) is None
    assert fscrypt.key_status(mounted, identifier) is fscrypt.KeyStatus.PRESENT
    (secret / "handbook.txt").write_bytes(MARKER)
    (plain / "notes.txt").write_bytes(MARKER[::-1])
    assert (secret / "handbook.txt").read_bytes() == MARKER
    os.sync()
    subprocess.run(["sh", "-c", "echo 3 > /proc/sys/vm/drop_caches"], check=True)
    raw = image.read_bytes()
    assert MARKER not in raw and b"handbook.txt" not in raw
    assert MARKER[::-1] in raw, "the plain folder's bytes are there: the search is real"

    assert fscrypt.remove_key(mounted, identifier) is fscrypt.KeyStatus.ABSENT
    assert [path.name for path in secret.iterdir()] != ["handbook.txt"], "names are hidden"
    (locked,) = list(secret.iterdir())
    with pytest.raises(OSError, match="Required key not available"):
        locked.read_bytes()

    assert fscrypt.add_key(mounted, key) == identifier
    assert (secret / "handbook.txt").read_bytes() == MARKER


def test_what_cannot_be_encrypted_is_one_line_naming_the_folder(
    volume: tuple[Path, Path], tmp_path: Path
) -> None:
    _, mounted = volume
    identifier = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    full = mounted / "full"
    full.mkdir()
    (full / "already.txt").write_text("plaintext\n")
    with pytest.raises(EncryptionError, match=r"full: it is not empty: fscrypt encrypts empty"):
        fscrypt.encrypt_folder(full, identifier)
    other = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    taken = mounted / "taken"
    taken.mkdir()
    fscrypt.encrypt_folder(taken, identifier)
    with pytest.raises(EncryptionError, match="taken: it is already encrypted with another key"):
        fscrypt.encrypt_folder(taken, other)
    with pytest.raises(EncryptionError, match="is 64 bytes, not 32"):
        fscrypt.add_key(mounted, os.urandom(32))
    # tmp_path is not on a filesystem with the encrypt feature.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(EncryptionError, match="does not support encryption"):
        fscrypt.encrypt_folder(elsewhere, identifier)


def test_a_lab_restart_forgets_every_key_of_the_volume(volume: tuple[Path, Path]) -> None:
    from rampart.lab.volume import forget_keys

    _, mounted = volume
    identifier = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    secret = mounted / "hr" / "documents"
    secret.mkdir(parents=True)
    fscrypt.encrypt_folder(secret, identifier)
    (secret / "handbook.txt").write_bytes(MARKER)
    (mounted / "plain").mkdir()
    assert forget_keys(mounted) == 1
    assert fscrypt.key_status(mounted, identifier) is fscrypt.KeyStatus.ABSENT
    assert not (secret / "handbook.txt").exists(), "names are encrypted once the key is gone"
