"""`rampart audit run`: the fleet's security audit (REG-4.2.3). Every host is read over SSH
at once (host_facts.py), its findings worked out against its plan, and the report printed,
or written as a dated HTML page and JSON document with their SHA-256, kept on the backup
server as evidence. Each host gets its findings' counts as metrics, the new ones (not in
the previous report in the same folder) apart, so an alert fires on new high findings.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, StrictUndefined

from rampart.audit.findings import SEVERITIES, Finding, host_findings, unreachable
from rampart.errors import RampartError, RemoteError
from rampart.inventory import Inventory, load_inventory
from rampart.plan import host_plan
from rampart.plan.model import HostPlan
from rampart.plan.monitoring import BACKUP_SERVER_GROUP
from rampart.ssh import output_of, target_from_vars
from rampart.textfile import Family, render, write_remotely
from rampart.user_input import write_text

PARALLEL_HOSTS = 8
COMMAND_TIMEOUT_SECONDS = 900
TEXTFILE = PurePosixPath("/var/lib/prometheus/node-exporter/rampart_audit_report.prom")
KEPT_DIR = PurePosixPath("/var/lib/rampart/audit-reports")
TEMPLATE = "report.html.j2"
BACKUP_ACCOUNT_PREFIX = "backup-"
"""The backup server's SFTP account of each backed-up host is this and the host's name
(roles/backup's backup_server_account_prefix, whose default it is)."""
FINDINGS_EXIT = 8
"""The exit status when the audit found high findings (it ran; the report is the answer)."""


@dataclass(frozen=True)
class HostAudit:
    """One host's part of the audit: its findings and what it saw happen."""

    host: str
    findings: list[Finding]
    facts: dict[str, Any] | None


def at_rest_arguments(plan: HostPlan) -> list[str]:
    """host_facts.py's arguments for the data sets `plan`'s host must encrypt at rest."""
    arguments = []
    for data_set in plan.data_sets:
        if data_set.policy.encrypt_at_rest:
            arguments += [f"--path={data_set.name}={path}" for path in data_set.paths]
            if data_set.database and data_set.database.engine == "postgresql":
                arguments.append(f"--database={data_set.name}={data_set.database.name}")
    return arguments


def gather(inventory: Inventory, plan: HostPlan, since: float, lynis: bool) -> dict[str, Any]:
    """What host_facts.py reports on `plan`'s host, from `since` (Unix time) on; with Lynis."""
    target = target_from_vars(plan.host, inventory.hosts[plan.host].vars)
    script = resources.files("rampart.audit").joinpath("host_facts.py").read_text("utf-8")
    argv = ["python3", "-", f"@{int(since)}", *(["--lynis"] if lynis else [])]
    command = shlex.join([*argv, *at_rest_arguments(plan)])
    text = output_of(target, command, timeout=COMMAND_TIMEOUT_SECONDS, input_text=script)
    document: dict[str, Any] = json.loads(text)
    return document


def audit_host(inventory: Inventory, host: str, since: float, lynis: bool) -> HostAudit:
    """Gather and judge one host; an unreachable host is a finding of its own."""
    plan = host_plan(inventory, host)
    try:
        facts = gather(inventory, plan, since, lynis)
    except (RemoteError, ValueError) as error:
        return HostAudit(host, [unreachable(host, str(error).splitlines()[0][:160])], None)
    return HostAudit(host, host_findings(plan, facts, service_accounts(inventory, host)), facts)


def service_accounts(inventory: Inventory, host: str) -> frozenset[str]:
    """The platform's own logins on `host`: on a backup server, each backed-up host's
    transfer account."""
    if BACKUP_SERVER_GROUP not in inventory.hosts[host].groups:
        return frozenset()
    clients = (name for name in inventory.hosts if host_plan(inventory, name).backed_up)
    return frozenset(f"{BACKUP_ACCOUNT_PREFIX}{name}" for name in clients)


def audit_fleet(inventory: Inventory, since: float, lynis: bool) -> list[HostAudit]:
    """Every host's audit, by host name, the hosts read side by side."""
    hosts = sorted(inventory.hosts)
    with ThreadPoolExecutor(max_workers=PARALLEL_HOSTS) as pool:
        return list(pool.map(lambda host: audit_host(inventory, host, since, lynis), hosts))


def control_findings(inventory: Inventory) -> list[Finding]:
    """Each control of the controls matrix that does not hold now (high) or shows no
    evidence (medium), read from Prometheus; one finding if Prometheus cannot answer."""
    from rampart.monitoring.controls_report import SCOPE_WORDS, controls_now

    try:
        rows, _ = controls_now(inventory)
    except RampartError as error:
        why = str(error).splitlines()[0]
        return [Finding("-", "REG-4.2.3", "medium", "controls matrix", "unavailable", why)]
    found = []
    for row in rows:
        if row.ok:
            continue
        control = row.control
        scope = SCOPE_WORDS[control.scope]
        host = row.where if control.scope == "instance" and row.ok is not None else "-"
        place = "" if row.ok is None else f" at {scope} {row.where}"
        found.append(
            Finding(
                host,
                control.clause,
                "high" if row.ok is False else "medium",
                "control failing" if row.ok is False else "control without evidence",
                f"{control.name}{place}",
                f"holds when {control.holds_when}; evidence: {control.evidence}",
            )
        )
    return found


def _when(seconds: float | str) -> str:
    return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def activity(facts: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Logins and failed logins grouped by who and from where (count, first, last), and
    every sudo use with who, when, as whom and what."""
    if facts is None:
        return {"logins": [], "failed_logins": [], "sudo": []}

    def grouped(entries: list[dict[str, str]]) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[float]] = {}
        for entry in entries:
            groups.setdefault((entry["user"], entry["from"]), []).append(float(entry["time"]))
        return [
            {
                "user": user,
                "from": source,
                "count": len(times),
                "first": _when(min(times)),
                "last": _when(max(times)),
            }
            for (user, source), times in sorted(groups.items())
        ]

    sudo = [{**entry, "time": _when(entry["time"])} for entry in facts["sudo"]]
    return {
        "logins": grouped(facts["logins"]),
        "failed_logins": grouped(facts["failed_logins"]),
        "sudo": sudo,
    }


def previous_keys(folder: Path | None) -> tuple[set[tuple[str, str, str]], str | None]:
    """The findings of the newest report in `folder`, and its file name."""
    if folder is None:
        return set(), None
    reports = sorted(folder.glob("audit-*.json"))
    if not reports:
        return set(), None
    try:
        document = json.loads(reports[-1].read_text(encoding="utf-8"))
        keys = {(f["host"], f["check"], f["subject"]) for f in document["findings"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set(), None
    return keys, reports[-1].name


def report_document(
    audits: list[HostAudit],
    since: float,
    made: float,
    previous: set[tuple[str, str, str]],
    controls: list[Finding] | None = None,
) -> dict[str, Any]:
    """The report as its JSON is written: findings (most severe first, each marked `new`
    or not), counts by clause and severity, each host's activity."""
    everything = sorted(
        [*(controls or []), *(f for audit in audits for f in audit.findings)],
        key=lambda finding: SEVERITIES.index(finding.severity),
    )
    findings: list[dict[str, Any]] = [
        {**finding.as_dict(), "new": finding.key not in previous} for finding in everything
    ]
    by_clause: dict[str, dict[str, int]] = {}
    for finding in findings:
        counts = by_clause.setdefault(finding["clause"], dict.fromkeys(SEVERITIES, 0))
        counts[finding["severity"]] += 1
    totals = Counter(finding["severity"] for finding in findings)
    new = Counter(finding["severity"] for finding in findings if finding["new"])
    return {
        "made": _when(made),
        "since": _when(since),
        "hosts": [audit.host for audit in audits],
        "summary": {
            **{severity: totals[severity] for severity in SEVERITIES},
            **{f"new_{severity}": new[severity] for severity in SEVERITIES},
        },
        "by_clause": dict(sorted(by_clause.items())),
        "findings": findings,
        "activity": {audit.host: activity(audit.facts) for audit in audits},
        "hardening_index": {
            audit.host: (audit.facts.get("lynis") or {}).get("hardening_index")
            for audit in audits
            if audit.facts is not None and audit.facts.get("lynis") is not None
        },
    }


def render_html(document: dict[str, Any]) -> str:
    """The report as one self-contained page (inline style, no script)."""
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    source = resources.files("rampart.audit").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return environment.from_string(source).render(report=document, severities=SEVERITIES)


def table(document: dict[str, Any]) -> str:
    """The findings as text for a terminal, with a closing count."""
    lines = [
        f"{f['severity']:<6} {'NEW' if f['new'] else '   '} {f['host']:<10} {f['clause']:<9}"
        f" {f['check']}: {f['subject']} ({f['detail']})"
        for f in document["findings"]
    ]
    summary = document["summary"]
    counts = ", ".join(f"{summary[severity]} {severity}" for severity in SEVERITIES)
    lines += [
        f"Lynis hardening index of {host}: {index}"
        for host, index in document["hardening_index"].items()
    ]
    lines.append(
        f"security audit of {len(document['hosts'])} host(s) since {document['since']}:"
        f" {counts} ({summary['new_high']} new high)"
    )
    return "\n".join(lines) + "\n"


def publish(inventory: Inventory, audits: list[HostAudit], document: dict[str, Any]) -> None:
    """Each reachable host's findings and new findings by severity, for node_exporter."""
    made = time.time()
    for audit in audits:
        if audit.facts is None:
            continue
        mine = [finding for finding in document["findings"] if finding["host"] == audit.host]
        findings = Family("rampart_audit_findings", "The last security audit's findings here.")
        new = Family(
            "rampart_audit_new_findings", "Findings here that the report before did not have."
        )
        for severity in SEVERITIES:
            findings.add(sum(f["severity"] == severity for f in mine), severity=severity)
            new.add(sum(f["severity"] == severity and f["new"] for f in mine), severity=severity)
        stamp = Family("rampart_audit_report_timestamp_seconds", "When the last audit ran.")
        index = Family(
            "rampart_audit_lynis_hardening_index", "Lynis' hardening index at the last audit."
        )
        score = document["hardening_index"].get(audit.host)
        if score is not None:
            index.add(score)
        text = render([findings, new, stamp.add(round(made)), index])
        target = target_from_vars(audit.host, inventory.hosts[audit.host].vars)
        try:
            write_remotely(target, TEXTFILE, text)
        except RemoteError:
            continue


def keep(inventory: Inventory, files: list[Path]) -> str | None:
    """Copy the report's files onto the first backup server; its name, or None."""
    group = inventory.groups.get(BACKUP_SERVER_GROUP)
    if group is None or not group.hosts:
        return None
    server = sorted(group.hosts)[0]
    target = target_from_vars(server, inventory.hosts[server].vars)
    for file in files:
        write_remotely(target, KEPT_DIR / file.name, file.read_text(encoding="utf-8"))
    return server


def write_report(folder: Path, document: dict[str, Any], day: str) -> list[Path]:
    """The dated JSON and HTML and their SHA-256 sums in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in (
        ("json", json.dumps(document, indent=2) + "\n"),
        ("html", render_html(document)),
    ):
        path = folder / f"audit-{day}.{suffix}"
        write_text(path, text, "the audit report")
        written.append(path)
    sums = "".join(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n" for path in written
    )
    checksum = folder / f"audit-{day}.sha256"
    write_text(checksum, sums, "the audit report's SHA-256 sums")
    return [*written, checksum]


def run_audit(
    inventory_path: Path, days: int, as_json: bool, output: Path | None, lynis: bool = False
) -> int:
    """Audit the fleet over the last `days` (with Lynis on every host if asked); exit 8
    when there are high findings."""
    inventory = load_inventory(inventory_path)
    made = time.time()
    since = made - days * 86400
    previous, previous_name = previous_keys(output)
    audits = audit_fleet(inventory, since, lynis)
    document = report_document(audits, since, made, previous, control_findings(inventory))
    document["previous_report"] = previous_name
    publish(inventory, audits, document)
    if output is not None:
        day = datetime.fromtimestamp(made, UTC).strftime("%Y-%m-%d")
        files = write_report(output, document, day)
        server = keep(inventory, files)
        where = f"; kept on {server}:{KEPT_DIR}" if server else ""
        print(f"{files[0].parent}/audit-{day}.{{json,html,sha256}}{where}", file=sys.stderr)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(table(document))
    return FINDINGS_EXIT if document["summary"]["high"] else 0
