"""The security audit's findings on one host, from what host_facts.py saw there and the
host's plan (REG-4.2.3). Pure functions on plain data, so they are tested without hosts.

Severity: `high` is a rule violation or a known vulnerability (an unlisted listener, a
changed system file, a pending security update, a login the directory does not allow);
`medium` is a sign to look into (repeated failed logins, refused sudo, a check that could
not run); `low` is a control that cannot work here (the kernel does not audit).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rampart.audit import sshd
from rampart.audit.nft_table import network, read_table, union
from rampart.plan.model import HostPlan
from rampart.schema.kinds import is_template

SEVERITIES = ("high", "medium", "low")
SSH_PORT = 22
EPHEMERAL_UDP = 32768
"""Unconnected UDP sockets from here up are clients' (the kernel's ephemeral range)."""
FAILED_LOGINS_LIMIT = 5
"""Failed logins from one address as one user, in the period, that make a finding."""
HARDENING_INDEX_GOAL = 80
"""Lynis' hardening index every host should reach (issue 12); below it is a finding."""


@dataclass(frozen=True)
class Finding:
    """One thing the audit found on a host."""

    host: str
    clause: str
    severity: str
    check: str
    subject: str
    detail: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes it the same finding in the next report."""
        return (self.host, self.check, self.subject)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def listener_findings(plan: HostPlan, listeners: list[Mapping[str, Any]]) -> list[Finding]:
    """Every port reachable from the network that the catalog does not list (one finding
    a port, naming each address and program on it)."""
    listed = {(rule.protocol, rule.port) for rule in plan.port_rules} | {("tcp", SSH_PORT)}
    unlisted: dict[tuple[str, int], list[str]] = {}
    for socket in listeners:
        protocol, port = str(socket["protocol"]), int(socket["port"])
        if _loopback(str(socket["address"])) or (protocol, port) in listed:
            continue
        if protocol == "udp" and port >= EPHEMERAL_UDP:
            continue
        unlisted.setdefault((protocol, port), []).append(
            f"{socket['process']} listens on {socket['address']}"
        )
    return [
        Finding(
            plan.host,
            "REG-4.2.4",
            "high",
            "unlisted listener",
            f"{protocol}/{port}",
            f"{', '.join(sorted(set(where)))}: a port no catalog service or platform port"
            " gives this host",
        )
        for (protocol, port), where in sorted(unlisted.items())
    ]


def _to_whom(sources: frozenset[str] | None) -> str:
    return "any address" if sources is None else ", ".join(sorted(sources)) or "nobody"


def _beyond(sources: frozenset[str] | None, allowed: frozenset[str] | None) -> str | None:
    """Whom `sources` lets in beyond `allowed`, in words; None if no one. A source still a
    template (read outside Ansible) leaves only "any address" judged."""
    if allowed is None:
        return None
    if sources is None:
        return "any address"
    beyond = sources - allowed
    return _to_whom(beyond) if beyond and not any(map(is_template, allowed)) else None


def firewall_findings(plan: HostPlan, facts: Mapping[str, Any]) -> list[Finding]:
    """The loaded table against the plan: present, dropping what it does not let in, no
    port open that the plan keeps shut, none open wider than the plan says, none of the
    plan's shut. Admin SSH may also come from the address the audit connects from (the
    firewall role lets its controller in the same way)."""
    loaded = facts.get("firewall") or {}
    if not isinstance(loaded.get("ruleset"), dict):
        why = loaded.get("error") or "nft printed nothing"
        return [Finding(plan.host, "REG-4.2.4", "high", "firewall not loaded", "inet rampart", why)]
    table = read_table(loaded["ruleset"])
    found = []
    if table.policy != "drop":
        found.append(
            Finding(
                plan.host,
                "REG-4.2.4",
                "high",
                "firewall lets in by default",
                "inet rampart input",
                f"the input chain's policy is {table.policy or 'missing'}, not drop",
            )
        )
    planned: dict[tuple[str, str], frozenset[str] | None] = {}
    for rule in plan.port_rules:
        key = (rule.protocol, str(rule.port))
        wanted = None if rule.any else frozenset(network(s) for s in rule.sources)
        planned[key] = union(planned.get(key, frozenset()), wanted)
    auditor = facts.get("auditor") or {}
    ssh = ("tcp", str(auditor.get("ssh_port") or SSH_PORT))
    admins = frozenset(network(a) for a in (*plan.admin_addresses, auditor.get("address") or ""))
    for key, sources in sorted(table.openings.items()):
        subject = f"{key[0]}/{key[1]}"
        if key != ssh and key not in planned:
            found.append(
                Finding(
                    plan.host,
                    "REG-4.2.4",
                    "high",
                    "port open outside the plan",
                    subject,
                    f"the loaded firewall lets {_to_whom(sources)} in; the plan keeps it shut",
                )
            )
            continue
        # The SSH port may also carry a planned service (the backup server's SFTP).
        allowed = union(planned.get(key, frozenset()), admins) if key == ssh else planned[key]
        extra = _beyond(sources, allowed)
        if extra is None:
            continue
        if key == ssh:
            finding = Finding(
                plan.host,
                "REG-4.2.4",
                "high" if sources is None else "medium",
                "admin SSH wider than the plan",
                subject,
                f"also let in from {extra}: not in rampart_admin_sources",
            )
        else:
            finding = Finding(
                plan.host,
                "REG-4.2.4",
                "high",
                "port open wider than the plan",
                subject,
                f"also open to {extra}; the plan: {_to_whom(allowed)}",
            )
        found.append(finding)
    for key, wanted in sorted(planned.items()):
        if key not in table.openings:
            found.append(
                Finding(
                    plan.host,
                    "REG-4.2.4",
                    "medium",
                    "planned port shut",
                    f"{key[0]}/{key[1]}",
                    f"the plan opens it to {_to_whom(wanted)}; the loaded firewall does not"
                    " (quarantined, or changed by hand?)",
                )
            )
    return found


def sshd_findings(host: str, facts: Mapping[str, Any]) -> list[Finding]:
    """The SSH server's effective settings that fall short of roles/ssh's hardening."""
    said = facts.get("sshd") or {}
    if not said.get("text"):
        why = said.get("error") or "sshd -T printed nothing"
        return [Finding(host, "REG-4.2.1", "medium", "sshd settings unknown", "sshd -T", why)]
    return [
        Finding(host, clause, severity, "sshd setting", key, detail)
        for severity, clause, key, detail in sshd.deviations(sshd.parse(said["text"]))
    ]


def login_findings(
    plan: HostPlan, facts: Mapping[str, Any], service_accounts: frozenset[str] = frozenset()
) -> list[Finding]:
    """Logins of accounts neither the directory nor the platform lets in here, repeated
    failed logins, sudo refused."""
    allowed = {account.username for account in plan.accounts} | {"root"} | service_accounts
    found = []
    for user, source in sorted({(login["user"], login["from"]) for login in facts["logins"]}):
        if user not in allowed:
            found.append(
                Finding(
                    plan.host,
                    "REG-6.2.3",
                    "high",
                    "login not allowed by the directory",
                    f"{user} from {source}",
                    f"{user} logged in from {source}; the people directory gives no login here",
                )
            )
    failures = Counter((entry["user"], entry["from"]) for entry in facts["failed_logins"])
    for (user, source), count in sorted(failures.items()):
        if count >= FAILED_LOGINS_LIMIT:
            found.append(
                Finding(
                    plan.host,
                    "REG-4.2.1",
                    "medium",
                    "repeated failed logins",
                    f"{user} from {source}",
                    f"{count} failed logins as {user} from {source}",
                )
            )
    for entry in facts["sudo"]:
        if entry["problem"]:
            found.append(
                Finding(
                    plan.host,
                    "REG-4.2.1",
                    "medium",
                    "sudo refused",
                    f"{entry['user']}: {entry['command']}",
                    f"{entry['user']}: {entry['problem']}",
                )
            )
    return found


def integrity_findings(host: str, integrity: Mapping[str, Any]) -> list[Finding]:
    """Each path that differs from AIDE's baseline; a check that could not run."""
    if integrity["status"] is None:
        return [Finding(host, "REG-4.2.3", "medium", "file integrity", "not installed", "no AIDE")]
    if integrity["status"] not in (0, 8):
        why = integrity.get("error") or f"exit {integrity['status']}"
        return [Finding(host, "REG-4.2.3", "medium", "file integrity", "check failed", why)]
    found = []
    for line in integrity["changes"]:
        change, path = line.split(" ", 1)
        found.append(
            Finding(
                host,
                "REG-4.2.3",
                "high",
                "file changed against the baseline",
                path,
                f"{change} since the baseline; accept it only with the reviewed change"
                " (`rampart audit accept --reason`)",
            )
        )
    return found


