"""Put a role's catalog variables in place of the inventory's, checked like the inventory.

A role's interface variables (`firewall_services`, `access_people`, ...) default to the
catalog and may be set per play or with `-e`; Ansible has rendered their templates. The
values are conformed with the inventory's schema, so they become the same typed records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from rampart.inventory import Inventory
from rampart.inventory.load import CATALOG_NAMES
from rampart.inventory.schema import DEFAULT_DATA_CLASSES, PERSON, VARIABLES
from rampart.inventory.validate import Conformer
from rampart.plan import firewall
from rampart.plan.model import PlanError
from rampart.schema import yaml_lines
from rampart.schema.problems import Location

SOURCE = Path("role variables")
FIELDS = {
    "rampart_services": "services",
    "rampart_data_sets": "data_sets",
    "rampart_data_classes": "data_classes",
    "rampart_posts": "posts",
    "rampart_people": "people",
    "rampart_platform_ports": "platform_ports",
    "rampart_admin_sources": "admin_sources",
}
"""Each catalog variable a role can pass, and the `Inventory` field it replaces."""


def with_role_values(inventory: Inventory, values: Mapping[str, Any]) -> Inventory:
    """The inventory with `values` (catalog variable -> value) in place; PlanError if wrong."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        known = ", ".join(name for name in CATALOG_NAMES if name in FIELDS)
        raise PlanError(f"not a catalog variable: {', '.join(unknown)} (known: {known})")
    if "rampart_services" in values or "rampart_platform_ports" in values:
        firewall.check_names(
            inventory, values.get("rampart_services"), values.get("rampart_platform_ports")
        )
    conformer = Conformer()
    kinds = {field.name: field.kind for field in VARIABLES}
    changes: dict[str, Any] = {}
    for name, given in values.items():
        value = _lines(given)
        if name == "rampart_people" and isinstance(value, list):
            changes[FIELDS[name]] = tuple(
                _person(conformer, index, item) for index, item in enumerate(value)
            )
        else:
            changes[FIELDS[name]] = conformer.conform(
                kinds[name], Location(SOURCE, None, name, value)
            )
    if conformer.problems:
        lines = [replace(problem, line=None) for problem in conformer.problems]
        raise PlanError("\n".join(str(problem) for problem in lines))
    if "data_classes" in changes:
        changes["data_classes"] = {**DEFAULT_DATA_CLASSES, **changes["data_classes"]}
    return replace(inventory, **changes)


def _lines(value: Any) -> Any:
    """The value as the schema walks it (mappings and lists as read from YAML), plain types only.

    JSON is YAML, so a JSON dump read back by the inventory's reader does it; times become
    ISO text, which the schema reads back."""
    return yaml_lines.load(json.dumps(value, default=str))


def _person(conformer: Conformer, index: int, value: Any) -> Any:
    """One person, placed by username so a problem names who it is about."""
    username = value.get("username") if isinstance(value, dict) else None
    key = f"rampart_people.{username}" if isinstance(username, str) else f"rampart_people[{index}]"
    return conformer.conform(PERSON, Location(SOURCE, None, key, value))
