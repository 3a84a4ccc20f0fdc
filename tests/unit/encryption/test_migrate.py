"""Live data into an encrypted folder on a real ext4 volume (`-O encrypt`, loop-mounted):
every file kept with its owner, mode and time, the plaintext gone from the raw image, and an
interrupted migration, before or after the swap, finished by the next run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rampart.encryption import fscrypt, migrate
from rampart.errors import EncryptionError

MARKER = b"RAMPART-MIGRATION-MARKER-51c0de"


def in_image(image: Path, needle: bytes) -> bool:
    os.sync()
    return needle in image.read_bytes()


@pytest.fixture
def documents(ext4_volume: tuple[Path, Path]) -> tuple[Path, Path, str]:
    """(image, a folder of plaintext documents on the volume, the identifier of a new key)."""
    image, mounted = ext4_volume
    folder = mounted / "hr" / "documents"
    (folder / "letters").mkdir(parents=True)
    (folder / "handbook.txt").write_bytes(MARKER + b" handbook")
    (folder / "letters" / "offer.txt").write_bytes(MARKER + b" offer")
    (folder / "letters" / "offer.txt").chmod(0o640)
    os.chown(folder / "letters" / "offer.txt", 0, 4)
    os.utime(folder / "handbook.txt", (1_700_000_000, 1_700_000_000))
    (folder / "latest").symlink_to("letters/offer.txt")
    identifier = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    assert in_image(image, MARKER)
    return image, folder, identifier


def test_a_migration_keeps_every_file_and_leaves_no_plaintext(
    documents: tuple[Path, Path, str],
) -> None:
    image, folder, identifier = documents
    done = migrate.migrate(folder, identifier)
    assert (done.files, done.bytes) == (2, 2 * len(MARKER) + len(b" handbook") + len(b" offer"))
    assert fscrypt.key_of(folder) == identifier
    assert (folder / "letters" / "offer.txt").read_bytes() == MARKER + b" offer"
    offer = (folder / "letters" / "offer.txt").stat()
    assert (offer.st_mode & 0o7777, offer.st_gid) == (0o640, 4)
    assert (folder / "handbook.txt").stat().st_mtime == 1_700_000_000
    assert (folder / "latest").readlink() == Path("letters/offer.txt")
    assert not migrate.staging_of(folder).exists()
    assert not in_image(image, MARKER), "the plaintext is overwritten, not only unlinked"


def test_a_migration_interrupted_before_the_swap_is_made_again(
    documents: tuple[Path, Path, str],
) -> None:
    _, folder, identifier = documents
    staging = migrate.staging_of(folder)
    staging.mkdir()
    fscrypt.encrypt_folder(staging, identifier)
    (staging / "handbook.txt").write_bytes(b"half a copy")
    assert migrate.leftover(folder, identifier) == "partial"
    assert (folder / "handbook.txt").read_bytes().startswith(MARKER), "the original is intact"
    migrate.migrate(folder, identifier)
    assert (folder / "handbook.txt").read_bytes() == MARKER + b" handbook"
    assert migrate.leftover(folder, identifier) is None


def test_a_migration_interrupted_after_the_swap_destroys_the_plaintext_next_time(
    documents: tuple[Path, Path, str],
) -> None:
    image, folder, identifier = documents
    staging = migrate.staging_of(folder)
    staging.mkdir()
    fscrypt.encrypt_folder(staging, identifier)
    for name in ("handbook.txt",):
        (staging / name).write_bytes((folder / name).read_bytes())
    migrate.exchange(folder, staging)
    assert fscrypt.key_of(folder) == identifier
    assert migrate.leftover(folder, identifier) == "plaintext"
    assert migrate.finish(folder, identifier)
    assert not staging.exists()
    assert (folder / "handbook.txt").read_bytes() == MARKER + b" handbook"
    assert not in_image(image, MARKER)


def test_plaintext_beside_an_unencrypted_folder_is_left_for_a_person(
    documents: tuple[Path, Path, str],
) -> None:
    _, folder, identifier = documents
    migrate.staging_of(folder).mkdir()
    with pytest.raises(EncryptionError, match="look before removing either"):
        migrate.finish(folder, identifier)
    assert (folder / "handbook.txt").read_bytes().startswith(MARKER)


def test_a_device_node_in_the_data_is_refused_and_nothing_is_swapped(
    documents: tuple[Path, Path, str],
) -> None:
    _, folder, identifier = documents
    subprocess.run(["mkfifo", str(folder / "pipe")], check=True)
    with pytest.raises(EncryptionError, match="not a file, folder or link"):
        migrate.migrate(folder, identifier)
    assert fscrypt.key_of(folder) is None
    assert (folder / "handbook.txt").read_bytes().startswith(MARKER)
