"""The series the plan says must exist, published by the monitoring host, so a rule can tell
a host that never did its job (its metric absent) from one with nothing to do: every host
and data class the inventory backs up and so drills, as `rampart_backup_expected_info`
(REG-4.1.1, REG-4.2.5), and every host and data set the antivirus scans, as
`rampart_antivirus_expected_info` (REG-4.2.4)."""

from __future__ import annotations

from rampart.inventory import Inventory
from rampart.plan.build import host_plans
from rampart.textfile import Family, render

EXPECTED_TEXTFILE = "rampart_expected.prom"


def expected_families(inventory: Inventory) -> list[Family]:
    """`rampart_backup_expected_info{host, data_class} 1` for each host and backed-up class,
    `rampart_antivirus_expected_info{host, data_set} 1` for each host and scanned data set."""
    expected = Family(
        "rampart_backup_expected_info",
        "1 for each host and data class the plan backs up and restore-drills.",
    )
    scanned = Family(
        "rampart_antivirus_expected_info",
        "1 for each host and data set the plan's antivirus scans.",
    )
    for host, plan in host_plans(inventory).items():
        for data_class in sorted({data_set.data_class for data_set in plan.backed_up}):
            expected.add(1, host=host, data_class=data_class)
        for scan in plan.antivirus.scans if plan.antivirus is not None else ():
            scanned.add(1, host=host, data_set=scan.data_set)
    return [expected, scanned]


def expected_text(inventory: Inventory) -> str:
    """The textfile the monitoring host's node_exporter serves (empty of samples when
    nothing is backed up or scanned, so the rules expect nothing)."""
    families = expected_families(inventory)
    if not any(family.samples for family in families):
        return "# The plan backs up and scans no data set: no series are expected.\n"
    return render(families)