def at_rest_findings(plan: HostPlan, at_rest: list[Mapping[str, str]]) -> list[Finding]:
    """Each folder or database of a data set whose class says encrypt_at_rest that is not
    encrypted (REG-4.2.2), or whose state could not be read."""
    classes = {data_set.name: data_set.data_class for data_set in plan.data_sets}
    found = []
    for entry in at_rest:
        subject = f"{entry['data_set']} " + (
            f"database {entry['database']}" if entry["database"] else entry["path"]
        )
        if entry["error"]:
            why = f"could not be read: {entry['error']}"
            found.append(
                Finding(plan.host, "REG-4.2.2", "medium", "encryption at rest", subject, why)
            )
        elif not entry["method"]:
            where = f" ({entry['path']})" if entry["database"] else ""
            why = (
                f"the {classes.get(entry['data_set'], '?')} class says encrypt_at_rest;"
                f" its files{where} are on {entry['filesystem'] or 'a filesystem'} with no"
                " fscrypt policy and no gocryptfs mount"
            )
            found.append(
                Finding(plan.host, "REG-4.2.2", "high", "not encrypted at rest", subject, why)
            )
    return found


def update_findings(host: str, updates: list[Mapping[str, Any]]) -> list[Finding]:
    """Each package with a pending security update."""
    return [
        Finding(
            host,
            "REG-4.2.3",
            "high",
            "pending security update",
            str(update["package"]),
            f"{update['installed'] or '?'} installed, {update['available']} from {update['suite']}",
        )
        for update in updates
    ]


