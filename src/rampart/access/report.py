"""`rampart report access`: gather every host's accounts, compare with the directory, print
the drift, publish each host's drift count for node_exporter (REG-6.2.3)."""

from __future__ import annotations

import json
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from rampart.access.review import UNREACHABLE, Finding, compare_host
from rampart.errors import RemoteError
from rampart.inventory import Inventory, load_inventory
from rampart.ssh import SshTarget, output_of, target_from_vars
from rampart.textfile import Family, render

TEXTFILE_DIRECTORY = "/var/lib/prometheus/node-exporter"
METRIC_FILE = "rampart_access.prom"
PARALLEL_HOSTS = 8
COMMAND_TIMEOUT_SECONDS = 60


def gather(target: SshTarget, usernames: list[str]) -> list[dict[str, Any]]:
    """The accounts of one host, read by host_accounts.py running there."""
    script = resources.files("rampart.access").joinpath("host_accounts.py").read_text("utf-8")
    command = shlex.join(["python3", "-", *usernames])
    document = json.loads(
        output_of(target, command, timeout=COMMAND_TIMEOUT_SECONDS, input_text=script)
    )
    return list(document["accounts"])


def metrics_text(findings: int, reviewed_at: float) -> str:
    """The node_exporter textfile of one host: its drift count and when it was reviewed."""
    return render(
        [
            Family(
                "rampart_access_drift_findings",
                "Accounts, keys and rights on this host that differ from the people directory"
                " (rampart report access).",
            ).add(findings),
            Family(
                "rampart_access_review_timestamp_seconds", "When the access review last ran."
            ).add(round(reviewed_at)),
        ]
    )


def publish(target: SshTarget, text: str) -> None:
    """Write the textfile atomically on the host: a temporary file renamed into place."""
    final = f"{TEXTFILE_DIRECTORY}/{METRIC_FILE}"
    temporary = f"{TEXTFILE_DIRECTORY}/.{METRIC_FILE}.tmp"
    command = (
        f"mkdir -p {TEXTFILE_DIRECTORY} && cat > {temporary} && chmod 0644 {temporary}"
        f" && mv -f {temporary} {final}"
    )
    output_of(target, command, timeout=COMMAND_TIMEOUT_SECONDS, input_text=text)


def review_host(inventory: Inventory, host: str, publish_metrics: bool) -> list[Finding]:
    """Gather, compare and (optionally) publish one host; an unreachable host is a finding."""
    target = target_from_vars(host, inventory.hosts[host].vars)
    usernames = sorted(person.username for person in inventory.people)
    try:
        findings = compare_host(inventory, host, gather(target, usernames))
        if publish_metrics:
            publish(target, metrics_text(len(findings), time.time()))
    except (RemoteError, ValueError, KeyError) as error:
        return [Finding(host, "-", UNREACHABLE, str(error).splitlines()[0][:120])]
    return findings


def table(findings: list[Finding], hosts: int) -> str:
    """The findings as an aligned text table, with a closing count."""
    if not findings:
        return f"access review: no drift on {hosts} host(s)\n"
    header = ("HOST", "ACCOUNT", "FINDING", "DETAIL")
    rows = [header, *((f.host, f.account, f.finding, f.detail) for f in findings)]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[3]
        for row in rows
    ]
    lines.append(f"access review: {len(findings)} finding(s) on {hosts} host(s)")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def review_fleet(inventory: Inventory, publish_metrics: bool) -> dict[str, list[Finding]]:
    """Every host's findings, by host name in order, the hosts reviewed side by side."""
    hosts = sorted(inventory.hosts)
    with ThreadPoolExecutor(max_workers=PARALLEL_HOSTS) as pool:
        per_host = pool.map(lambda host: review_host(inventory, host, publish_metrics), hosts)
        return dict(zip(hosts, per_host, strict=True))


def document(per_host: dict[str, list[Finding]]) -> dict[str, Any]:
    """The review as `--json` prints it (and the evidence export keeps it)."""
    return {
        "hosts": list(per_host),
        "drift": {host: len(found) for host, found in per_host.items()},
        "findings": [finding.as_dict() for found in per_host.values() for finding in found],
    }


def report_access(inventory_path: Path, as_json: bool, publish_metrics: bool) -> int:
    """Review every host; print a table or JSON; exit 1 when there is any drift."""
    per_host = review_fleet(load_inventory(inventory_path), publish_metrics)
    findings = [finding for found in per_host.values() for finding in found]
    if as_json:
        sys.stdout.write(json.dumps(document(per_host), indent=2) + "\n")
    else:
        sys.stdout.write(table(findings, len(per_host)))
    return 1 if findings else 0
