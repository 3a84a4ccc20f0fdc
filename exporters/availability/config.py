"""The availability exporter's configuration file: JSON written from the inventory.

Every problem is reported as one `ConfigError` line naming the file and the entry, so a
bad file stops the exporter before it serves anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rampart import user_input
from rampart.checks import CHECK_TYPES, KINDS, LONGEST_INTERVAL_SECONDS, ProbeCheck
from rampart.errors import ConfigError

DEFAULT_LISTEN = "0.0.0.0:9470"


@dataclass(frozen=True)
class Window:
    """A planned maintenance window: its time does not count against availability."""

    start: float
    end: float
    reason: str


@dataclass(frozen=True)
class ProbeService:
    """A catalog service as the prober sees it: its objective, windows and checks."""

    id: str
    objective_ratio: float
    response_time_seconds: float | None
    maintenance: tuple[Window, ...]
    checks: tuple[ProbeCheck, ...]

    def in_maintenance(self, now: float) -> bool:
        """Whether `now` (a Unix time) falls inside one of the service's windows."""
        return any(window.start <= now < window.end for window in self.maintenance)

    def maintenance_seconds(self, start: float, end: float) -> float:
        """How much of [start, end) lies inside the service's windows (they do not overlap)."""
        return sum(
            max(0.0, min(end, window.end) - max(start, window.start)) for window in self.maintenance
        )


@dataclass(frozen=True)
class ExporterConfig:
    """The whole configuration: where to listen, the web config, and the services."""

    listen_address: str
    listen_port: int
    web_config_file: Path | None
    services: tuple[ProbeService, ...]

    @property
    def checks(self) -> tuple[ProbeCheck, ...]:
        """Every check of every service."""
        return tuple(check for service in self.services for check in service.checks)


