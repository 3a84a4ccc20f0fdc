"""The security audit's judgement of one host (findings.py) on facts as host_facts.py
reports them, against the lab's plan; the parsing of real sshd, sudo and apt lines; the
report with new findings marked, as JSON, text and HTML (REG-4.2.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rampart.audit import host_facts
from rampart.audit.findings import host_findings
from rampart.audit.run import HostAudit, render_html, report_document, table
from rampart.inventory import load_inventory
from rampart.plan import HostPlan, host_plan


@pytest.fixture
def hr_plan(lab_inventory: Path) -> HostPlan:
    return host_plan(load_inventory(lab_inventory), "hr-01")


def facts(**changes: Any) -> dict[str, Any]:
    quiet: dict[str, Any] = {
        "listeners": [
            {"protocol": "tcp", "address": "0.0.0.0", "port": 22, "process": "sshd"},
            {"protocol": "tcp", "address": "127.0.0.1", "port": 5432, "process": "postgres"},
            {"protocol": "udp", "address": "0.0.0.0", "port": 41234, "process": "chronyd"},
        ],
        "logins": [
            {"time": "1796000000", "method": "publickey", "user": "bob", "from": "10.77.0.1"}
        ],
        "failed_logins": [],
        "sudo": [],
        "integrity": {"status": 0, "changes": [], "error": ""},
        "security_updates": [],
        "package_lists_age_seconds": 60,
        "kernel_audits": True,
    }
    return {**quiet, **changes}


def test_a_quiet_host_has_no_findings(hr_plan: HostPlan) -> None:
    assert host_findings(hr_plan, facts()) == []


def test_each_violation_is_a_finding_with_its_clause_and_severity(hr_plan: HostPlan) -> None:
    listed_port = hr_plan.port_rules[0]
    found = host_findings(
        hr_plan,
        facts(
            listeners=[
                {"protocol": "tcp", "address": "0.0.0.0", "port": 4444, "process": "nc"},
                {"protocol": "tcp", "address": "::", "port": listed_port.port, "process": "x"},
                {"protocol": "tcp", "address": "::1", "port": 9999, "process": "debug"},
            ],
            logins=[{"time": "1", "method": "password", "user": "mallory", "from": "10.9.9.9"}],
            failed_logins=[{"time": str(n), "user": "root", "from": "10.9.9.9"} for n in range(5)],
            sudo=[
                {
                    "time": "2",
                    "user": "bob",
                    "problem": "command not allowed",
                    "as": "root",
                    "command": "/bin/sh",
                }
            ],
            integrity={"status": 8, "changes": ["changed /etc/ssh/sshd_config"], "error": ""},
            security_updates=[
                {
                    "package": "openssl",
                    "installed": "3.0.1",
                    "available": "3.0.2",
                    "suite": "Debian-Security:12/stable-security",
                }
            ],
            kernel_audits=False,
        ),
    )
    summary = [(f.severity, f.clause, f.check, f.subject) for f in found]
    assert summary == [
        ("high", "REG-4.2.4", "unlisted listener", "tcp/4444"),
        ("high", "REG-6.2.3", "login not allowed by the directory", "mallory from 10.9.9.9"),
        ("high", "REG-4.2.3", "file changed against the baseline", "/etc/ssh/sshd_config"),
        ("high", "REG-4.2.3", "pending security update", "openssl"),
        ("medium", "REG-4.2.1", "repeated failed logins", "root from 10.9.9.9"),
        ("medium", "REG-4.2.1", "sudo refused", "bob: /bin/sh"),
        ("low", "REG-4.2.3", "kernel audit", "not available"),
    ]
    assert found[0].detail.startswith("nc listens on 0.0.0.0: a port no catalog service")


def test_real_log_and_apt_lines_are_read() -> None:
    accepted = host_facts.ACCEPTED.match(
        "Accepted publickey for alice from 10.77.0.1 port 50312 ssh2: ED25519 SHA256:abc"
    )
    assert accepted and accepted.groups() == ("publickey", "alice", "10.77.0.1")
    for line, user in (
        ("Failed password for invalid user admin from 10.9.9.9 port 4242 ssh2", "admin"),
        ("Failed publickey for bob from 10.9.9.9 port 4242 ssh2", "bob"),
        ("Invalid user oracle from 10.9.9.9 port 4242", "oracle"),
    ):
        failed = host_facts.FAILED.match(line)
        assert failed and user in failed.groups() and failed.group(3) == "10.9.9.9"
    sudo = host_facts.SUDO.match(
        "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u"
    )
    assert sudo and sudo.groups() == ("alice", None, "root", "/usr/bin/id -u")
    # Without a terminal (ssh hr-01 'sudo ...') sudo writes no TTY field at all.
    untty = host_facts.SUDO.match("alice : PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u")
    assert untty and untty.groups() == ("alice", None, "root", "/usr/bin/id -u")
    refused = host_facts.SUDO.match(
        "bob : command not allowed ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh"
    )
    assert refused and refused.group(2) == "command not allowed"
    update = host_facts.SECURITY_UPDATE.match(
        "Inst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security"
        " [amd64])"
    )
    assert update and update.group(1) == "libssl3" and update.group(3) == "3.0.17-1~deb12u2"
    assert host_facts._address("0100007F") == "127.0.0.1"
    assert host_facts._address("00000000000000000000000001000000") == "::1"


def test_the_host_facts_script_runs_here_and_reads_the_machine() -> None:
    seen = host_facts.listeners()
    assert all({"protocol", "address", "port", "process"} <= set(s) for s in seen)
    assert isinstance(host_facts.security_updates(), list)


def test_the_report_marks_new_findings_and_renders(hr_plan: HostPlan) -> None:
    changed = facts(integrity={"status": 8, "changes": ["added /etc/cron.d/x"], "error": ""})
    audit = HostAudit("hr-01", host_findings(hr_plan, changed), changed)
    first = report_document([audit], 0, 86400, set())
    assert first["summary"]["high"] == 1 and first["summary"]["new_high"] == 1
    again = report_document(
        [audit], 0, 86400, {("hr-01", "file changed against the baseline", "/etc/cron.d/x")}
    )
    assert again["summary"]["new_high"] == 0
    assert again["by_clause"] == {"REG-4.2.3": {"high": 1, "medium": 0, "low": 0}}
    assert again["activity"]["hr-01"]["logins"][0]["user"] == "bob"
    assert "security audit of 1 host(s)" in table(again)
    evil = facts(integrity={"status": 8, "changes": ["added /etc/<script>x"], "error": ""})
    page = render_html(
        {
            **report_document(
                [HostAudit("hr-01", host_findings(hr_plan, evil), evil)], 0, 1, set()
            ),
            "previous_report": None,
        }
    )
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_lynis_warnings_and_a_low_hardening_index_are_findings(hr_plan: HostPlan) -> None:
    lynis = {
        "hardening_index": 67,
        "warnings": [{"test": "PKGS-7392", "text": "Found one or more vulnerable packages."}],
        "suggestions": [{"test": "KRNL-6000", "text": "One or more sysctl values differ"}],
    }
    found = host_findings(hr_plan, facts(lynis=lynis))
    assert [(f.severity, f.check, f.subject) for f in found] == [
        ("medium", "Lynis warning", "PKGS-7392"),
        ("medium", "Lynis hardening index", "below the goal"),
    ]
    assert "67 (goal 80)" in found[1].detail and "KRNL-6000" in found[1].detail
    assert (
        host_findings(hr_plan, facts(lynis={**lynis, "warnings": [], "hardening_index": 81})) == []
    )


def test_the_backup_servers_transfer_accounts_may_log_in_there(lab_inventory: Path) -> None:
    from rampart.audit.run import service_accounts

    inventory = load_inventory(lab_inventory)
    accounts = service_accounts(inventory, "backup-01")
    assert {"backup-hr-01", "backup-oa-01"} <= accounts and service_accounts(
        inventory, "hr-01"
    ) == set()
    plan = host_plan(inventory, "backup-01")
    login = [{"time": "1", "method": "publickey", "user": "backup-hr-01", "from": "10.77.0.12"}]
    assert host_findings(plan, facts(logins=login), accounts) == []
    assert [f.check for f in host_findings(plan, facts(logins=login))] == [
        "login not allowed by the directory"
    ]
