"""Antivirus in the plan: which hosts run ClamAV, what they scan, and the one mirror their
signatures come from (REG-4.2.4)."""

from __future__ import annotations

from rampart import prometheus_duration
from rampart.inventory import Antivirus, Inventory
from rampart.plan.addresses import address
from rampart.plan.data_sets import held_by
from rampart.plan.model import (
    AntivirusPlan,
    DataSetPlan,
    PlanError,
    PortRule,
    ScanTarget,
    SignatureMirror,
)

MIRROR_PORT_NAME = "antivirus-mirror"


def scan_targets(data_sets: tuple[DataSetPlan, ...]) -> tuple[ScanTarget, ...]:
    """The data sets with folders, each as a scan; database-only data sets are left out."""
    return tuple(
        ScanTarget(data_set.name, data_set.data_class, data_set.paths)
        for data_set in data_sets
        if data_set.paths
    )


def mirror_host(inventory: Inventory, antivirus: Antivirus) -> str:
    """The mirror: the host named, or the first host (by name) of the group named."""
    return sorted(inventory.resolve(antivirus.mirror))[0]


def antivirus_plan(inventory: Inventory, held: tuple[DataSetPlan, ...]) -> AntivirusPlan | None:
    """ClamAV for a host holding `held`: None without rampart_antivirus or files to scan."""
    antivirus = inventory.antivirus
    scans = scan_targets(held)
    if antivirus is None or not scans:
        return None
    mirror = address(inventory, mirror_host(inventory, antivirus))
    return AntivirusPlan(
        mirror_url=f"https://{mirror}:{antivirus.mirror_port}/",
        scans=scans,
        signature_max_age_seconds=_seconds("signature_max_age", antivirus.signature_max_age),
        scan_interval_seconds=_seconds("scan_interval", antivirus.scan_interval),
        official_databases=antivirus.official_databases,
    )


def signature_mirror(inventory: Inventory, host: str) -> SignatureMirror | None:
    """The mirror on `host`, serving every host that scans; None on other hosts."""
    antivirus = inventory.antivirus
    if antivirus is None or mirror_host(inventory, antivirus) != host:
        return None
    clients = [name for name in inventory.hosts if scan_targets(held_by(inventory, name))]
    addresses = tuple(sorted({address(inventory, client) for client in clients}))
    return SignatureMirror(antivirus.mirror_port, addresses, antivirus.official_databases)


def mirror_rule(mirror: SignatureMirror | None) -> tuple[PortRule, ...]:
    """The mirror's port, open to the hosts that fetch from it only."""
    if mirror is None or not mirror.clients:
        return ()
    return (PortRule(MIRROR_PORT_NAME, mirror.port, "tcp", False, mirror.clients),)


def _seconds(key: str, duration: str) -> float:
    seconds = prometheus_duration.seconds(duration)
    if seconds is None:
        raise PlanError(f"rampart_antivirus.{key}: '{duration}' is not a duration above 0")
    return seconds
