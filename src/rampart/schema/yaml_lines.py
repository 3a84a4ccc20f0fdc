"""A YAML loader that remembers the line of every key and list item.

Messages about an inventory point at a line, so the loader keeps lines beside the data:
mappings load as `LineMap`, lists as `LineList`, both plain `dict` and `list` otherwise.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import yaml

VAULT_FILE_HEADER = "$ANSIBLE_VAULT;"


class LineMap(dict[Any, Any]):
    """A mapping that knows the line of each key and which keys were written twice."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.repeated_keys: list[tuple[Any, int, int]] = []
        """(key, line of the repeat, line of the first one): YAML keeps only the last."""


class LineList(list[Any]):
    """A list that knows the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class VaultText(str):
    """An inline `!vault` value: encrypted, so Rampart accepts it without reading it."""

    __slots__ = ()


class LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, building `LineMap` and `LineList` and knowing Ansible's tags."""


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> Iterator[LineMap]:
    mapping = LineMap(node.start_mark.line + 1)
    yield mapping
    written_keys = {id(key_node) for key_node, _ in node.value}
    loader.flatten_mapping(node)
    first_lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=False)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is a list or mapping",
                key_node.start_mark,
            )
        line = key_node.start_mark.line + 1
        if id(key_node) in written_keys:
            if key in first_lines:
                mapping.repeated_keys.append((key, line, first_lines[key]))
            first_lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=False)
        mapping.key_lines[key] = line


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> Iterator[LineList]:
    sequence = LineList(node.start_mark.line + 1)
    yield sequence
    for item_node in node.value:
        sequence.append(loader.construct_object(item_node, deep=False))
        sequence.item_lines.append(item_node.start_mark.line + 1)


def _construct_vault(loader: LineLoader, node: yaml.ScalarNode) -> VaultText:
    return VaultText(loader.construct_scalar(node))


def _construct_unsafe(loader: LineLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
LineLoader.add_constructor("!vault", _construct_vault)
LineLoader.add_constructor("!unsafe", _construct_unsafe)


def load(text: str) -> Any:
    """Parse one YAML document; raises `yaml.YAMLError` (with a mark) when it is broken."""
    loader = LineLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def is_vault_file(text: str) -> bool:
    """Tell whether a whole file is encrypted with ansible-vault, so it cannot be read."""
    return text.lstrip().startswith(VAULT_FILE_HEADER)
