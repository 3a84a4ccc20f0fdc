"""Read hosts.yml, Ansible's YAML inventory: groups with `hosts`, `children` and `vars`.

Like Ansible, groups at the top level other than `all` are children of `all`, and hosts
in no group but `all` are in `ungrouped`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rampart.inventory.files import Variable, YamlFile, variables_of
from rampart.schema.problems import Location, Problem, describe_value, did_you_mean

GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
GROUP_KEYS = ("hosts", "children", "vars")


@dataclass
class GroupEntry:
    """A group as hosts.yml writes it: its own hosts, its children and its variables."""

    where: Location
    hosts: list[str] = field(default_factory=list)
    children: dict[str, Location] = field(default_factory=dict)
    variables: list[Variable] = field(default_factory=list)


@dataclass
class HostEntry:
    """A host as hosts.yml writes it (maybe in several groups), with its inline variables."""

    where: Location
    variables: list[Variable] = field(default_factory=list)


@dataclass
class HostsLayout:
    """Every group and host of hosts.yml, including the implicit `all` and `ungrouped`."""

    groups: dict[str, GroupEntry]
    hosts: dict[str, HostEntry]

    def members(self, group: str) -> set[str]:
        """Every host in a group, directly or through its children."""
        entry = self.groups[group]
        found = set(entry.hosts)
        for child in entry.children:
            found |= self.members(child)
        return found

    def depth(self, group: str) -> int:
        """How far a group is below `all`; Ansible applies deeper groups' variables later."""
        parents = [name for name, entry in self.groups.items() if group in entry.children]
        return 1 + max((self.depth(parent) for parent in parents), default=-1)

    def groups_of(self, host: str) -> list[str]:
        """Every group a host is in, `all` and `ungrouped` included."""
        return sorted(name for name in self.groups if host in self.members(name))


def read_hosts(loaded: YamlFile, problems: list[Problem]) -> HostsLayout | None:
    """The layout hosts.yml describes, or None when it has none; mistakes go to `problems`."""
    where = Location(loaded.path, 1, "", loaded.data)
    if loaded.encrypted:
        problems.append(where.problem("is vault-encrypted; Rampart needs to read it"))
        return None
    if not isinstance(loaded.data, dict) or not loaded.data:
        problems.append(
            where.problem(
                f"expected a mapping of groups starting with `all:`, got"
                f" {describe_value(loaded.data)}"
            )
        )
        return None
    layout = HostsLayout(groups={"all": GroupEntry(where)}, hosts={})
    for name in loaded.data:
        parent = None if name == "all" else "all"
        _read_group(layout, str(name), where.field(name), parent, problems)
    _break_cycles(layout, problems)
    layout.groups.setdefault("ungrouped", GroupEntry(where))
    grouped = set().union(
        *(layout.members(name) for name in layout.groups if name not in ("all", "ungrouped"))
    )
    layout.groups["ungrouped"].hosts.extend(sorted(set(layout.hosts) - grouped))
    layout.groups["all"].children.setdefault("ungrouped", where)
    for host, entry in layout.hosts.items():
        if host in layout.groups:
            problems.append(
                entry.where.problem(f"'{host}' names both a host and a group; rename one")
            )
    return layout


def _read_group(
    layout: HostsLayout, name: str, where: Location, parent: str | None, problems: list[Problem]
) -> None:
    if not GROUP_NAME.fullmatch(name):
        problems.append(
            where.problem(f"'{name}' is not a group name (letters, digits and '_' only)")
        )
        return
    entry = layout.groups.setdefault(name, GroupEntry(where))
    if parent is not None:
        layout.groups[parent].children.setdefault(name, where)
    if where.node is None:
        return
    if not isinstance(where.node, dict):
        problems.append(where.problem("expected a mapping with hosts, children or vars"))
        return
    for key in where.node:
        if key not in GROUP_KEYS:
            hint = did_you_mean(str(key), GROUP_KEYS) or " (a group has hosts, children and vars)"
            problems.append(where.field(key).problem(f"unknown key{hint}"))
    hosts = where.field("hosts")
    if _is_mapping_or_nothing(hosts, problems):
        for host in hosts.node or {}:
            _read_host(layout, entry, str(host), hosts.field(host), problems)
    children = where.field("children")
    if _is_mapping_or_nothing(children, problems):
        for child in children.node or {}:
            _read_group(layout, str(child), children.field(child), name, problems)
    variables = where.field("vars")
    if _is_mapping_or_nothing(variables, problems) and variables.node:
        entry.variables.extend(variables_of(variables, problems))


def _read_host(
    layout: HostsLayout, group: GroupEntry, name: str, where: Location, problems: list[Problem]
) -> None:
    if "[" in name and ":" in name:
        problems.append(where.problem("host ranges are not supported; list each host"))
        return
    if not HOST_NAME.fullmatch(name):
        problems.append(
            where.problem(f"'{name}' is not a host name (letters, digits, '.', '-' and '_')")
        )
        return
    host = layout.hosts.setdefault(name, HostEntry(where))
    if name not in group.hosts:
        group.hosts.append(name)
    if _is_mapping_or_nothing(where, problems) and where.node:
        host.variables.extend(variables_of(where, problems))


def _is_mapping_or_nothing(where: Location, problems: list[Problem]) -> bool:
    if where.node is None or isinstance(where.node, dict):
        return True
    problems.append(where.problem(f"expected a mapping, got {describe_value(where.node)}"))
    return False


def _break_cycles(layout: HostsLayout, problems: list[Problem]) -> None:
    """Report a group that contains itself through its children, and cut that link."""
    finished: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        for child, where in list(layout.groups[name].children.items()):
            if child in path:
                loop = " > ".join([*path[path.index(child) :], child])
                problems.append(where.problem(f"group '{child}' would contain itself: {loop}"))
                del layout.groups[name].children[child]
            elif child not in finished:
                visit(child, [*path, child])
        finished.add(name)

    for name in list(layout.groups):
        if name not in finished:
            visit(name, [name])
