"""The series the plan says must exist, published by the monitoring host, so a rule can tell
a host that never did its job (its metric absent) from one with nothing to do: every host
and data class the inventory backs up and so drills, as `rampart_backup_expected_info`
(REG-4.1.1, REG-4.2.5), every host and data set the antivirus scans, as
`rampart_antivirus_expected_info` (REG-4.2.4), and every data set folder roles/storage
manages, as `rampart_storage_expected_info` (REG-4.1.1)."""

from __future__ import annotations

from rampart.inventory import Inventory
from rampart.plan.build import host_plans
from rampart.textfile import Family, render

EXPECTED_TEXTFILE = "rampart_expected.prom"


def expected_families(inventory: Inventory) -> list[Family]:
    """`rampart_backup_expected_info{host, data_class} 1` for each host and backed-up class,
    `rampart_antivirus_expected_info{host, data_set} 1` for each host and scanned data set,
    `rampart_storage_expected_info{host, data_set, path} 1` for each managed folder."""
    expected = Family(
        "rampart_backup_expected_info",
        "1 for each host and data class the plan backs up and restore-drills.",
    )
    scanned = Family(
        "rampart_antivirus_expected_info",
        "1 for each host and data set the plan's antivirus scans.",
    )
    managed = Family(
        "rampart_storage_expected_info",
        "1 for each host and data set folder the plan's storage manages.",
    )
    for host, plan in host_plans(inventory).items():
        for data_class in sorted({data_set.data_class for data_set in plan.backed_up}):
            expected.add(1, host=host, data_class=data_class)
        for scan in plan.antivirus.scans if plan.antivirus is not None else ():
            scanned.add(1, host=host, data_set=scan.data_set)
        for folder in plan.storage.folders if plan.storage is not None else ():
            managed.add(1, host=host, data_set=folder.data_set, path=folder.path)
    return [expected, scanned, managed]


def expected_text(inventory: Inventory) -> str:
    """The textfile the monitoring host's node_exporter serves (empty of samples when
    nothing is backed up or scanned, so the rules expect nothing)."""
    families = expected_families(inventory)
    if not any(family.samples for family in families):
        return "# The plan backs up and scans no data set: no series are expected.\n"
    return render(families)
