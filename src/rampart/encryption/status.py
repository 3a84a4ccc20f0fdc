"""Encryption at rest as metrics: for each data set folder the plan encrypts, whether it is
encrypted with its own key, whether that key is on the volume (unlocked), whether its
recovery copy is escrowed; and what the class asks to encrypt that is not (REG-4.2.2)."""

from __future__ import annotations

import time

from rampart.encryption import custody, fscrypt, tablespace
from rampart.encryption.config import EncryptionConfig
from rampart.errors import EncryptionError
from rampart.textfile import Family, render, write_atomically

STATUS_TEXTFILE = "rampart_encryption.prom"


def status_families(config: EncryptionConfig) -> list[Family]:
    """The host's encryption metrics as they are now (nothing is changed)."""
    encrypted = Family(
        "rampart_encryption_encrypted",
        "1 when the data set's data is encrypted at rest with its own key, 0 when it is not.",
    )
    unlocked = Family(
        "rampart_encryption_unlocked",
        "1 when the data set's key is on its volume (readable), 0 when locked.",
    )
    escrowed = Family(
        "rampart_encryption_key_escrowed",
        "1 when the recovery copy of the data set's key is in the controller's vault.",
    )
    for folder in config.folders:
        labels = {"data_set": folder.data_set, "path": str(folder.path), "method": folder.method}
        identifier = custody.identifier(config, folder)
        try:
            current = fscrypt.key_of(folder.path) if folder.path.is_dir() else None
        except EncryptionError:
            current = None
        held = identifier is not None and current == identifier
        if held and folder.database is not None:
            try:
                held = tablespace.moved(folder.path, folder.database)
            except EncryptionError:
                held = False
        encrypted.add(1 if held else 0, **labels)
        unlocked.add(1 if custody.unlocked(config, folder) else 0, **labels)
        escrowed.add(1 if custody.escrowed(config, folder) else 0, **labels)
    for entry in config.unencrypted:
        name, _, what = entry.partition(":")
        encrypted.add(0, data_set=name, path=what, method="none")
    checked = Family(
        "rampart_encryption_last_check_timestamp_seconds",
        "When these encryption metrics were taken.",
    ).add(time.time())
    return [encrypted, unlocked, escrowed, checked]


def write_status(config: EncryptionConfig) -> None:
    """Write the host's encryption metrics for node_exporter."""
    write_atomically(config.textfile_dir / STATUS_TEXTFILE, render(status_families(config)))
