"""Check YAML values against the schema, collecting every problem, and build the model.

The walk goes on after a mistake, so one run reports all of them; a record with a mistake
is not built (`INVALID`) and the rules across its keys do not run, to avoid follow-on noise.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rampart.inventory.schema import DATA_SET, mail_address
from rampart.schema.kinds import (
    Boolean,
    Choice,
    Integer,
    Kind,
    ListOf,
    MapOf,
    Number,
    Record,
    Text,
    Timestamp,
    is_template,
)
from rampart.schema.problems import Location, Problem, describe_value, did_you_mean
from rampart.schema.yaml_lines import LineList, LineMap, VaultText


class Invalid:
    """The one value a YAML value that failed its checks becomes."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()

TIME_EXAMPLE = "e.g. 2025-03-01T22:00:00+01:00 or 2025-03-01T21:00:00Z"


@dataclass(frozen=True)
class Reference:
    """A name in the catalog that must name something else: a host or group, a data set."""

    where: Location
    target: str
    name: str


def _shown(value: int | float) -> str:
    """A number as a message shows it: a 3,000-digit one is cut short."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"


class Conformer:
    """Walks YAML values along the schema; keeps the problems and references it finds."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.references: list[Reference] = []

    def conform(self, kind: Kind, where: Location) -> Any:
        """The model value for the YAML value at `where`, or INVALID after reporting why."""
        if isinstance(kind, Text):
            return self._text(kind, where)
        if isinstance(kind, Choice):
            return self._choice(kind, where)
        if isinstance(kind, Integer):
            return self._integer(kind, where)
        if isinstance(kind, Number):
            return self._number(kind, where)
        if isinstance(kind, Boolean):
            if isinstance(where.node, bool):
                return where.node
            return self._expected("true or false", where)
        if isinstance(kind, Timestamp):
            return self._timestamp(where)
        if isinstance(kind, ListOf):
            return self._list(kind, where)
        if isinstance(kind, Record):
            return self._record(kind, where, {})
        return self._map(kind, where)

    def _fail(self, where: Location, message: str) -> Any:
        self.problems.append(where.problem(message))
        return INVALID

    def _expected(self, what: str, where: Location) -> Any:
        hint = "; templates are accepted only in text" if is_template(where.node) else ""
        return self._fail(where, f"expected {what}, got {describe_value(where.node)}{hint}")

    def _text(self, kind: Text, where: Location) -> Any:
        value = where.node
        if isinstance(value, VaultText) or is_template(value):
            return str(value)
        if not isinstance(value, str):
            return self._expected("text", where)
        if not value.strip():
            return self._fail(where, "must not be empty")
        if kind.pattern and not re.fullmatch(kind.pattern, value):
            return self._fail(where, f"'{value}' is not {kind.pattern_hint}")
        message = kind.check(value) if kind.check else None
        if message:
            return self._fail(where, message)
        if kind.refers_to and not (kind.addresses_allowed and is_address(value)):
            self.references.append(Reference(where, kind.refers_to, value))
        return value

    def _choice(self, kind: Choice, where: Location) -> Any:
        value = where.node
        words = ", ".join(kind.words)
        if not isinstance(value, str):
            return self._expected(f"one of: {words}", where)
        if value not in kind.words:
            return self._fail(
                where, f"'{value}' is not one of: {words}{did_you_mean(value, kind.words)}"
            )
        return value

    def _integer(self, kind: Integer, where: Location) -> Any:
        value = where.node
        if not isinstance(value, int) or isinstance(value, bool):
            return self._expected("a whole number", where)
        too_small = kind.minimum is not None and value < kind.minimum
        too_large = kind.maximum is not None and value > kind.maximum
        if too_small or too_large:
            if kind.maximum is None:
                return self._fail(where, f"must be at least {kind.minimum}, not {_shown(value)}")
            return self._fail(
                where, f"must be from {kind.minimum} to {kind.maximum}, not {_shown(value)}"
            )
        return value

    def _number(self, kind: Number, where: Location) -> Any:
        value = where.node
        if not isinstance(value, int | float) or isinstance(value, bool):
            return self._expected("a number", where)
        if (isinstance(value, int) and value.bit_length() > 1000) or not math.isfinite(value):
            return self._fail(where, f"must be a finite number, not {_shown(value)}")
        if kind.above is not None and value <= kind.above:
            limits = f"greater than {kind.above:g}"
            if kind.below is not None:
                limits += f" and less than {kind.below:g}"
            return self._fail(where, f"must be {limits}, not {value}")
        if kind.below is not None and value >= kind.below:
            return self._fail(where, f"must be less than {kind.below:g}, not {value}")
        return float(value)

    def _timestamp(self, where: Location) -> Any:
        value = where.node
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return self._fail(
                    where, f"'{where.node}' is not an ISO-8601 date and time, {TIME_EXAMPLE}"
                )
        if not isinstance(value, date):
            return self._expected("an ISO-8601 date and time", where)
        if not isinstance(value, datetime):
            return self._fail(where, f"give a time and a time zone too, {TIME_EXAMPLE}")
        if value.tzinfo is None:
            return self._fail(where, f"give a time zone, {TIME_EXAMPLE}")
        return value

    def _list(self, kind: ListOf, where: Location) -> Any:
        if not isinstance(where.node, list):
            return self._expected("a list", where)
        if len(where.node) < kind.min_items:
            return self._fail(where, "must not be empty")
        items = [self.conform(kind.item, where.item(index)) for index in range(len(where.node))]
        if kind.unique_by and isinstance(kind.item, Record):
            self._check_unique(kind.item, kind.unique_by, where)
        if any(item is INVALID for item in items):
            return INVALID
        return tuple(items)

    def _check_unique(self, record: Record, names: tuple[str, ...], where: Location) -> None:
        """No two items share the fields `names` (as written, or their defaults)."""
        defaults = {field.name: field.default for field in record.fields}
        first_lines: dict[tuple[Any, ...], int | None] = {}
        for index in range(len(where.node)):
            item_where = where.item(index)
            identity = tuple(item_where.field(name).node or defaults[name] for name in names)
            if not all(isinstance(part, str | int) for part in identity):
                continue
            if identity in first_lines:
                shown = "/".join(str(part) for part in identity)
                self.problems.append(
                    item_where.field(names[0]).problem(
                        f"{' and '.join(names)} {shown} is already used at line"
                        f" {first_lines[identity]}"
                    )
                )
            else:
                first_lines[identity] = item_where.line

    def _record(self, kind: Record, where: Location, values: dict[str, Any]) -> Any:
        node = where.node
        names = [field.name for field in kind.fields]
        if not isinstance(node, dict):
            return self._expected(f"a mapping with the keys {', '.join(names)}", where)
        for key in node:
            if key not in names:
                hint = did_you_mean(str(key), names) or f" (known keys: {', '.join(names)})"
                self.problems.append(where.field(key).problem(f"unknown key{hint}"))
        for field in kind.fields:
            field_where = where.field(field.name)
            if field_where.node is not None:
                value = self.conform(field.kind, field_where)
            elif not field.required:
                value = field.default
            elif field.name in node:
                value = self._fail(field_where, "has no value; it is required")
            else:
                value = self._fail(field_where, "required key is missing")
            values[field.attribute or field.name] = value
        if any(value is INVALID for value in values.values()):
            return INVALID
        problems_before = len(self.problems)
        for rule in kind.rules:
            rule(values, where, self.problems)
        if len(self.problems) > problems_before:
            return INVALID
        return kind.model(**values)

    def _map(self, kind: MapOf, where: Location) -> Any:
        if not isinstance(where.node, dict):
            return self._expected(f"a mapping of {kind.key_label} to its settings", where)
        built: dict[str, Any] = {}
        for key in where.node:
            entry_where = where.field(key)
            key_where = Location(where.file, entry_where.line, entry_where.key, key)
            if self.conform(kind.key, key_where) is INVALID:
                built[str(key)] = INVALID
                continue
            built[key] = self._record(kind.value, entry_where, {kind.key_attribute: key})
        if any(value is INVALID for value in built.values()):
            return INVALID
        return built


