"""The security audit's judgement of one host (findings.py) on facts as host_facts.py
reports them, against the lab's plan; the parsing of real sshd, sudo and apt lines; the
report with new findings marked, as JSON, text and HTML (REG-4.2.3)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rampart.audit import host_facts
from rampart.audit.findings import host_findings
from rampart.audit.nft_table import read_table
from rampart.audit.run import HostAudit, at_rest_arguments, render_html, report_document, table
from rampart.inventory import load_inventory
from rampart.plan import HostPlan, host_plan

HR_TABLE = Path(__file__).parent / "fixtures" / "nft-hr-01.json"
HR_SSHD = Path(__file__).parent / "fixtures" / "sshd-T-hr-01.txt"


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
        # hr-01's table as the lab loads it (nft -j list table inet rampart), and the
        # controller the audit connects from.
        "firewall": {"ruleset": json.loads(HR_TABLE.read_text()), "error": ""},
        "auditor": {"address": "10.77.0.1", "ssh_port": 22},
        "sshd": {"text": HR_SSHD.read_text(), "error": ""},  # hr-01's `sshd -T`
        "at_rest": [
            {"data_set": "hr-documents", "database": "", "path": "/srv/hr/documents"}
            | {"method": "fscrypt", "filesystem": "ext4", "error": ""},
            {"data_set": "hr-database", "database": "hr", "path": "/var/lib/postgresql/15/main"}
            | {"method": "fscrypt", "filesystem": "ext4", "error": ""},
        ],
    }
    return {**quiet, **changes}


def edited_table(edit: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    """hr-01's loaded table with its list of objects changed by `edit`."""
    document = json.loads(HR_TABLE.read_text())
    edit(document["nftables"])
    return {"ruleset": document, "error": ""}


def rule_of(objects: list[dict[str, Any]], comment: str) -> dict[str, Any]:
    return next(o["rule"] for o in objects if o.get("rule", {}).get("comment") == comment)


def test_the_loaded_firewall_is_held_against_the_plan(hr_plan: HostPlan) -> None:
    def widen_and_open(objects: list[dict[str, Any]]) -> None:
        front = rule_of(objects, "hr-records")  # tcp/8080 from the portal and mon-01
        front["expr"] = front["expr"][1:]  # now from anywhere
        ssh = rule_of(objects, "admin SSH")
        ssh["expr"][0]["match"]["right"]["set"].append({"prefix": {"addr": "10.9.0.0", "len": 16}})
        opened = json.loads(json.dumps(rule_of(objects, "node-exporter")))
        opened["expr"][1]["match"]["right"] = 4444
        opened["expr"][0]["match"]["right"] = {"set": ["10.9.9.9", "10.77.0.0/24"]}
        objects.append({"rule": {**opened, "comment": "by hand"}})
        objects.remove({"rule": rule_of(objects, "node-exporter")})
        next(o["chain"] for o in objects if o.get("chain", {}).get("name") == "input")["policy"] = (
            "accept"
        )

    # The lab names its controller with a template only Ansible renders; rendered here.
    rendered = replace(hr_plan, admin_addresses=("10.77.0.1", "10.77.0.15"))
    found = host_findings(rendered, facts(firewall=edited_table(widen_and_open)))
    assert {(f.severity, f.check, f.subject): f.detail for f in found} == {
        ("high", "firewall lets in by default", "inet rampart input"): (
            "the input chain's policy is accept, not drop"
        ),
        ("high", "port open outside the plan", "tcp/4444"): (
            "the loaded firewall lets 10.77.0.0/24, 10.9.9.9 in; the plan keeps it shut"
        ),
        ("high", "port open wider than the plan", "tcp/8080"): (
            "also open to any address; the plan: 10.77.0.11, 10.77.0.15"
        ),
        ("medium", "admin SSH wider than the plan", "tcp/22"): (
            "also let in from 10.9.0.0/16: not in rampart_admin_sources"
        ),
        ("medium", "planned port shut", "tcp/9100"): (
            "the plan opens it to 10.77.0.15; the loaded firewall does not"
            " (quarantined, or changed by hand?)"
        ),
    }
    assert all(f.clause == "REG-4.2.4" for f in found)
    # Audited from elsewhere, a controller's own SSH opening is the medium finding; with
    # the plan's template unrendered, only SSH open to any address would be judged.
    from_mon = facts(auditor={"address": "10.77.0.15", "ssh_port": 22})
    elsewhere = host_findings(replace(hr_plan, admin_addresses=("10.77.0.15",)), from_mon)
    assert [(f.check, f.detail) for f in elsewhere] == [
        (
            "admin SSH wider than the plan",
            "also let in from 10.77.0.1: not in rampart_admin_sources",
        )
    ]
    assert "{{" in "".join(hr_plan.admin_addresses) and host_findings(hr_plan, from_mon) == []
    missing = host_findings(
        hr_plan, facts(firewall={"ruleset": None, "error": "Error: No such file or directory"})
    )
    assert [(f.severity, f.check, f.detail) for f in missing] == [
        ("high", "firewall not loaded", "Error: No such file or directory")
    ]


