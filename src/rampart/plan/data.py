"""The plan as plain JSON-ready data: what Ansible, `rampart plan --json` and the goldens read."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rampart.plan.model import HostPlan


def backup_config(plan: HostPlan) -> dict[str, Any]:
    """The data sets and retention part of the backup runner's configuration (REG-4.1.1)."""
    entries = []
    for data_set in plan.backed_up:
        entry: dict[str, Any] = {
            "name": data_set.name,
            "class": data_set.data_class,
            "paths": list(data_set.paths),
        }
        if data_set.database is not None:
            entry["database"] = asdict(data_set.database)
        entries.append(entry)
    retention = {name: asdict(policy) for name, policy in plan.retention.items()}
    return json_ready({"data_sets": entries, "retention": retention})


def plan_data(plan: HostPlan) -> dict[str, Any]:
    """Every field of the plan, plus the backup runner's part as `backup`."""
    return json_ready({**asdict(plan), "backup": backup_config(plan)})


def json_ready(value: dict[str, Any]) -> dict[str, Any]:
    """Tuples as lists and keys as text, exactly as JSON gives them back."""
    loaded: dict[str, Any] = json.loads(json.dumps(value))
    return loaded
