"""The data sets a host holds, each with its class policy and database checks (REG-4.1)."""

from __future__ import annotations

from rampart.inventory import Inventory, Retention, Service
from rampart.plan.addresses import hosts_of
from rampart.plan.model import DatabasePlan, DataSetPlan


def data_sets(inventory: Inventory, services: list[Service]) -> tuple[DataSetPlan, ...]:
    """The data sets of `services` by name; a database carries the services' queries of it.

    A name the catalog lacks (possible only in a role's own `backup_services`) is skipped."""
    queries = [
        (check.database, check.query)
        for service in services
        for check in service.checks
        if check.type == "postgresql"
    ]
    found = []
    names = {name for service in services for name in service.data_sets}
    for name in sorted(names & set(inventory.data_sets)):
        data_set = inventory.data_sets[name]
        database = None
        if data_set.database is not None:
            checks = tuple(str(query) for base, query in queries if base == data_set.database.name)
            database = DatabasePlan(data_set.database.engine, data_set.database.name, checks)
        policy = inventory.data_classes[data_set.data_class]
        found.append(DataSetPlan(name, data_set.data_class, data_set.paths, database, policy))
    return tuple(found)


def held_by(inventory: Inventory, host: str) -> tuple[DataSetPlan, ...]:
    """The data sets of the catalog services on `host`."""
    services = [s for s in inventory.services.values() if host in hosts_of(inventory, s.hosts)]
    return data_sets(inventory, services)


def retention(plans: tuple[DataSetPlan, ...]) -> dict[str, Retention]:
    """The retention of each class among the data sets that are backed up, by class name."""
    backed_up = [plan for plan in plans if plan.policy.backup]
    return {plan.data_class: plan.policy.retention for plan in sorted(backed_up, key=_by_class)}


def _by_class(plan: DataSetPlan) -> str:
    return plan.data_class
