"""The plan: one typed projection of the validated inventory per host (docs/plan.md).

`host_plan` says what a host gets: its ports and who may reach them, its accounts, its data
sets with their class policy, its probes and scrape jobs. Roles (through the
`rampart_plan` lookup), the access review, the prober and Prometheus read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rampart.lazy import lazy_exports

if TYPE_CHECKING:
    from rampart.plan.build import host_plan, host_plans
    from rampart.plan.data import backup_config, plan_data
    from rampart.plan.model import (
        Account,
        DatabasePlan,
        DataSetPlan,
        HostPlan,
        PlanError,
        PortRule,
        Probe,
        ScrapeJob,
        ScrapeTarget,
    )

# Imported on first use, so `rampart --help` and the commands that never read an
# inventory do not pay for the whole package (PEP 562).
_WHERE = {
    "Account": "rampart.plan.model",
    "DataSetPlan": "rampart.plan.model",
    "DatabasePlan": "rampart.plan.model",
    "HostPlan": "rampart.plan.model",
    "PlanError": "rampart.plan.model",
    "PortRule": "rampart.plan.model",
    "Probe": "rampart.plan.model",
    "ScrapeJob": "rampart.plan.model",
    "ScrapeTarget": "rampart.plan.model",
    "backup_config": "rampart.plan.data",
    "host_plan": "rampart.plan.build",
    "host_plans": "rampart.plan.build",
    "plan_data": "rampart.plan.data",
}

__all__ = [
    "Account",
    "DataSetPlan",
    "DatabasePlan",
    "HostPlan",
    "PlanError",
    "PortRule",
    "Probe",
    "ScrapeJob",
    "ScrapeTarget",
    "backup_config",
    "host_plan",
    "host_plans",
    "plan_data",
]


__getattr__ = lazy_exports(__name__, _WHERE, globals())