def test_sshd_settings_short_of_the_hardening_are_findings(hr_plan: HostPlan) -> None:
    weakened = {
        "passwordauthentication": "yes",
        "permitrootlogin": "yes",
        "x11forwarding": "yes",
        "maxauthtries": "6",
        "ciphers": "chacha20-poly1305@openssh.com,aes128-cbc",
        "macs": "hmac-sha2-256-etm@openssh.com,hmac-sha1",
    }
    lines = [
        f"{key} {weakened[key]}" if key in weakened else line
        for line in HR_SSHD.read_text().splitlines()
        for key in [line.partition(" ")[0]]
        if key != "allowgroups"
    ]
    found = host_findings(hr_plan, facts(sshd={"text": "\n".join(lines), "error": ""}))
    assert {(f.severity, f.clause, f.subject): f.detail for f in found} == {
        ("high", "REG-4.2.1", "passwordauthentication"): "is yes; the hardening wants no",
        ("high", "REG-4.2.1", "permitrootlogin"): (
            "is yes; the hardening wants no or prohibit-password or without-password"
        ),
        ("medium", "REG-4.2.1", "x11forwarding"): "is yes; the hardening wants no",
        ("medium", "REG-4.2.1", "maxauthtries"): "is 6; at most 4",
        ("medium", "REG-4.2.1", "allowgroups"): "unset: any account may log in",
        ("high", "REG-4.2.2", "ciphers"): "offers weak aes128-cbc",
        ("high", "REG-4.2.2", "macs"): "offers weak hmac-sha1",
    }
    unknown = host_findings(hr_plan, facts(sshd={"text": "", "error": "sshd: No such file"}))
    assert [(f.check, f.detail) for f in unknown] == [
        ("sshd settings unknown", "sshd: No such file")
    ]


def test_ssh_open_to_any_is_no_finding_where_the_plan_serves_sftp_on_it(
    lab_inventory: Path,
) -> None:
    backup = host_plan(load_inventory(lab_inventory), "backup-01")  # backup-sftp: tcp/22, any

    def ssh_to_any(objects: list[dict[str, Any]]) -> None:
        rule_of(objects, "admin SSH")["expr"].pop(0)

    found = host_findings(backup, facts(firewall=edited_table(ssh_to_any)))
    assert [f for f in found if f.subject == "tcp/22"] == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a network namespace of its own needs root")
def test_real_nft_output_is_read(tmp_path: Path) -> None:
    ruleset = tmp_path / "rampart.nft"
    ruleset.write_text(
        "table inet rampart {\n chain input {\n  type filter hook input priority filter;"
        " policy drop;\n  iif lo accept\n"
        '  ip saddr { 10.0.0.0/8, 192.0.2.7 } tcp dport 8080 accept comment "web"\n'
        "  ip6 saddr 2001:db8::/32 tcp dport 8080 accept\n"
        "  udp dport { 53, 123 } accept\n  tcp dport 1000-1010 accept\n"
        "  tcp dport 22 ct state established accept\n }\n}\n"
    )
    listed = subprocess.run(
        ["unshare", "--net", "sh", "-c", f"nft -f {ruleset} && nft -j list table inet rampart"],
        capture_output=True,
        text=True,
        check=True,
    )
    table = read_table(json.loads(listed.stdout))
    assert table.policy == "drop"
    assert table.openings == {
        ("tcp", "8080"): frozenset({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}),
        ("udp", "53,123"): None,
        ("tcp", "1000-1010"): None,
    }


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


def test_sensitive_data_not_encrypted_at_rest_is_a_finding(hr_plan: HostPlan) -> None:
    # The audit asks hr-01 about exactly its sensitive data sets' folders and database.
    assert at_rest_arguments(hr_plan) == [
        "--database=hr-database=hr",
        "--path=hr-documents=/srv/hr/documents",
    ]
    documents, database = facts()["at_rest"]
    plain = [documents | {"method": ""}, database | {"path": "", "error": "psql: no server"}]
    found = [
        (f.clause, f.severity, f.check, f.subject)
        for f in host_findings(hr_plan, facts(at_rest=plain))
    ]
    assert found == [
        ("REG-4.2.2", "high", "not encrypted at rest", "hr-documents /srv/hr/documents"),
        ("REG-4.2.2", "medium", "encryption at rest", "hr-database database hr"),
    ]
    gocryptfs = documents | {"method": "gocryptfs", "filesystem": "fuse.gocryptfs"}
    assert host_findings(hr_plan, facts(at_rest=[gocryptfs, database])) == []


def test_an_fscrypt_folder_is_told_from_a_plain_one_on_a_real_filesystem(
    ext4_volume: tuple[Path, Path], tmp_path: Path
) -> None:
    _, mounted = ext4_volume
    (mounted / "secret").mkdir()
    (mounted / "plain").mkdir()
    # A v1 policy with e4crypt (e2fsprogs); fscrypt's v2 policies set the same flag.
    subprocess.run(
        ["e4crypt", "add_key", "-S", "0x" + os.urandom(8).hex(), str(mounted / "secret")],
        input="a test passphrase\n",
        text=True,
        capture_output=True,
        check=True,
    )
    seen = [host_facts.encryption(str(mounted / name)) for name in ("secret", "plain")]
    assert [(s["method"], s["filesystem"], s["error"]) for s in seen] == [
        ("fscrypt", "ext4", ""),
        ("", "ext4", ""),
    ]
    missing = host_facts.encryption(str(tmp_path / "nowhere"))
    assert missing["method"] == "" and "No such file" in missing["error"]


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
    # (hr-01's firewall table stands in: only the logins are judged here)
    found = host_findings(plan, facts(logins=login), accounts)
    assert [f for f in found if f.clause != "REG-4.2.4"] == []
    unknown = host_findings(plan, facts(logins=login))
    assert [f.check for f in unknown if f.clause != "REG-4.2.4"] == [
        "login not allowed by the directory"
    ]