def lynis_findings(host: str, lynis: Mapping[str, Any] | None) -> list[Finding]:
    """Lynis' warnings, and a hardening index below the goal."""
    if lynis is None:
        return []
    found = [
        Finding(host, "REG-4.2.3", "medium", "Lynis warning", w["test"], w["text"])
        for w in lynis["warnings"]
    ]
    index = lynis["hardening_index"]
    if index is None or index < HARDENING_INDEX_GOAL:
        found.append(
            Finding(
                host,
                "REG-4.2.3",
                "medium",
                "Lynis hardening index",
                "below the goal",
                f"{index} (goal {HARDENING_INDEX_GOAL}); its suggestions:"
                f" {', '.join(s['test'] for s in lynis['suggestions'])}",
            )
        )
    return found


def host_findings(
    plan: HostPlan, facts: Mapping[str, Any], service_accounts: frozenset[str] = frozenset()
) -> list[Finding]:
    """Everything the audit finds on one host, most severe first; `service_accounts` are
    the platform's own logins there (the backup server's transfer accounts)."""
    found = [
        *listener_findings(plan, facts["listeners"]),
        *firewall_findings(plan, facts),
        *sshd_findings(plan.host, facts),
        *login_findings(plan, facts, service_accounts),
        *integrity_findings(plan.host, facts["integrity"]),
        *at_rest_findings(plan, facts["at_rest"]),
        *update_findings(plan.host, facts["security_updates"]),
        *lynis_findings(plan.host, facts.get("lynis")),
    ]
    if not facts["kernel_audits"]:
        found.append(
            Finding(
                plan.host,
                "REG-4.2.3",
                "low",
                "kernel audit",
                "not available",
                "the kernel's audit interface does not answer here (a container): auditd"
                " cannot record who changed what",
            )
        )
    return sorted(found, key=lambda finding: SEVERITIES.index(finding.severity))


def unreachable(host: str, why: str) -> Finding:
    """A host the audit could not read: nothing on it is known."""
    return Finding(host, "REG-4.2.3", "high", "host unreachable", host, why)
