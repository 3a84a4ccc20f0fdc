"""Alerts reach people (REG-9.3.1), as the owner meets them: the office portal goes down,
and a mail with the runbook's absolute link lands in IT's mailbox on oa-01 (it@ is alice's,
roles/lab_services' aliases) within the alert's `for` plus a minute; a resolved mail follows.
Written without a lab to run on; see docs/monitoring.md.
"""

from __future__ import annotations

import time

import pytest
import testinfra

from tests.integration.conftest import INVENTORY

pytestmark = pytest.mark.lab

MAILBOX = "/var/mail/alice"
RUNBOOK = "/runbooks/service-outage.yml"
ALERT_FOR = 60.0  # RampartServiceDown's `for: 1m`


def host(name: str) -> testinfra.host.Host:
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def mailbox(office: testinfra.host.Host) -> str:
    result = office.run(f"cat {MAILBOX} 2>/dev/null || true")
    return str(result.stdout)


def wait_for_mail(office: testinfra.host.Host, before: int, marker: str, timeout: float) -> str:
    """The mailbox's new text once it holds `marker` after offset `before`."""
    deadline = time.monotonic() + timeout
    while True:
        new = mailbox(office)[before:]
        if marker in new:
            return new
        if time.monotonic() > deadline:
            pytest.fail(f"no mail with {marker!r} in {MAILBOX} within {timeout:.0f} s")
        time.sleep(5)


def test_a_portal_outage_mails_the_owner_with_the_runbook_link_and_then_resolves() -> None:
    office = host("oa-01")
    monitor = host("mon-01")
    address = str(monitor.ansible.get_variables()["ansible_host"])
    before = len(mailbox(office))
    office.run_expect([0], "systemctl stop nginx")
    try:
        firing = wait_for_mail(
            office, before, "[FIRING:1] RampartServiceDown office-portal", ALERT_FOR + 60
        )
        assert "To: IT department <it@rampart.internal>" in firing
        assert f"https://{address}:8443{RUNBOOK}" in firing
        assert f"https://{address}:9090/graph" in firing
    finally:
        office.run_expect([0], "systemctl start nginx")
    resolved = wait_for_mail(office, before, "[RESOLVED] RampartServiceDown office-portal", 120)
    assert f"https://{address}:8443{RUNBOOK}" in resolved


def test_the_watchdog_reaches_the_dead_mans_switch() -> None:
    office = host("oa-01")
    calls = office.run("wc -l < /var/log/nginx/dead-mans-switch.log").stdout.strip() or "0"
    time.sleep(75)  # watchdog_repeat_interval: 1m
    after = office.run("wc -l < /var/log/nginx/dead-mans-switch.log").stdout.strip() or "0"
    assert int(after) > int(calls)
