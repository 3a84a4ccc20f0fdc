"""docs/inventory.md says what the validator does: its reference is rendered from the schema."""

from __future__ import annotations

import re

import yaml

from rampart.inventory.reference import BEGIN_MARKER, END_MARKER, render
from rampart.inventory.schema import VARIABLES
from rampart.schema.kinds import Field, ListOf, MapOf, Record
from rampart.schema.reference import inline_yaml
from tests.unit.inventory.conftest import ROOT

DOCS = (ROOT / "docs/inventory.md").read_text(encoding="utf-8")


def test_docs_carry_the_reference_rendered_from_the_schema() -> None:
    start, end = DOCS.index(BEGIN_MARKER), DOCS.index(END_MARKER) + len(END_MARKER)
    assert DOCS[start:end] + "\n" == render(), (
        "docs/inventory.md is out of date: paste the output of"
        " `.venv/bin/python -m rampart.inventory.reference` over its reference section"
    )


def key_paths(fields: tuple[Field, ...], prefix: str) -> list[str]:
    """Every dotted key path the schema knows, the way the reference writes them."""
    paths = []
    for field in fields:
        path = f"{prefix}.{field.name}"
        paths.append(path)
        if isinstance(field.kind, ListOf) and isinstance(field.kind.item, Record):
            paths += key_paths(field.kind.item.fields, f"{path}[]")
        elif isinstance(field.kind, Record):
            paths += key_paths(field.kind.fields, path)
    return paths


def test_every_schema_key_is_documented_with_a_description_and_an_example() -> None:
    for variable in VARIABLES:
        kind = variable.kind
        assert f"### `{variable.name}`" in DOCS
        if isinstance(kind, MapOf):
            paths = key_paths(kind.value.fields, f"{variable.name}.<{kind.key_label}>")
        elif isinstance(kind, Record):
            paths = key_paths(kind.fields, variable.name)
        elif not isinstance(kind, ListOf) or not isinstance(kind.item, Record):
            assert variable.example, f"{variable.name}: a value needs an example"
            assert inline_yaml(variable.example) in DOCS
            continue
        else:
            assert isinstance(kind, ListOf) and isinstance(kind.item, Record)
            paths = key_paths(kind.item.fields, f"{variable.name}[]")
        for path in paths:
            row = re.search(rf"^\| `{re.escape(path)}` \|(.*)\|$", DOCS, re.MULTILINE)
            assert row, f"{path} is not in docs/inventory.md"
            cells = [cell.strip() for cell in row.group(1).split(" | ")]
            assert len(cells) == 4 and all(cells), f"{path}: empty cell in {cells}"


def test_yaml_samples_in_the_docs_parse() -> None:
    for block in re.findall(r"```yaml\n(.*?)```", DOCS, re.DOTALL):
        assert yaml.safe_load(block) is not None
