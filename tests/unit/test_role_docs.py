"""Each role's README documents exactly the variables of its meta/argument_specs.yml, and
every default it sets is one of them: what an operator reads is what the role accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = sorted(
    path.parents[1]
    for path in (Path(__file__).resolve().parents[2] / "roles").glob("*/meta/argument_specs.yml")
)
README_ROW = re.compile(r"^\|\s*`([a-z_][a-z0-9_]*)`\s*\|", re.MULTILINE)


def specified(role: Path) -> set[str]:
    document = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text("utf-8"))
    return set(document["argument_specs"]["main"]["options"])


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_readme_lists_exactly_the_specified_variables(role: Path) -> None:
    readme = (role / "README.md").read_text("utf-8")
    documented = {name for name in README_ROW.findall(readme) if name.startswith(role.name)}
    assert documented == specified(role)


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_every_default_is_specified(role: Path) -> None:
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text("utf-8")) or {}
    assert set(defaults) - specified(role) == set()


def test_every_role_has_a_specification() -> None:
    roles = {path.parent.name for path in ROLES[0].parent.glob("*/tasks")}
    assert roles == {role.name for role in ROLES}
