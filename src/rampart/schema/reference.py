"""Table rows of a schema reference in Markdown: the general part that the inventory's and
the runbook's references (docs/inventory.md, docs/runbooks.md) share.
"""

from __future__ import annotations

from typing import Any

import yaml

from rampart.schema.kinds import (
    Boolean,
    Choice,
    Field,
    Integer,
    Kind,
    ListOf,
    Number,
    Record,
    Text,
    Timestamp,
)


def describe(kind: Kind) -> str:
    """The type of a value in a few words."""
    if isinstance(kind, Text):
        return kind.name
    if isinstance(kind, Choice):
        return "one of " + ", ".join(f"`{word}`" for word in kind.words)
    if isinstance(kind, Integer):
        if kind.maximum is None:
            return f"integer, at least {kind.minimum}"
        return f"integer from {kind.minimum} to {kind.maximum}"
    if isinstance(kind, Number):
        limits = [f"above {kind.above:g}"] if kind.above is not None else []
        limits += [f"below {kind.below:g}"] if kind.below is not None else []
        return "number, " + " and ".join(limits)
    if isinstance(kind, Boolean):
        return "`true` or `false`"
    if isinstance(kind, Timestamp):
        return "ISO-8601 date and time with time zone"
    if isinstance(kind, ListOf):
        if isinstance(kind.item, Record):
            return "list of mappings"
        return f"list of {describe(kind.item)}s"
    if isinstance(kind, Record):
        return "mapping"
    return f"mapping of {kind.key_label} to mapping"


def inline_yaml(value: Any) -> str:
    """A value as one line of YAML, in backticks."""
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False)
    text = text.removesuffix("\n...\n").strip()
    return f"`{text}`"


def rows(fields: tuple[Field, ...], prefix: str) -> list[str]:
    """One table row per key, nested records and lists of records included."""
    lines = []
    for field in fields:
        path = f"{prefix}.{field.name}"
        if field.required:
            required = "yes"
        elif field.default in (None, ()):
            required = "no"
        else:
            required = f"no, default {inline_yaml(field.default)}"
        lines.append(
            f"| `{path}` | {describe(field.kind)} | {required} | {field.description}"
            f" | {inline_yaml(field.example)} |"
        )
        kind = field.kind
        if isinstance(kind, ListOf) and isinstance(kind.item, Record):
            lines.extend(rows(kind.item.fields, f"{path}[]"))
        elif isinstance(kind, Record):
            lines.extend(rows(kind.fields, path))
    return lines
