"""The words the inventory schema is written in: kinds of values, fields and records.

A schema written with these is read both by the validator (`validate.py`) and by the
reference in docs/inventory.md (`reference.py`), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from rampart.schema.problems import Location, Problem

RecordRule: TypeAlias = Callable[[dict[str, Any], Location, list[Problem]], None]
"""A check across the fields of one record; it may fill in defaults that depend on others."""


@dataclass(frozen=True)
class Text:
    """Text; a Jinja template (`{{ ... }}`) or `!vault` value is accepted without checks."""

    pattern: str | None = None
    pattern_hint: str = ""
    check: Callable[[str], str | None] | None = None
    refers_to: str | None = None
    name: str = "text"
    addresses_allowed: bool = False
    """An IP address or network (CIDR) is accepted in place of a reference."""


@dataclass(frozen=True)
class Choice:
    """One word out of a fixed set, written literally."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Integer:
    """A whole number within limits (inclusive)."""

    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Number:
    """A number strictly between limits."""

    above: float | None = None
    below: float | None = None


@dataclass(frozen=True)
class Boolean:
    """`true` or `false`."""


@dataclass(frozen=True)
class Timestamp:
    """An ISO-8601 date and time with a time zone, e.g. 2025-03-01T02:00:00+01:00."""


@dataclass(frozen=True)
class ListOf:
    """A list of items of one kind; `unique_by` names fields no two items may share."""

    item: Kind
    unique_by: tuple[str, ...] = ()
    min_items: int = 0


@dataclass(frozen=True)
class Field:
    """A key of a record: its kind, whether it is required, its default, and its docs."""

    name: str
    kind: Kind
    description: str
    example: Any
    required: bool = True
    default: Any = None
    attribute: str = ""
    """Name of the model attribute when it differs from the key (`class` -> `data_class`)."""


@dataclass(frozen=True)
class Record:
    """A mapping with known keys, built into `model`; unknown keys are rejected."""

    fields: tuple[Field, ...]
    model: Callable[..., Any]
    rules: tuple[RecordRule, ...] = ()


@dataclass(frozen=True)
class MapOf:
    """A mapping from an id (given to the model as `key_attribute`) to a record."""

    key: Text | Choice
    value: Record
    key_label: str
    """How the reference writes the key in a dotted path: `<service-id>`."""
    key_attribute: str = "id"


Kind: TypeAlias = Text | Choice | Integer | Number | Boolean | Timestamp | ListOf | Record | MapOf


def is_template(value: object) -> bool:
    """Tell whether a value is a Jinja template, which only Ansible can render."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)
