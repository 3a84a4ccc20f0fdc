"""The settings of the backup runner on a host: one JSON file written by the backup role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rampart import user_input
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


def _get(raw: Any, key: str, kind: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
    """`raw[key]` of the JSON type `kind`; a missing key or a wrong type is one clear line."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    if key not in raw or (raw[key] is None and default is not ...):
        if default is ...:
            raise ConfigError(f"{where}: missing key {key!r}")
        return default
    value = raw[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind)):
        names = " or ".join(kind.__name__ for kind in _types(kind))
        raise ConfigError(f"{where}: {key} must be {names}, not {type(value).__name__}")
    return value


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _strings(raw: Any, key: str, where: str) -> tuple[str, ...]:
    values = _get(raw, key, list, where, [])
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key}[{index}] must be str, not {type(value).__name__}")
    return tuple(values)


def _data_set(entry: Any, where: str) -> DataSet:
    name = _get(entry, "name", str, where)
    database = _get(entry, "database", dict, f"{where} ({name})", None)
    return DataSet(
        name=name,
        data_class=_get(entry, "class", str, f"{where} ({name})"),
        paths=_strings(entry, "paths", f"{where} ({name})"),
        database=Database(
            data_set=name,
            name=_get(database, "name", str, f"{where} ({name}) database"),
            checks=_strings(database, "checks", f"{where} ({name}) database"),
        )
        if database
        else None,
    )


def _retention(raw: Any, where: str) -> dict[str, dict[str, int]]:
    retention: dict[str, dict[str, int]] = {}
    for name, keep in _get(raw, "retention", dict, where).items():
        periods = _get({name: keep}, name, dict, f"{where} retention")
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
        for index, entry in enumerate(_get(raw, "data_sets", list, where))
    ]
    cache_dir = _get(raw, "cache_dir", str, where, "")
    repository = Repository(
        location=_get(raw, "repository", str, where),
        password_file=Path(_get(raw, "password_file", str, where)),
        options=_strings(raw, "restic_options", where),
        cache_dir=Path(cache_dir) if cache_dir else None,
        binary=_get(raw, "restic_binary", str, where, "restic"),
        retry_lock=_get(raw, "retry_lock", str, where, "2m"),
    )
    drill_window_days = _get(raw, "drill_window_days", int, where, 7)
    if not 1 <= drill_window_days <= 3660:
        raise ConfigError(
            f"{where}: drill_window_days must be from 1 to 3660, not {drill_window_days}"
        )
    return BackupConfig(
        host=_get(raw, "host", str, where),
        repository=repository,
        data_sets=tuple(data_sets),
        retention=_retention(raw, where),
        state_dir=Path(_get(raw, "state_dir", str, where)),
        scratch_dir=Path(_get(raw, "scratch_dir", str, where)),
        textfile_dir=Path(_get(raw, "textfile_dir", str, where)),
        journal=Path(_get(raw, "journal", str, where)),
        check_read_data_subset=_get(raw, "check_read_data_subset", str, where, "10%"),
        drill_window_days=drill_window_days,
    )


def load_config(path: Path = DEFAULT_CONFIG) -> BackupConfig:
    """Read the runner's settings file; every problem is one line naming the file."""
    if not path.exists() and not path.is_symlink() and path.parent.is_dir():
        raise ConfigError(f"{path}: no backup settings; run the backup role first")
    return parse_config(user_input.read_json(path, "the backup settings"), str(path))
