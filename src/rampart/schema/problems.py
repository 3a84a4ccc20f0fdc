"""Problems found in an inventory, where they are, and the error that carries them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart.schema.yaml_lines import LineList, LineMap


@dataclass(frozen=True)
class Problem:
    """One mistake in an inventory: the file, the line, the dotted key and what is wrong."""

    file: Path
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        place = str(self.file) if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"


@dataclass(frozen=True)
class Location:
    """A place in a YAML file: its line, its dotted key, and the value found there."""

    file: Path
    line: int | None
    key: str = ""
    node: Any = None

    def field(self, name: object) -> Location:
        """The place of key `name` in the mapping here (the mapping's own line if missing)."""
        key = f"{self.key}.{name}" if self.key else str(name)
        if isinstance(self.node, LineMap):
            line = self.node.key_lines.get(name, self.line)
            return Location(self.file, line, key, self.node.get(name))
        return Location(self.file, self.line, key)

    def item(self, index: int) -> Location:
        """The place of item `index` in the list here."""
        key = f"{self.key}[{index}]"
        if isinstance(self.node, LineList) and index < len(self.node):
            return Location(self.file, self.node.item_lines[index], key, self.node[index])
        return Location(self.file, self.line, key)

    def problem(self, message: str) -> Problem:
        """A problem at this place."""
        return Problem(self.file, self.line, self.key, message)


def did_you_mean(word: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """A ` (did you mean 'x'?)` hint when a known name is close to `word`, else nothing."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe_value(value: object) -> str:
    """Name a YAML value's type the way a user wrote it, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
