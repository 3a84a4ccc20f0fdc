"""Read an inventory's YAML files: unreadable, broken or repeated keys become problems.

Files encrypted with ansible-vault are skipped: only Ansible, with the password, reads them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rampart import user_input
from rampart.schema.problems import Location, Problem
from rampart.schema.yaml_lines import LineList, LineMap, is_vault_file, load
from rampart.user_input import UserInputError, describe_os_error

YAML_SUFFIXES = (".yml", ".yaml")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Variable:
    """An Ansible variable as written: `where` has its file, the key's line and the value."""

    name: str
    where: Location

    @property
    def value(self) -> Any:
        """The variable's value as YAML gave it."""
        return self.where.node


@dataclass(frozen=True)
class VarsFile:
    """One file of group_vars or host_vars, with the group or host it belongs to."""

    owner: str
    path: Path
    variables: list[Variable] = field(default_factory=list)
    encrypted: bool = False


@dataclass(frozen=True)
class YamlFile:
    """A YAML file's data, or only the fact that it is vault-encrypted."""

    path: Path
    data: Any
    encrypted: bool = False
    text: str = ""


def read_yaml(path: Path, problems: list[Problem]) -> YamlFile | None:
    """Load a YAML file; None (and a problem) when it cannot be read or parsed."""
    try:
        text = user_input.read_text(path, "the file")
    except UserInputError as error:
        problems.append(Problem(path, error.line, "", error.reason))
        return None
    if is_vault_file(text):
        return YamlFile(path, None, encrypted=True, text=text)
    try:
        data = load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        context = f" ({error.context})" if error.context else ""
        problems.append(Problem(path, line, "", f"not valid YAML: {error.problem}{context}"))
        return None
    except yaml.reader.ReaderError as error:  # a control character: binary input
        line = text[: error.position].count("\n") + 1
        problems.append(Problem(path, line, "", "not valid YAML: a control character (binary?)"))
        return None
    except yaml.YAMLError as error:
        problems.append(Problem(path, None, "", f"not valid YAML: {' '.join(str(error).split())}"))
        return None
    except (RecursionError, ValueError) as error:  # PyYAML's int() of 5,000 digits
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        problems.append(Problem(path, None, "", f"not valid YAML: {reason}"))
        return None
    problems.extend(repeated_keys(Location(path, 1, "", data)))
    return YamlFile(path, data, text=text)


def repeated_keys(where: Location) -> list[Problem]:
    """Keys written twice in one mapping, anywhere in a file: YAML silently keeps the last."""
    problems: list[Problem] = []
    seen: set[int] = set()
    pending = [where]
    while pending:
        place = pending.pop()
        if id(place.node) in seen:
            continue
        seen.add(id(place.node))
        if isinstance(place.node, LineMap):
            for key, line, first_line in place.node.repeated_keys:
                problems.append(
                    Problem(
                        place.file,
                        line,
                        place.field(key).key,
                        f"written twice in one mapping (first at line {first_line});"
                        " only this one counts",
                    )
                )
            pending.extend(place.field(key) for key in place.node)
        elif isinstance(place.node, LineList):
            pending.extend(place.item(index) for index in range(len(place.node)))
    return sorted(problems, key=lambda problem: problem.line or 0)


def variables_of(where: Location, problems: list[Problem]) -> list[Variable]:
    """The variables a mapping at `where` defines (a vars file, or `vars:` in hosts.yml)."""
    if where.node is None:
        return []
    if not isinstance(where.node, LineMap):
        problems.append(where.problem("expected a mapping of variable names to values"))
        return []
    variables = []
    for name in where.node:
        line = where.node.key_lines[name]
        variable_where = Location(where.file, line, str(name), where.node[name])
        if not isinstance(name, str) or not VARIABLE_NAME.fullmatch(name):
            problems.append(
                variable_where.problem(
                    "not a valid variable name (letters, digits and '_', not starting with a digit)"
                )
            )
            continue
        variables.append(Variable(name, variable_where))
    return variables


def _yaml_files_under(folder: Path) -> list[Path]:
    """Every YAML file below `folder`, sorted; a folder that cannot be listed raises OSError
    (`Path.rglob` would skip it silently, and its variables would look undefined)."""
    files: list[Path] = []
    for root, folders, names in os.walk(folder, onerror=_raise):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        files.extend(
            Path(root) / name
            for name in names
            if Path(name).suffix in YAML_SUFFIXES and not name.startswith(".")
        )
    return sorted(files)


def _raise(error: OSError) -> None:
    raise error


def read_vars_files(base: Path, problems: list[Problem]) -> list[VarsFile]:
    """Every vars file under group_vars/ or host_vars/, in the order Ansible loads them.

    `<name>.yml` (or .yaml) and every YAML file under `<name>/` belong to group or host `name`.
    """
    if not base.is_dir():
        return []
    found: list[tuple[str, Path]] = []
    try:
        for entry in sorted(base.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                found.extend((entry.name, path) for path in _yaml_files_under(entry))
            elif entry.suffix in YAML_SUFFIXES:
                found.append((entry.stem, entry))
    except OSError as error:
        place = Path(error.filename) if error.filename else base
        problems.append(Problem(place, None, "", f"cannot list: {describe_os_error(error)}"))
        return []
    files = []
    for owner, path in found:
        loaded = read_yaml(path, problems)
        if loaded is None:
            continue
        if loaded.encrypted:
            files.append(VarsFile(owner, path, encrypted=True))
        else:
            variables = variables_of(Location(path, 1, "", loaded.data), problems)
            files.append(VarsFile(owner, path, variables))
    return files
