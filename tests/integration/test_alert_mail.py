"""Alerts reach people (REG-9.3.1), as the owner meets them: the office portal goes down,
and a mail with the runbook's absolute link lands in IT's mailbox on oa-01 (it@ is alice's,
roles/lab_services' aliases) within the alert's `for` plus a minute; a resolved mail follows.
The watchdog reaches the lab's dead-man's switch (oa-01's portal logs each call).
"""

from __future__ import annotations

import mailbox
import tempfile
import time
from email.message import Message
from pathlib import Path

import pytest
import testinfra

from tests.integration.conftest import INVENTORY

pytestmark = pytest.mark.lab

MAILBOX = "/var/mail/alice"
SWITCH_LOG = "/var/log/nginx/dead-mans-switch.log"
RUNBOOK = "runbooks/service-outage.yml"
ALERT_FOR = 60.0  # RampartServiceDown's `for: 1m`
WATCHDOG_REPEAT = 60.0  # rampart_alerting.watchdog_repeat_interval in the lab


def host(name: str) -> testinfra.host.Host:
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def mails(office: testinfra.host.Host) -> list[Message]:
    """Every mail in alice's mailbox on oa-01, oldest first (none while it does not exist)."""
    text = office.run(f"cat {MAILBOX} 2>/dev/null || true").stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mbox"
        path.write_text(text, encoding="utf-8")
        return list(mailbox.mbox(path))


def text_of(mail: Message) -> str:
    """The plain text part, decoded (Alertmanager sends it quoted-printable)."""
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode("utf-8", "replace")
    return ""


def wait_for_mail(office: testinfra.host.Host, after: int, subject: str, timeout: float) -> Message:
    """The first mail past the first `after` ones whose subject starts with `subject`."""
    deadline = time.monotonic() + timeout
    while True:
        for mail in mails(office)[after:]:
            if str(mail["Subject"] or "").startswith(subject):
                return mail
        if time.monotonic() > deadline:
            pytest.fail(f"no mail '{subject}...' in {MAILBOX} on oa-01 within {timeout:.0f} s")
        time.sleep(5)


def test_a_portal_outage_mails_the_owner_with_the_runbook_link_and_then_resolves() -> None:
    office, monitor = host("oa-01"), host("mon-01")
    runbook = f"https://{monitor.ansible.get_variables()['ansible_host']}:8443/{RUNBOOK}"
    before = len(mails(office))
    office.run_expect([0], "systemctl stop nginx")
    try:
        firing = wait_for_mail(
            office, before, "[FIRING:1] RampartServiceDown office-portal", ALERT_FOR + 60
        )
        assert "it@rampart.internal" in str(firing["To"])
        text = text_of(firing)
        assert "Service office-portal is down" in text
        assert f"Runbook: {runbook}" in text
        assert "Alert: https://" in text
    finally:
        office.run_expect([0], "systemctl start nginx")
    resolved = wait_for_mail(office, before, "[RESOLVED] RampartServiceDown office-portal", 120)
    assert f"Runbook: {runbook}" in text_of(resolved)


def test_the_watchdog_reaches_the_dead_mans_switch() -> None:
    office = host("oa-01")

    def calls() -> int:
        counted = office.run(f"cat {SWITCH_LOG} 2>/dev/null | wc -l").stdout.strip()
        return int(counted or 0)

    before = calls()
    time.sleep(WATCHDOG_REPEAT + 15)
    assert calls() > before, f"no POST in {SWITCH_LOG} within {WATCHDOG_REPEAT + 15:.0f} s"
