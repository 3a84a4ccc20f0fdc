"""The plan: one typed projection of the validated inventory per host (docs/plan.md).

`host_plan` says what a host gets: its ports and who may reach them, its accounts, its data
sets with their class policy, its probes and scrape jobs. Roles (through the
`rampart_plan` lookup), the access review, the prober and Prometheus read it.
"""

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
