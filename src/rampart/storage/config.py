"""The settings of storage on a host: one JSON file roles/storage writes from the host's
plan (docs/plan.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.errors import ConfigError
from rampart.user_input import json_field, json_strings

DEFAULT_CONFIG = Path("/etc/rampart/storage/config.json")


@dataclass(frozen=True)
class Folder:
    """A data set's folder as it must be: owner root, the data set's group, the mode."""

    data_set: str
    data_class: str
    path: Path
    group: str
    mode: int

    @property
    def public(self) -> bool:
        """Whether anyone may read it (its class is public)."""
        return self.data_class == "public"


@dataclass(frozen=True)
class Elsewhere:
    """A data set's folder not on the volume: measured, left as it is."""

    data_set: str
    path: Path


@dataclass(frozen=True)
class StorageConfig:
    """The volume, its required options, the folders, and where metrics go."""

    volume: Path
    volume_options: tuple[str, ...]
    full_warning_seconds: float
    folders: tuple[Folder, ...]
    elsewhere: tuple[Elsewhere, ...]
    textfile_dir: Path


def _folder(raw: Any, where: str) -> Folder:
    name = json_field(raw, "data_set", str, where)
    mode = json_field(raw, "mode", str, f"{where} ({name})")
    try:
        number = int(mode, 8)
    except ValueError:
        number = -1
    if not 0 <= number <= 0o7777:
        raise ConfigError(f"{where} ({name}): mode '{mode}' is not an octal mode")
    return Folder(
        name,
        json_field(raw, "data_class", str, f"{where} ({name})"),
        Path(json_field(raw, "path", str, f"{where} ({name})")),
        json_field(raw, "group", str, f"{where} ({name})"),
        number,
    )


def _elsewhere(entry: str, where: str) -> Elsewhere:
    name, _, path = entry.partition(":")
    if not name or not path.startswith("/"):
        raise ConfigError(f"{where}: '{entry}' is not data-set:/path")
    return Elsewhere(name, Path(path))


def parse_config(raw: Any, where: str) -> StorageConfig:
    """The settings from the JSON document; every problem is one line naming `where`."""
    folders = json_field(raw, "folders", list, where)
    return StorageConfig(
        volume=Path(json_field(raw, "volume", str, where)),
        volume_options=json_strings(raw, "volume_options", where),
        full_warning_seconds=float(json_field(raw, "full_warning_seconds", (int, float), where)),
        folders=tuple(
            _folder(entry, f"{where}: folders[{index}]") for index, entry in enumerate(folders)
        ),
        elsewhere=tuple(
            _elsewhere(entry, where) for entry in json_strings(raw, "elsewhere", where)
        ),
        textfile_dir=Path(json_field(raw, "textfile_dir", str, where)),
    )


def load_config(path: Path) -> StorageConfig:
    """Read the role's settings file; a missing or broken file is one clear line."""
    return parse_config(user_input.read_json(path, "storage settings"), str(path))
