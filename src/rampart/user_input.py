"""The one place where files a user names are read and written and addresses are bound.

Operating-system failures (permission denied, a folder where a file should be, a missing
parent folder, a port in use, an address that does not resolve) become one `ConfigError`
line naming what and where; so do text that is not UTF-8 and JSON that is not JSON or
holds NaN or infinity. Callers never see an `OSError`. Standard library only: hosts that
carry just a part of Rampart (the backup runner, the exporters) use it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import socket
from pathlib import Path
from typing import Any

from rampart.errors import ConfigError

REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EADDRINUSE: "the port is already in use",
    errno.EADDRNOTAVAIL: "the address is not one of this machine's",
    errno.ELOOP: "too many symbolic links",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "the file system is read-only",
}


class UserInputError(ConfigError):
    """A file the user named cannot be used: `path`, the `line` when known, and `reason`."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        place = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{place}: {reason}")


def describe_os_error(error: OSError) -> str:
    """A short lower-case reason for an operating-system error, e.g. `permission denied`."""
    if isinstance(error, socket.gaierror):
        return "the address does not resolve"
    if error.errno in REASONS:
        return REASONS[error.errno]
    return (error.strerror or str(error)).lower()


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a file the user named; `what` says what it is (`the backup settings`)."""
    try:
        if path.is_dir():
            raise UserInputError(path, f"cannot read {what}: is a folder, not a file")
        return path.read_bytes()
    except OSError as error:
        raise UserInputError(path, f"cannot read {what}: {describe_os_error(error)}") from None


def decode_text(raw: bytes, path: Path, what: str) -> str:
    """UTF-8 text, or one line naming the first line that is not (binary input)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UserInputError(path, f"{what} is not UTF-8 text", line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UserInputError(path, f"{what} is binary, not text (a NUL byte)", line)
    return text


def read_text(path: Path, what: str) -> str:
    """A user's text file, read whole and decoded as UTF-8."""
    return decode_text(read_bytes(path, what), path, what)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, where: str, what: str) -> Any:
    """JSON text as Python; NaN, Infinity and numbers too large for a float are refused."""
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        reason = f"{what} is not valid JSON: {error.msg} (column {error.colno})"
        raise UserInputError(where, reason, error.lineno) from None
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise UserInputError(where, f"{what} is not valid JSON: {reason}") from None
    _check_finite(document, where, what)
    return document


def _check_finite(document: Any, where: str, what: str) -> None:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise UserInputError(where, f"{what} holds a number too large for a float")


def read_json(path: Path, what: str) -> Any:
    """A user's JSON file, checked as `parse_json` does."""
    return parse_json(read_text(path, what), str(path), what)


def write_text(path: Path, text: str, what: str) -> None:
    """Write a file atomically (a temporary file beside it, then a rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        if path.is_dir():
            raise UserInputError(path, f"cannot write {what}: is a folder, not a file")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        reason = describe_os_error(error)
        if error.errno == errno.ENOENT:
            reason = f"the folder {path.parent} does not exist"
        raise UserInputError(path, f"cannot write {what}: {reason}") from None


def bind_failure(address: str, port: int, error: OSError | OverflowError) -> ConfigError:
    """The one line for a listening socket that cannot be opened."""
    if isinstance(error, OverflowError) or not 0 <= port < 65536:
        reason = "the port must be from 0 to 65535"
    elif error.errno in (errno.EACCES, errno.EPERM) and port < 1024:
        reason = "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
    else:
        reason = describe_os_error(error)
    return ConfigError(f"cannot listen on {address}:{port}: {reason}")


def json_field(
    raw: Any, key: str, kind: type | tuple[type, ...], where: str, default: Any = ...
) -> Any:
    """`raw[key]` of the JSON type `kind` (`default` when missing or null, if given); a
    missing key or a wrong type is one ConfigError line naming `where`."""
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


def json_strings(raw: Any, key: str, where: str) -> tuple[str, ...]:
    """`raw[key]` as a list of text (empty when missing); anything else is one line."""
    values = json_field(raw, key, list, where, [])
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key}[{index}] must be str, not {type(value).__name__}")
    return tuple(values)
