"""`rampart plan HOST`: show what the inventory gives one host, as ops read it or as JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rampart.ansible_config import add_inventory_option, inventory_path

if TYPE_CHECKING:
    from rampart.plan.model import HostPlan


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `rampart plan HOST [--inventory DIR] [--json]`."""
    plan = commands.add_parser("plan", help="show what one host gets from the inventory")
    plan.add_argument("host")
    add_inventory_option(plan)
    plan.add_argument("--json", action="store_true", help="write the whole plan as JSON")
    plan.set_defaults(handler=dispatch)


def dispatch(arguments: argparse.Namespace) -> int:
    """Print the plan of the host the arguments name."""
    from rampart.inventory import load_inventory
    from rampart.plan.build import host_plan
    from rampart.plan.data import plan_data

    plan = host_plan(load_inventory(inventory_path(arguments.inventory)), arguments.host)
    if arguments.json:
        print(json.dumps(plan_data(plan), indent=2, sort_keys=True))
    else:
        print("\n".join(summary(plan)))
    return 0


def summary(plan: HostPlan) -> list[str]:
    """The plan as short lines: ports, SSH, accounts, data sets, probes, scrape jobs."""
    lines = [f"{plan.host} ({plan.address}), groups: {', '.join(plan.groups) or '-'}"]
    lines.append(f"services: {', '.join(plan.services) or '-'}")
    for rule in plan.port_rules:
        clients = "any" if rule.any else ", ".join(rule.sources) or "nobody"
        lines.append(f"open {rule.protocol}/{rule.port} ({rule.name}) to {clients}")
    lines.append(f"ssh from: {', '.join(plan.admin_addresses) or '-'}")
    for account in plan.accounts:
        lines.append(f"login {account.username}{' with sudo' if account.sudo else ''}")
    lines.append(f"revoke: {', '.join(account.username for account in plan.revoked) or '-'}")
    for data_set in plan.data_sets:
        policy = data_set.policy
        backup = "backed up" if policy.backup else "not backed up"
        encrypted = ", encrypted at rest" if policy.encrypt_at_rest else ""
        lines.append(f"data set {data_set.name} ({data_set.data_class}): {backup}{encrypted}")
    for probe in plan.probes:
        lines.append(f"probe {probe.service}/{probe.check.name} ({probe.check.type})")
    for job in plan.scrape_jobs:
        lines.append(f"scrape {job.name}: {', '.join(target.target for target in job.targets)}")
    if plan.long_term_store is not None:
        store = plan.long_term_store
        lines.append(f"remote write to {store.url} as site {store.site}")
    return lines
