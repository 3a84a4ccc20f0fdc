"""The plan of one host: what the validated inventory means there, as frozen typed records.

Every consumer (the firewall, access and backup roles, the access review, the prober and
Prometheus configuration) reads these records instead of working them out again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rampart.errors import ConfigError
from rampart.inventory import Check, DataClassPolicy, LongTermStore, Retention


class PlanError(ConfigError):
    """The inventory (or a role's variable standing in for part of it) cannot be planned."""


@dataclass(frozen=True)
class PortRule:
    """One port opened on the host: a catalog service's or a platform port's (REG-4.2.4)."""

    name: str
    port: int
    protocol: str
    any: bool
    """Whether any address may connect (a client is `all`)."""
    sources: tuple[str, ...]
    """The other clients' addresses and networks, sorted, without duplicates."""


@dataclass(frozen=True)
class Account:
    """A person of the directory as this host sees them: may they log in, may they sudo."""

    username: str
    full_name: str
    ssh_keys: tuple[str, ...]
    login: bool
    sudo: bool
    data_groups: tuple[str, ...] = ()
    """The groups of the data sets here that the person's post reads (roles/storage)."""


@dataclass(frozen=True)
class DatabasePlan:
    """A data set's database with the catalog's health queries of it, run after a restore."""

    engine: str
    name: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class DataSetPlan:
    """A data set the host holds, with its class and the policy that class demands (REG-4.1).

    Later controls (scanning, audit watch) add their fields to the class policy."""

    name: str
    data_class: str
    paths: tuple[str, ...]
    database: DatabasePlan | None
    policy: DataClassPolicy


@dataclass(frozen=True)
class Probe:
    """One check the availability prober runs against this host for one service (REG-7.1)."""

    service: str
    address: str
    check: Check


@dataclass(frozen=True)
class ScrapeTarget:
    """One endpoint a Prometheus job scrapes: `address:port`, labelled with the host name."""

    target: str
    instance: str


@dataclass(frozen=True)
class ScrapeJob:
    """A Prometheus scrape job of the monitoring host and its targets (REG-7.1)."""

    name: str
    targets: tuple[ScrapeTarget, ...]


@dataclass(frozen=True)
class AlertingPlan:
    """Who Alertmanager on a monitoring host tells, and the links people open (REG-9.3.1).

    URLs are None when the inventory has no rampart_alerting; Alertmanager then tells nobody."""

    runbook_base_url: str | None
    """Every rule's runbook_url is this followed by the runbook's file name."""
    prometheus_url: str | None
    """Prometheus' --web.external-url: alerts link to their expression there."""
    alertmanager_url: str | None
    """Alertmanager's --web.external-url: mails link to the firing alerts there."""
    alertmanager: Mapping[str, Any]
    """alertmanager.yml (global, route, receivers, time_intervals), without the role's group
    timing and mail template path."""


@dataclass(frozen=True)
class WebEndpoint:
    """An HTTPS endpoint people open on a monitoring host (TLS from Rampart's CA, basic
    auth), reachable from the admin sources only (REG-7.1, REG-9.3.1)."""

    listen: str
    """`address:port` on the host's fleet address."""
    url: str
    """What on-call opens: `https://address:port/` (with the path of the pages)."""


@dataclass(frozen=True)
class MonitoringWeb:
    """What a monitoring host serves to on-call: Prometheus, Alertmanager, runbook pages."""

    prometheus: WebEndpoint
    alertmanager: WebEndpoint
    runbook_pages: WebEndpoint


@dataclass(frozen=True)
class ScanTarget:
    """A data set's folders the antivirus scans on schedule (REG-4.2.4)."""

    data_set: str
    data_class: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class AntivirusPlan:
    """ClamAV on a host that holds data set files: where its signatures come from and what
    it scans (REG-4.2.4). Database-only data sets are not scanned: their files are the
    database's own pages, which a quarantine would corrupt."""

    mirror_url: str
    """The private mirror, `https://address:port/`; freshclam fetches from nowhere else."""
    scans: tuple[ScanTarget, ...]
    signature_max_age_seconds: float
    scan_interval_seconds: float
    official_databases: bool


@dataclass(frozen=True)
class SignatureMirror:
    """The fleet's private ClamAV signature mirror on this host (REG-4.2.4)."""

    port: int
    clients: tuple[str, ...]
    """The addresses of the hosts that fetch signatures from it, sorted."""
    official_databases: bool


@dataclass(frozen=True)
class AuditRule:
    """One kernel audit rule (auditctl's arguments) and the key its events carry."""

    clause: str
    topic: str
    """What it records, in words (the rules file's comment)."""
    key: str
    arguments: tuple[str, ...]
    """auditctl's arguments without the key."""

    @property
    def line(self) -> str:
        """The rule as a line of an audit rules file (and of `auditctl -l`)."""
        return " ".join((*self.arguments, "-k", self.key))


@dataclass(frozen=True)
class AuditPlan:
    """The security audit's controls on a host (REG-4.2.3): the kernel audit rules, and
    what AIDE's file integrity baseline covers and where its digest is kept."""

    rules: tuple[AuditRule, ...]
    integrity_paths: tuple[str, ...]
    integrity_excludes: tuple[str, ...]
    digest_host: str | None
    """The host that keeps the digest of this host's AIDE baseline (a backup server, or a
    monitoring host for the backup server itself); None when the fleet has no other."""


@dataclass(frozen=True)
class StorageFolder:
    """A data set's folder on the data volume as it must be (REG-4.1.1): owned by root, its
    group the data set's (the readers), its mode from the class."""

    data_set: str
    data_class: str
    path: str
    group: str
    mode: str
    """Octal, with setgid so files made inside keep the data set's group."""
    readers: tuple[str, ...]
    """The accounts in the group: people who log in here and whose post reads the data set."""


@dataclass(frozen=True)
class StoragePlan:
    """The host's data volume and the folders of its data sets (REG-4.1.1)."""

    volume: str
    volume_options: tuple[str, ...]
    full_warning_seconds: float
    folders: tuple[StorageFolder, ...]
    elsewhere: tuple[str, ...]
    """Data set folders not on the volume, `data-set:path`: measured, left as they are."""


@dataclass(frozen=True)
class EncryptedFolder:
    """A data set's folder put under an fscrypt v2 policy of its own key (REG-4.2.2); for a
    database data set, the folder of its PostgreSQL tablespace."""

    data_set: str
    path: str
    method: str
    database: str | None = None
    """The PostgreSQL database moved into a tablespace in this folder; None for files."""


@dataclass(frozen=True)
class EncryptionPlan:
    """What a host encrypts at rest and the tang server its keys are bound to (REG-4.2.2)."""

    volume: str
    tang_host: str
    tang_url: str
    folders: tuple[EncryptedFolder, ...]
    unencrypted: tuple[str, ...]
    """What the class asks to encrypt that Rampart does not encrypt here, `data-set:what`
    (a path off the data volume, a database): reported as not encrypted."""


@dataclass(frozen=True)
class TangServer:
    """The fleet's tang server on this host (REG-4.2.2)."""

    port: int
    clients: tuple[str, ...]
    """The addresses of the hosts whose keys are bound to it, sorted."""


@dataclass(frozen=True)
class HostPlan:
    """Everything the inventory says one host gets."""

    host: str
    address: str
    groups: tuple[str, ...]
    services: tuple[str, ...]
    """The catalog services this host runs, by id."""
    port_rules: tuple[PortRule, ...]
    admin_addresses: tuple[str, ...]
    """Where SSH is let in from (the controller of a run is added by the firewall role)."""
    accounts: tuple[Account, ...]
    """People who may log in here."""
    revoked: tuple[Account, ...]
    """People of the directory who may not: leavers and posts without access here."""
    data_sets: tuple[DataSetPlan, ...]
    retention: Mapping[str, Retention]
    """Backup retention by class, for the classes of the data sets backed up here."""
    probes: tuple[Probe, ...]
    scrape_jobs: tuple[ScrapeJob, ...]
    """What Prometheus on this host scrapes; empty unless the host is a monitoring host."""
    long_term_store: LongTermStore | None
    """Where Prometheus on this host also sends its samples, with the site label; None
    unless the host is a monitoring host and the inventory names a store."""
    monitoring_web: MonitoringWeb | None
    """Prometheus, Alertmanager and the runbook pages over HTTPS; None unless the host is a
    monitoring host."""
    alerting: AlertingPlan | None = None
    """Alertmanager's routing on a monitoring host; None elsewhere."""
    antivirus: AntivirusPlan | None = None
    """ClamAV and its scans; None on a host without data set files, or without
    rampart_antivirus."""
    signature_mirror: SignatureMirror | None = None
    """The signature mirror; None except on the inventory's mirror host."""
    audit: AuditPlan | None = None
    """The kernel audit rules and the file integrity baseline; host_plan gives every host
    one."""
    storage: StoragePlan | None = None
    """The data volume and the data sets' folders; None without rampart_storage."""
    encryption: EncryptionPlan | None = None
    """The folders encrypted at rest; None without rampart_encryption or such data here."""
    tang_server: TangServer | None = None
    """tang; None except on the inventory's tang host."""

    @property
    def backed_up(self) -> tuple[DataSetPlan, ...]:
        """The data sets whose class asks for backups."""
        return tuple(data_set for data_set in self.data_sets if data_set.policy.backup)