def is_address(value: str) -> bool:
    """Tell whether text is an IPv4/IPv6 address or network in CIDR form."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def check_references(
    references: Iterable[Reference], known: Mapping[str, Iterable[str]]
) -> list[Problem]:
    """Every name refers to something that exists; targets missing from `known` are skipped."""
    problems = []
    for reference in references:
        if reference.target not in known:
            continue
        names = set(known[reference.target])
        if reference.name not in names:
            problems.append(
                reference.where.problem(
                    f"no {reference.target} named '{reference.name}'"
                    f"{did_you_mean(reference.name, names)}"
                )
            )
    return problems


def check_data_sets_used(data_sets: Location, references: Iterable[Reference]) -> list[Problem]:
    """A data set no service holds is backed up and protected by nobody: say so."""
    if not isinstance(data_sets.node, LineMap):
        return []
    used = {reference.name for reference in references if reference.target == DATA_SET}
    return [
        data_sets.field(name).problem("no service lists this data set in its data_sets")
        for name in data_sets.node
        if name not in used
    ]


def check_keys_not_shared(people: Location) -> list[Problem]:
    """Two people with one key cannot be told apart in the access review (REG-4.2.1)."""
    if not isinstance(people.node, LineList):
        return []
    owners: dict[str, tuple[str, int | None]] = {}
    problems = []
    for index, person in enumerate(people.node):
        if not isinstance(person, dict):
            continue
        username = str(person.get("username"))
        keys = people.item(index).field("ssh_keys")
        if not isinstance(keys.node, list):
            continue
        for key_index, key in enumerate(keys.node):
            if not isinstance(key, str) or len(key.split()) < 2:
                continue
            key_where = keys.item(key_index)
            material = " ".join(key.split()[:2])
            if material in owners and owners[material][0] != username:
                owner, line = owners[material]
                problems.append(
                    key_where.problem(
                        f"the same key as {owner}'s at line {line}; keys are personal"
                    )
                )
            owners.setdefault(material, (username, key_where.line))
    return problems


def check_alerting_reaches_people(
    definitions: Mapping[str, Any], catalog: Mapping[str, Any]
) -> list[Problem]:
    """With rampart_alerting, every service owner has a mail address and someone is on call.

    `definitions` are the catalog variables as written (`.where`), `catalog` their models."""
    problems = []
    services = definitions["rampart_services"].where
    for service_id, service in catalog["rampart_services"].items():
        if not is_template(service.owner) and not mail_address(service.owner):
            problems.append(
                services.field(service_id)
                .field("owner")
                .problem(
                    f"'{service.owner}' holds no mail address, and rampart_alerting mails each"
                    " service's alerts to its owner (like HR <hr@example.com>)"
                )
            )
    posts = catalog["rampart_posts"]
    on_call = [
        person
        for person in catalog["rampart_people"]
        if person.active and person.post in posts and posts[person.post].on_call
    ]
    if not on_call:
        problems.append(
            definitions["rampart_alerting"].where.problem(
                "no active person holds a post with on_call: true, so host alerts would reach"
                " nobody; mark a post in rampart_posts as on call"
            )
        )
    return problems
