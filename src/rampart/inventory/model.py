"""The inventory as typed, frozen records: what the firewall, prober, backup and access read.

Values are as written in the inventory; text fields may hold Jinja templates (`{{ ... }}`)
that only Ansible renders, so a consumer that needs the value should run inside Ansible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Host:
    """A server: its groups (every group it is in, directly or through children, without
    `all` and `ungrouped`, like Ansible's `group_names`) and its variables as Ansible
    merges them (groups by depth, then the host; templates not rendered; the catalog
    variables are left out, they are on `Inventory`)."""

    name: str
    groups: tuple[str, ...]
    vars: Mapping[str, Any]


@dataclass(frozen=True)
class Group:
    """A group: every host in it (also through child groups), its direct children, and
    its own variables (hosts.yml, then group_vars; catalog variables left out)."""

    name: str
    hosts: tuple[str, ...]
    children: tuple[str, ...]
    vars: Mapping[str, Any]


@dataclass(frozen=True)
class Port:
    """A port a service listens on and the hosts or groups allowed to reach it."""

    port: int
    protocol: str
    clients: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """One health check the prober runs against each of the service's hosts."""

    name: str
    type: str
    port: int | None
    path: str | None
    expect_status: int | None
    expect_body: str | None
    database: str | None
    query: str | None
    command: str | None
    critical: bool
    interval_seconds: int
    timeout_seconds: int


@dataclass(frozen=True)
class Objective:
    """What the service promises: availability, and optionally a response time."""

    availability_percent: float
    response_time_seconds: float | None


@dataclass(frozen=True)
class MaintenanceWindow:
    """A planned downtime that does not count against the availability objective."""

    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class Service:
    """An information service of the catalog (REG-2.1, REG-7.1)."""

    id: str
    description: str
    owner: str
    hosts: tuple[str, ...]
    ports: tuple[Port, ...]
    checks: tuple[Check, ...]
    objective: Objective
    data_sets: tuple[str, ...]
    maintenance: tuple[MaintenanceWindow, ...]


@dataclass(frozen=True)
class Database:
    """A database that is (part of) a data set."""

    engine: str
    name: str


@dataclass(frozen=True)
class DataSet:
    """Data with one classification: directories and/or a database (REG-4.1)."""

    id: str
    data_class: str
    description: str
    paths: tuple[str, ...]
    database: Database | None


@dataclass(frozen=True)
class Retention:
    """How many daily, weekly and monthly backups to keep."""

    daily: int
    weekly: int
    monthly: int


@dataclass(frozen=True)
class DataClassPolicy:
    """What a data class demands of every data set in it (REG-4.1.2, REG-4.2.2, REG-4.2.5)."""

    name: str
    encrypt_at_rest: bool
    backup: bool
    retention: Retention
    cloud_allowed: bool


@dataclass(frozen=True)
class AccessGrant:
    """Login on the hosts of a group (or one host, or `all`), with or without sudo."""

    hosts: str
    sudo: bool


@dataclass(frozen=True)
class Post:
    """A job post and the access that comes with it (REG-6.2.1)."""

    id: str
    title: str
    access: tuple[AccessGrant, ...]
    on_call: bool = False
    """Whether the people of this post are told of every alert (REG-9.3.1)."""
    reads: tuple[str, ...] = ()
    """The data sets whose folders people of this post may read where they log in (REG-4.1.1)."""


@dataclass(frozen=True)
class Person:
    """Someone in the people directory; a person who left keeps the record, not the access."""

    username: str
    full_name: str
    post: str | None
    status: str
    ssh_keys: tuple[str, ...]

    @property
    def active(self) -> bool:
        """Whether the person still works here and gets the access of their post."""
        return self.status == "active"


@dataclass(frozen=True)
class PlatformPort:
    """A port one of Rampart's own services needs open (node_exporter, backup SFTP)."""

    name: str
    port: int
    protocol: str
    hosts: tuple[str, ...]
    clients: tuple[str, ...]


@dataclass(frozen=True)
class RemoteWriteQueue:
    """How Prometheus batches samples for the long-term store (its `queue_config`)."""

    capacity: int
    max_shards: int
    max_samples_per_send: int
    batch_send_deadline: str


@dataclass(frozen=True)
class Relabel:
    """One `write_relabel_configs` rule: which series go to the long-term store, and how."""

    action: str
    source_labels: tuple[str, ...]
    regex: str | None
    target_label: str | None
    replacement: str | None


@dataclass(frozen=True)
class LongTermStore:
    """Where Prometheus sends its samples for keeping past one server (Thanos receive, Mimir).

    A secret never sits here: basic auth names a password file on the monitoring host."""

    url: str
    site: str
    """The value of the `site` label every sample and alert of this inventory carries."""
    username: str | None
    password_file: str | None
    ca_file: str | None
    queue: RemoteWriteQueue
    write_relabel: tuple[Relabel, ...]


@dataclass(frozen=True)
class Alerting:
    """Who Alertmanager tells, and how: mail through the company's mail service, absolute
    links, and the dead-man's switch the always-firing watchdog goes to (REG-9.3.1).

    A URL or smarthost naming an inventory host stands for that host's address."""

    mail_domain: str
    """People's mail address is `<username>@<mail_domain>`."""
    smarthost: str
    """The mail service as `host:port`."""
    smarthost_tls: bool
    """Whether the mail service must offer STARTTLS (Alertmanager refuses to send otherwise)."""
    sender: str
    runbook_base_url: str
    """Every runbook link is this URL followed by the runbook's file name."""
    prometheus_url: str
    alertmanager_url: str
    dead_mans_switch_url: str
    """The webhook the watchdog alert is sent to, again and again while the pipeline works."""
    watchdog_repeat_interval: str


@dataclass(frozen=True)
class Antivirus:
    """ClamAV on every host holding files of a data set, fed from one private signature
    mirror, with scheduled scans of the data sets' paths (REG-4.2.4)."""

    mirror: str
    """The host (or group: its first host) that serves signatures to the fleet."""
    mirror_port: int
    signature_max_age: str
    """Signatures older than this on a host are stale: an alert."""
    scan_interval: str
    """How often each data set is scanned; two intervals without a scan is an alert."""
    official_databases: bool
    """Whether the mirror serves ClamAV's official databases too (fed from upstream);
    false without internet: Rampart's own signatures only."""


@dataclass(frozen=True)
class Storage:
    """Where each host keeps its data and how that volume is mounted (REG-4.1.1)."""

    volume: str
    """The data volume's mount point; data sets' folders below it are on the volume."""
    volume_options: tuple[str, ...]
    """Mount options the volume must have (nodev, nosuid, noexec)."""
    full_warning: str
    """Alert when the volume's free space, at its recent trend, runs out within this."""


@dataclass(frozen=True)
class Encryption:
    """Encryption at rest (REG-4.2.2): the tang server whose presence unlocks the data sets'
    keys at boot, on the company network only."""

    tang: str
    """The host (or group: its first host) that runs tang for the fleet."""
    tang_port: int


@dataclass(frozen=True)
class Inventory:
    """One inventory directory, checked: hosts, groups, catalog, data, posts and people."""

    directory: Path
    hosts: Mapping[str, Host]
    groups: Mapping[str, Group]
    services: Mapping[str, Service]
    data_sets: Mapping[str, DataSet]
    data_classes: Mapping[str, DataClassPolicy]
    posts: Mapping[str, Post]
    people: tuple[Person, ...]
    platform_ports: tuple[PlatformPort, ...] = ()
    admin_sources: tuple[str, ...] = ()
    """Addresses, networks, hosts or groups SSH is allowed from (REG-4.2.4)."""
    time_zone: str = "UTC"
    """The company's IANA time zone: where report months and quarters begin."""
    long_term_store: LongTermStore | None = None
    """Prometheus' remote_write target with this inventory's site label; None: none."""
    alerting: Alerting | None = None
    """Where alerts go (mail, dead-man's switch); None: Alertmanager tells nobody."""
    antivirus: Antivirus | None = None
    """Signature mirror and scans; None: no antivirus is installed."""
    storage: Storage | None = None
    """The data volume and its options; None: data set folders are not managed."""
    encryption: Encryption | None = None
    """The tang server; None: nothing is encrypted at rest."""

    def resolve(self, name: str) -> tuple[str, ...]:
        """The host names a host or group name (or `all`) stands for; KeyError if neither."""
        if name in self.hosts:
            return (name,)
        return self.groups[name].hosts
