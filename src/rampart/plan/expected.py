"""The series the plan says must exist: every host and data class the inventory backs up
(and so drills), published by the monitoring host as `rampart_backup_expected_info`, so a
rule can tell a host that never backed up (its metric absent) from one with no backups
to make (REG-4.1.1, REG-4.2.5)."""

from __future__ import annotations

from rampart.inventory import Inventory
from rampart.plan.build import host_plans
from rampart.textfile import Family, render

EXPECTED_TEXTFILE = "rampart_expected.prom"


def expected_families(inventory: Inventory) -> list[Family]:
    """`rampart_backup_expected_info{host, data_class} 1` for each host and backed-up class."""
    expected = Family(
        "rampart_backup_expected_info",
        "1 for each host and data class the plan backs up and restore-drills.",
    )
    for host, plan in host_plans(inventory).items():
        for data_class in sorted({data_set.data_class for data_set in plan.backed_up}):
            expected.add(1, host=host, data_class=data_class)
    return [expected]


def expected_text(inventory: Inventory) -> str:
    """The textfile the monitoring host's node_exporter serves (empty of samples when
    nothing is backed up, so the rules expect nothing)."""
    families = expected_families(inventory)
    text = render(families)
    if not families[0].samples:
        return "# The plan backs up no data set: no backup series are expected.\n"
    return text