def _field(entry: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """A required field of the expected type, or a one-line ConfigError naming it."""
    if name not in entry:
        raise ConfigError(f"{where}: missing required field {name!r}")
    value = entry[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{where}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _optional(entry: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    """An optional field: None when absent, else checked like a required one."""
    if entry.get(name) is None:
        return None
    return _field(entry, name, kind, where)


def _optional_path(
    entry: Mapping[str, Any], name: str, where: str, check_files: bool
) -> Path | None:
    """An optional file path that must exist when given (a secret, key or CA); the
    generator, on the controller, checks everything but that (`check_files` false)."""
    value = _optional(entry, name, str, where)
    if value is None:
        return None
    path = Path(value)
    if check_files and not path.is_file():
        raise ConfigError(f"{where}: {name} {value} does not exist or is not a file")
    return path


def _seconds(entry: Mapping[str, Any], name: str, where: str) -> float:
    """A required finite number of seconds (NaN or infinity would stall or spin the prober)."""
    value = _field(entry, name, (int, float), where)
    if (isinstance(value, int) and value.bit_length() > 64) or not math.isfinite(value):
        raise ConfigError(f"{where}: {name} must be a finite number, not {str(value)[:40]}")
    return float(value)


def parse_check(service: str, entry: Any, where: str, check_files: bool = True) -> ProbeCheck:
    """One check entry of a service; every problem is a one-line ConfigError."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: a check must be a mapping, not {type(entry).__name__}")
    check_type = _field(entry, "type", str, where)
    if check_type not in CHECK_TYPES:
        raise ConfigError(
            f"{where}: unknown check type {check_type!r} (known: {', '.join(CHECK_TYPES)})"
        )
    port = _optional(entry, "port", int, where)
    if check_type != "ssh_command" and port is None:
        raise ConfigError(f"{where}: a {check_type} check needs a port")
    interval = _seconds(entry, "interval_seconds", where)
    timeout = _seconds(entry, "timeout_seconds", where)
    if not 1 <= interval <= LONGEST_INTERVAL_SECONDS:
        raise ConfigError(
            f"{where}: interval_seconds must be from 1 to {LONGEST_INTERVAL_SECONDS},"
            f" not {interval:g}"
        )
    if not 0 < timeout < interval:
        raise ConfigError(f"{where}: timeout_seconds must be above 0 and below interval_seconds")
    check = ProbeCheck(
        service=service,
        host=_field(entry, "host", str, where),
        address=_field(entry, "address", str, where),
        name=_field(entry, "name", str, where),
        type=check_type,
        port=port,
        critical=bool(entry.get("critical", True)),
        interval_seconds=interval,
        timeout_seconds=timeout,
        path=_optional(entry, "path", str, where) or "/",
        expect_status=_optional(entry, "expect_status", int, where),
        expect_body=_optional(entry, "expect_body", str, where),
        database=_optional(entry, "database", str, where),
        query=_optional(entry, "query", str, where),
        command=_optional(entry, "command", str, where),
        user=_optional(entry, "user", str, where),
        password_file=_optional_path(entry, "password_file", where, check_files),
        ssh_key_file=_optional_path(entry, "ssh_key_file", where, check_files),
        known_hosts_file=_optional_path(entry, "known_hosts_file", where, check_files),
        ca_file=_optional_path(entry, "ca_file", where, check_files),
    )
    _require_type_fields(check, where)
    return check


def _require_type_fields(check: ProbeCheck, where: str) -> None:
    """The fields a check kind cannot work without."""
    for name in KINDS[check.type].needs:
        if getattr(check, name) is None:
            raise ConfigError(f"{where}: a {check.type} check needs {name}")


def _parse_time(value: Any, where: str) -> float:
    """An ISO 8601 time with its offset, as a Unix time."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ConfigError(f"{where}: {value!r} has no time zone offset")
    return moment.timestamp()


def parse_service(entry: Any, where: str, check_files: bool = True) -> ProbeService:
    """One service entry: its id, objective, maintenance windows and checks."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: a service must be a mapping, not {type(entry).__name__}")
    service_id = _field(entry, "id", str, where)
    where = f"{where} ({service_id})"
    objective = float(_field(entry, "objective_ratio", (int, float), where))
    if not 0 < objective < 1:
        raise ConfigError(f"{where}: objective_ratio must be between 0 and 1, e.g. 0.999")
    windows = []
    for index, window in enumerate(_field(entry, "maintenance", list, where)):
        window_where = f"{where} maintenance[{index}]"
        if not isinstance(window, Mapping):
            raise ConfigError(f"{window_where}: a maintenance window must be a mapping")
        windows.append(
            Window(
                start=_parse_time(_field(window, "start", str, window_where), window_where),
                end=_parse_time(_field(window, "end", str, window_where), window_where),
                reason=str(window.get("reason", "")),
            )
        )
    checks = tuple(
        parse_check(service_id, check, f"{where} checks[{index}]", check_files)
        for index, check in enumerate(_field(entry, "checks", list, where))
    )
    response_time = None
    if entry.get("response_time_seconds") is not None:
        response_time = _seconds(entry, "response_time_seconds", where)
        if response_time <= 0:
            raise ConfigError(f"{where}: response_time_seconds must be above 0")
    return ProbeService(service_id, objective, response_time, tuple(windows), checks)


def parse_config(document: Any, where: str, check_files: bool = True) -> ExporterConfig:
    """The whole configuration document, checked (files named in it too, with `check_files`)."""
    if not isinstance(document, Mapping):
        raise ConfigError(f"{where}: the configuration must be a JSON object")
    listen = str(document.get("listen", DEFAULT_LISTEN))
    address, _, port_text = listen.rpartition(":")
    if not address or not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        raise ConfigError(f"{where}: listen must be ADDRESS:PORT, not {listen!r}")
    web_config = _optional(document, "web_config_file", str, where)
    if check_files and web_config is not None and not Path(web_config).is_file():
        raise ConfigError(f"{where}: web_config_file {web_config} does not exist")
    services = tuple(
        parse_service(service, f"{where}: services[{index}]", check_files)
        for index, service in enumerate(_field(document, "services", list, where))
    )
    counts = Counter(check.key for service in services for check in service.checks)
    duplicates = sorted("/".join(key) for key, count in counts.items() if count > 1)
    if duplicates:
        raise ConfigError(f"{where}: checks listed twice: {', '.join(duplicates)}")
    return ExporterConfig(
        address.strip("[]"), int(port_text), Path(web_config) if web_config else None, services
    )


def load_config(path: Path) -> ExporterConfig:
    """Read and check the configuration file at `path`."""
    return parse_config(user_input.read_json(path, "the configuration"), str(path))
