"""The settings of the backup runner on a host: one JSON file written by the backup role."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rampart.backup.restic import Repository
from rampart.errors import ConfigError

DEFAULT_CONFIG = Path("/etc/rampart/backup/config.json")


@dataclass(frozen=True)
class Database:
    """A database data set: dumped with pg_dump -Fc before each backup."""

    data_set: str
    name: str
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSet:
    """A catalog data set on this host: its class decides retention."""

    name: str
    data_class: str
    paths: tuple[str, ...] = ()
    database: Database | None = None


@dataclass(frozen=True)
class BackupConfig:
    """What the runner backs up, where to, and where it writes its state and metrics."""

    host: str
    repository: Repository
    data_sets: tuple[DataSet, ...]
    retention: dict[str, dict[str, int]]
    state_dir: Path
    scratch_dir: Path
    textfile_dir: Path
    journal: Path
    check_read_data_subset: str = "10%"
    drill_window_days: int = 7
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def data_classes(self) -> list[str]:
        """The data classes this host has data of, in a stable order."""
        return sorted({data_set.data_class for data_set in self.data_sets})

    def data_sets_of(self, data_class: str) -> list[DataSet]:
        """The data sets of one class: they share one snapshot and one retention policy."""
        return [data_set for data_set in self.data_sets if data_set.data_class == data_class]

    @property
    def manifest_dir(self) -> Path:
        """Where the manifests are written before each snapshot (and backed up with it)."""
        return self.state_dir / "manifests"

    @property
    def restore_journal(self) -> Path:
        """The journal of `rampart backup restore`, beside the drill's."""
        return self.journal.with_name("restore.jsonl")

    @property
    def dump_dir(self) -> Path:
        """Where database dumps are written before each snapshot (owned by postgres)."""
        return self.state_dir / "dumps"


def _require(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise ConfigError(f"{where}: missing key {key!r}")
    return raw[key]


def parse_config(raw: dict[str, Any], where: str) -> BackupConfig:
    """Build the settings from the JSON document; a missing key is one clear error line."""
    data_sets = []
    for entry in _require(raw, "data_sets", where):
        database = entry.get("database")
        data_sets.append(
            DataSet(
                name=str(entry["name"]),
                data_class=str(entry["class"]),
                paths=tuple(str(path) for path in entry.get("paths") or ()),
                database=Database(
                    data_set=str(entry["name"]),
                    name=str(database["name"]),
                    checks=tuple(str(query) for query in database.get("checks") or ()),
                )
                if database
                else None,
            )
        )
    repository = Repository(
        location=str(_require(raw, "repository", where)),
        password_file=Path(_require(raw, "password_file", where)),
        options=tuple(str(option) for option in raw.get("restic_options") or ()),
        cache_dir=Path(raw["cache_dir"]) if raw.get("cache_dir") else None,
        binary=str(raw.get("restic_binary", "restic")),
        retry_lock=str(raw.get("retry_lock", "2m")),
    )
    return BackupConfig(
        host=str(_require(raw, "host", where)),
        repository=repository,
        data_sets=tuple(data_sets),
        retention={
            str(name): {str(period): int(count) for period, count in keep.items()}
            for name, keep in _require(raw, "retention", where).items()
        },
        state_dir=Path(_require(raw, "state_dir", where)),
        scratch_dir=Path(_require(raw, "scratch_dir", where)),
        textfile_dir=Path(_require(raw, "textfile_dir", where)),
        journal=Path(_require(raw, "journal", where)),
        check_read_data_subset=str(raw.get("check_read_data_subset", "10%")),
        drill_window_days=int(raw.get("drill_window_days", 7)),
    )


def load_config(path: Path = DEFAULT_CONFIG) -> BackupConfig:
    """Read the runner's settings file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no backup settings; run the backup role first") from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read the backup settings: {error}") from None
    try:
        return parse_config(raw, str(path))
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{path}: bad backup settings: {error}") from None
