"""The settings of the backup runner on a host: one JSON file written by the backup role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.backup.restic import Repository
from rampart.errors import ConfigError
from rampart.user_input import json_field, json_strings

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


def _data_set(entry: Any, where: str) -> DataSet:
    name = json_field(entry, "name", str, where)
    database = json_field(entry, "database", dict, f"{where} ({name})", None)
    return DataSet(
        name=name,
        data_class=json_field(entry, "class", str, f"{where} ({name})"),
        paths=json_strings(entry, "paths", f"{where} ({name})"),
        database=Database(
            data_set=name,
            name=json_field(database, "name", str, f"{where} ({name}) database"),
            checks=json_strings(database, "checks", f"{where} ({name}) database"),
        )
        if database
        else None,
    )


def _retention(raw: Any, where: str) -> dict[str, dict[str, int]]:
    retention: dict[str, dict[str, int]] = {}
    for name, keep in json_field(raw, "retention", dict, where).items():
        periods = json_field({name: keep}, name, dict, f"{where} retention")
        retention[name] = {}
        for period, count in periods.items():
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count < 10**6:
                raise ConfigError(
                    f"{where}: retention.{name}.{period} must be a whole number from 0, not"
                    f" {str(count)[:40]}"
                )
            retention[name][period] = count
    return retention


def parse_config(raw: Any, where: str) -> BackupConfig:
    """Build the settings from the JSON document; every problem is one clear error line."""
    data_sets = [
        _data_set(entry, f"{where}: data_sets[{index}]")
        for index, entry in enumerate(json_field(raw, "data_sets", list, where))
    ]
    cache_dir = json_field(raw, "cache_dir", str, where, "")
    repository = Repository(
        location=json_field(raw, "repository", str, where),
        password_file=Path(json_field(raw, "password_file", str, where)),
        options=json_strings(raw, "restic_options", where),
        cache_dir=Path(cache_dir) if cache_dir else None,
        binary=json_field(raw, "restic_binary", str, where, "restic"),
        retry_lock=json_field(raw, "retry_lock", str, where, "2m"),
    )
    drill_window_days = json_field(raw, "drill_window_days", int, where, 7)
    if not 1 <= drill_window_days <= 3660:
        raise ConfigError(
            f"{where}: drill_window_days must be from 1 to 3660, not {drill_window_days}"
        )
    return BackupConfig(
        host=json_field(raw, "host", str, where),
        repository=repository,
        data_sets=tuple(data_sets),
        retention=_retention(raw, where),
        state_dir=Path(json_field(raw, "state_dir", str, where)),
        scratch_dir=Path(json_field(raw, "scratch_dir", str, where)),
        textfile_dir=Path(json_field(raw, "textfile_dir", str, where)),
        journal=Path(json_field(raw, "journal", str, where)),
        check_read_data_subset=json_field(raw, "check_read_data_subset", str, where, "10%"),
        drill_window_days=drill_window_days,
    )


def load_config(path: Path = DEFAULT_CONFIG) -> BackupConfig:
    """Read the runner's settings file; every problem is one line naming the file."""
    if not path.exists() and not path.is_symlink() and path.parent.is_dir():
        raise ConfigError(f"{path}: no backup settings; run the backup role first")
    return parse_config(user_input.read_json(path, "the backup settings"), str(path))
