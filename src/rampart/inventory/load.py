"""Load an inventory directory: read every file, check everything, build the model.

All problems are collected first and raised together as `InventoryInvalid`, so one run
shows every mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rampart.errors import ConfigError
from rampart.inventory.files import Variable, VarsFile, read_vars_files, read_yaml
from rampart.inventory.hosts import HostsLayout, read_hosts
from rampart.inventory.model import Group, Host, Inventory
from rampart.inventory.schema import (
    DATA_SET,
    DEFAULT_DATA_CLASSES,
    HOST_OR_GROUP,
    POST,
    VARIABLES,
)
from rampart.inventory.validate import (
    INVALID,
    Conformer,
    check_alerting_reaches_people,
    check_data_sets_used,
    check_keys_not_shared,
    check_references,
)
from rampart.schema.problems import Problem, did_you_mean

CATALOG_NAMES = tuple(field.name for field in VARIABLES)
TYPO_CUTOFF = 0.85
"""How alike a name must be to a catalog variable's to be reported as its misspelling;
other variables, `rampart_lab` included, belong to the roles that read them."""


class InventoryInvalid(ConfigError):  # noqa: N818 - the name callers rely on
    """The inventory cannot be used; `problems` lists every mistake found, in file order."""

    def __init__(self, directory: Path, problems: Sequence[Problem]) -> None:
        self.directory = directory
        self.problems = list(problems)
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {count - 1} more; see `rampart inventory validate`)" if count > 1 else ""
        super().__init__(f"inventory {directory} is not valid{first}{more}")


def load_inventory(directory: Path) -> Inventory:
    """Read and check the inventory in `directory`; raises `InventoryInvalid` with every problem."""
    problems: list[Problem] = []
    if not directory.is_dir():
        message = "not a directory; an inventory is a directory with hosts.yml and group_vars/"
        raise InventoryInvalid(directory, [Problem(directory, None, "", message)])
    hosts_file = directory / "hosts.yml"
    layout = None
    if not hosts_file.exists() and _is_the_lab(directory):
        message = "missing: the lab writes it; run `rampart lab up` first"
        raise InventoryInvalid(directory, [Problem(hosts_file, None, "", message)])
    if not hosts_file.exists():
        problems.append(Problem(hosts_file, None, "", "missing: every inventory needs hosts.yml"))
    elif (loaded := read_yaml(hosts_file, problems)) is not None:
        layout = read_hosts(loaded, problems)
    group_files = read_vars_files(directory / "group_vars", problems)
    group_vars_unread = any(
        directory / "group_vars" in (problem.file, *problem.file.parents) and not problem.key
        for problem in problems
    )  # then a catalog variable may well be defined in the file that could not be read
    host_files = read_vars_files(directory / "host_vars", problems)
    causes = list(problems)  # files that cannot be read or parsed: printed first
    problems = []
    if layout is not None:
        problems.extend(_unknown_owners(group_files, layout.groups, "group"))
        problems.extend(_unknown_owners(host_files, layout.hosts, "host"))

    definitions = _catalog_definitions(layout, group_files, host_files, problems)
    conformer = Conformer()
    catalog: dict[str, Any] = {}
    for field in VARIABLES:
        variable = definitions.get(field.name)
        if variable is not None:
            catalog[field.name] = conformer.conform(field.kind, variable.where)
        elif field.required and not group_vars_unread:
            problems.append(_missing(directory, field.name, group_files))
    problems.extend(conformer.problems)

    known: dict[str, Iterable[str]] = {}
    if layout is not None:
        known[HOST_OR_GROUP] = [*layout.hosts, *layout.groups]
    for target, name in ((DATA_SET, "rampart_data_sets"), (POST, "rampart_posts")):
        if name in definitions and isinstance(definitions[name].value, dict):
            known[target] = [str(key) for key in definitions[name].value]
    problems.extend(check_references(conformer.references, known))
    if "rampart_data_sets" in definitions:
        used = check_data_sets_used(definitions["rampart_data_sets"].where, conformer.references)
        problems.extend(used)
    if "rampart_people" in definitions:
        problems.extend(check_keys_not_shared(definitions["rampart_people"].where))

    needed = ("rampart_alerting", "rampart_services", "rampart_posts", "rampart_people")
    if all(name in catalog for name in needed) and INVALID not in catalog.values():
        problems.extend(check_alerting_reaches_people(definitions, catalog))

    if causes or problems or layout is None or INVALID in catalog.values():
        raise InventoryInvalid(directory, _in_file_order(causes) + _in_file_order(problems))
    return Inventory(
        directory=directory,
        hosts=_hosts(layout, group_files, host_files),
        groups=_groups(layout, group_files),
        services=catalog["rampart_services"],
        data_sets=catalog["rampart_data_sets"],
        data_classes={**DEFAULT_DATA_CLASSES, **catalog.get("rampart_data_classes", {})},
        posts=catalog["rampart_posts"],
        people=catalog["rampart_people"],
        platform_ports=catalog.get("rampart_platform_ports", ()),
        admin_sources=catalog.get("rampart_admin_sources", ()),
        time_zone=catalog.get("rampart_time_zone", "UTC"),
        long_term_store=catalog.get("rampart_long_term_store"),
        alerting=catalog.get("rampart_alerting"),
        antivirus=catalog.get("rampart_antivirus"),
        storage=catalog.get("rampart_storage"),
        encryption=catalog.get("rampart_encryption"),
    )


def _is_the_lab(directory: Path) -> bool:
    """Whether this is a checkout's lab inventory, which `rampart lab up` fills in (its
    hosts.yml and the generated group_vars): without it nothing else is worth saying."""
    return directory.name == "lab" and (directory.parent.parent / "ansible.cfg").is_file()


def _unknown_owners(files: list[VarsFile], known: Iterable[str], kind: str) -> Iterable[Problem]:
    """group_vars/<name> for a group hosts.yml lacks is ignored by Ansible: likely a typo."""
    names = set(known)
    for vars_file in files:
        if vars_file.owner not in names:
            yield Problem(
                vars_file.path,
                None,
                "",
                f"no {kind} named '{vars_file.owner}' in hosts.yml, so Ansible ignores this file"
                f"{did_you_mean(vars_file.owner, names)}",
            )


def _catalog_definitions(
    layout: HostsLayout | None,
    group_files: list[VarsFile],
    host_files: list[VarsFile],
    problems: list[Problem],
) -> dict[str, Variable]:
    """The catalog variables, found in group `all` only; misplaced or misspelt ones are problems."""
    in_all = [v for file in group_files if file.owner == "all" for v in file.variables]
    if layout is not None:
        in_all = layout.groups["all"].variables + in_all
    elsewhere = [
        variable
        for file in [*group_files, *host_files]
        if file.owner != "all"
        for variable in file.variables
    ]
    if layout is not None:
        for name, group in layout.groups.items():
            if name != "all":
                elsewhere.extend(group.variables)
        for host in layout.hosts.values():
            elsewhere.extend(host.variables)

    definitions: dict[str, Variable] = {}
    for variable in in_all:
        if variable.name in definitions:
            first = definitions[variable.name].where
            problems.append(
                variable.where.problem(
                    f"defined twice (also at {first.file}:{first.line}); Ansible keeps only one"
                )
            )
        elif variable.name in CATALOG_NAMES:
            definitions[variable.name] = variable
        elif hint := did_you_mean(variable.name, CATALOG_NAMES, TYPO_CUTOFF):
            problems.append(variable.where.problem(f"unknown catalog variable{hint}"))
    for variable in elsewhere:
        if variable.name in CATALOG_NAMES:
            problems.append(
                variable.where.problem(
                    "belongs in group_vars/all/: the catalog is the same for every host"
                )
            )
        elif hint := did_you_mean(variable.name, CATALOG_NAMES, TYPO_CUTOFF):
            problems.append(variable.where.problem(f"unknown catalog variable{hint}"))
    return definitions


def _missing(directory: Path, name: str, group_files: list[VarsFile]) -> Problem:
    encrypted = [file for file in group_files if file.owner == "all" and file.encrypted]
    hint = " (vault-encrypted files are not read; keep the catalog plain)" if encrypted else ""
    return Problem(
        directory / "group_vars" / "all", None, name, f"not defined; define it here{hint}"
    )


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (str(problem.file), problem.line or 0))


def _merged(variables: Iterable[Variable]) -> dict[str, Any]:
    """Later variables win, as in Ansible; the catalog is left out (it is on the Inventory)."""
    return {v.name: v.value for v in variables if v.name not in CATALOG_NAMES}


def _group_variables(layout: HostsLayout, group_files: list[VarsFile], name: str) -> list[Variable]:
    """A group's variables in Ansible's order: hosts.yml first, then group_vars files."""
    from_files = [v for file in group_files if file.owner == name for v in file.variables]
    return layout.groups[name].variables + from_files


def _groups(layout: HostsLayout, group_files: list[VarsFile]) -> dict[str, Group]:
    return {
        name: Group(
            name=name,
            hosts=tuple(sorted(layout.members(name))),
            children=tuple(entry.children),
            vars=_merged(_group_variables(layout, group_files, name)),
        )
        for name, entry in sorted(layout.groups.items())
    }


def _hosts(
    layout: HostsLayout, group_files: list[VarsFile], host_files: list[VarsFile]
) -> dict[str, Host]:
    """Each host with its variables merged as Ansible does: groups by depth, then the host."""
    hosts = {}
    for name, entry in sorted(layout.hosts.items()):
        groups = layout.groups_of(name)
        variables: list[Variable] = []
        for group in sorted(groups, key=lambda group: (layout.depth(group), group)):
            variables.extend(_group_variables(layout, group_files, group))
        variables.extend(entry.variables)
        variables.extend(v for file in host_files if file.owner == name for v in file.variables)
        shown_groups = tuple(group for group in groups if group not in ("all", "ungrouped"))
        hosts[name] = Host(name=name, groups=shown_groups, vars=_merged(variables))
    return hosts
