"""The settings of encryption at rest on a host: one JSON file roles/encryption writes from
the host's plan (docs/plan.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.user_input import json_field, json_strings

DEFAULT_CONFIG = Path("/etc/rampart/encryption/config.json")


@dataclass(frozen=True)
class Folder:
    """A data set's folder that is encrypted with the data set's own key."""

    data_set: str
    path: Path
    method: str
    database: str | None = None
    """The PostgreSQL database whose tablespace is in this folder; None for files."""


@dataclass(frozen=True)
class EncryptionConfig:
    """The volume, the tang server, the folders, where the wrapped keys and metrics go."""

    volume: Path
    tang_url: str
    tang_thumbprint: str
    folders: tuple[Folder, ...]
    unencrypted: tuple[str, ...]
    keys_dir: Path
    textfile_dir: Path


def _folder(raw: Any, where: str) -> Folder:
    name = json_field(raw, "data_set", str, where)
    return Folder(
        name,
        Path(json_field(raw, "path", str, f"{where} ({name})")),
        json_field(raw, "method", str, f"{where} ({name})"),
        json_field(raw, "database", str, f"{where} ({name})", None),
    )


def parse_config(raw: Any, where: str) -> EncryptionConfig:
    """The settings from the JSON document; every problem is one line naming `where`."""
    folders = json_field(raw, "folders", list, where)
    return EncryptionConfig(
        volume=Path(json_field(raw, "volume", str, where)),
        tang_url=json_field(raw, "tang_url", str, where),
        tang_thumbprint=json_field(raw, "tang_thumbprint", str, where),
        folders=tuple(
            _folder(entry, f"{where}: folders[{index}]") for index, entry in enumerate(folders)
        ),
        unencrypted=json_strings(raw, "unencrypted", where),
        keys_dir=Path(json_field(raw, "keys_dir", str, where)),
        textfile_dir=Path(json_field(raw, "textfile_dir", str, where)),
    )


def load_config(path: Path) -> EncryptionConfig:
    """Read the role's settings file; a missing or broken file is one clear line."""
    return parse_config(user_input.read_json(path, "encryption settings"), str(path))
