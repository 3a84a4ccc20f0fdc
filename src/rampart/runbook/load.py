"""Read and check runbooks: every mistake becomes a `Problem` naming file, line and key.

Runbooks use the inventory's line-tracking YAML reader and schema walker, so messages
look the same everywhere: `runbooks/x.yml:12: steps[2].kind: 'sssh' is not one of: ...`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rampart.errors import ConfigError
from rampart.inventory import Inventory
from rampart.inventory.files import read_yaml
from rampart.inventory.validate import INVALID, Conformer
from rampart.runbook.context import RunContext
from rampart.runbook.model import Runbook, Step
from rampart.runbook.schema import NAME, RUNBOOK
from rampart.schema.problems import Location, Problem, describe_value
from rampart.schema.yaml_lines import LineMap
from rampart.user_input import describe_os_error

RUNBOOK_SUFFIXES = (".yml", ".yaml")


class RunbookInvalid(ConfigError):  # noqa: N818 - pairs with InventoryInvalid
    """A runbook cannot be used; `problems` lists every mistake found, in line order."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda problem: problem.line or 0)
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {count - 1} more; see `rampart runbook validate`)" if count > 1 else ""
        super().__init__(f"runbook {path} is not valid{first}{more}")


def load_runbook(path: Path) -> Runbook:
    """Read and check one runbook file; raises `RunbookInvalid` with every problem."""
    problems: list[Problem] = []
    loaded = read_yaml(path, problems)
    if loaded is None or problems:
        raise RunbookInvalid(path, problems)
    where = Location(path, 1, "", loaded.data)
    if not isinstance(loaded.data, LineMap):
        raise RunbookInvalid(
            path,
            [where.problem(f"expected a mapping (a runbook), got {describe_value(loaded.data)}")],
        )
    variables = _variables(where.field("vars"), problems)
    document = LineMap(loaded.data.line)
    for key, value in loaded.data.items():
        if key != "vars":
            document[key] = value
            document.key_lines[key] = loaded.data.key_lines[key]
    conformer = Conformer()
    values = conformer.conform(RUNBOOK, Location(path, 1, "", document))
    problems.extend(conformer.problems)
    if values is not INVALID:
        problems.extend(_cross_checks(values, where))
        problems.extend(_template_problems(values, variables, where))
    if values is not INVALID and values["id"] != path.stem:
        problems.append(where.field("id").problem(f"must match the file name ({path.stem})"))
    if problems or values is INVALID:
        raise RunbookInvalid(path, problems)
    digest = hashlib.sha256(loaded.text.encode("utf-8")).hexdigest()
    return Runbook(**values, vars=variables, file=path, digest=digest)


def runbook_files(directory: Path) -> list[Path]:
    """The runbook files of a directory, sorted by name."""
    try:
        if not directory.is_dir():
            raise ConfigError(f"{directory}: not a directory of runbooks")
        return sorted(
            path
            for path in directory.iterdir()
            if path.suffix in RUNBOOK_SUFFIXES and not path.name.startswith(".") and path.is_file()
        )
    except OSError as error:
        raise ConfigError(
            f"{directory}: cannot list the runbooks: {describe_os_error(error)}"
        ) from None


def find_runbook(directory: Path, name: str) -> Path:
    """The file of runbook `name` (an id in `directory`, or a path to a file)."""
    as_path = Path(name)
    if as_path.suffix in RUNBOOK_SUFFIXES and as_path.is_file():
        return as_path
    for suffix in RUNBOOK_SUFFIXES:
        candidate = directory / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(path.stem for path in runbook_files(directory)) or "none"
    raise ConfigError(f"no runbook '{name}' in {directory} (known: {known})")


def _variables(where: Location, problems: list[Problem]) -> dict[str, str | int | float | bool]:
    """`vars`: names (like step names) mapped to plain values that templates may use."""
    if where.node is None:
        return {}
    if not isinstance(where.node, dict):
        problems.append(
            where.problem(
                f"expected a mapping of names to values, got {describe_value(where.node)}"
            )
        )
        return {}
    variables: dict[str, str | int | float | bool] = {}
    conformer = Conformer()
    for name, value in where.node.items():
        place = where.field(name)
        if conformer.conform(NAME, Location(where.file, place.line, place.key, name)) is INVALID:
            continue
        if not isinstance(value, str | int | float | bool):
            problems.append(
                place.problem(f"expected text, a number or true/false, got {describe_value(value)}")
            )
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(place.problem(f"must be a finite number, not {value}"))
            continue
        variables[str(name)] = value
    problems.extend(conformer.problems)
    return variables


def _cross_checks(values: dict[str, Any], where: Location) -> list[Problem]:
    """Rules across steps: approvals name earlier approval steps, secrets are declared."""
    problems: list[Problem] = []
    steps_where = where.field("steps")
    gates: set[str] = set()
    declared = set(values["secrets"])
    for index, step in enumerate(values["steps"]):
        step_where = steps_where.item(index)
        if step.approval is not None and step.approval not in gates:
            problems.append(
                step_where.field("approval").problem(
                    f"no earlier approval step named '{step.approval}'"
                )
            )
        if step.kind == "approval":
            gates.add(step.name)
        for place, used in _secret_uses(step, step_where):
            for name in used:
                if name not in declared:
                    problems.append(place.problem(f"secret {name} is not declared under secrets"))
    for name, secret in values["secrets"].items():
        secret_where = where.field("secrets").field(name)
        if (secret.env is None) == (secret.vault_file is None):
            problems.append(secret_where.problem("give either env or vault_file (with vault_key)"))
        elif secret.vault_file is not None and secret.vault_key is None:
            problems.append(secret_where.field("vault_key").problem("required with vault_file"))
    return problems


class _DeclaredOnly(RunContext):
    """Renders templates with the runbook's declared variables only: no inventory, and
    `address(host)` answers the host's name. A template that names anything else fails."""

    def address(self, host: str) -> str:
        return str(host)


def _template_problems(
    values: dict[str, Any], variables: dict[str, str | int | float | bool], where: Location
) -> list[Problem]:
    """Every template of every check and step rendered in drill and incident mode."""
    problems: list[Problem] = []
    empty = Inventory(Path(), {}, {}, {}, {}, {}, {}, ())
    given = {**variables, "run_id": "<run id>"}  # the engine gives every run its run_id
    contexts = [_DeclaredOnly(empty, given, drill=drill) for drill in (True, False)]
    for section in ("steady_state", "steps", "exit_criteria"):
        for index, step in enumerate(values[section]):
            for context in contexts:
                try:
                    context.render(step)
                except ConfigError as error:
                    reason = error.__cause__ or error  # jinja2's own words, without the text
                    problems.append(
                        where.field(section)
                        .item(index)
                        .problem(f"step {step.name}: a template fails: {reason}")
                    )
                    break
    return problems


def _secret_uses(step: Step, where: Location) -> list[tuple[Location, tuple[str, ...]]]:
    uses = [(where.field("secrets"), step.secrets)]
    if step.rollback is not None:
        uses.append((where.field("rollback").field("secrets"), step.rollback.secrets))
    return uses
