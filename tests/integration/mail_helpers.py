"""Reading IT's mailbox on oa-01, where the lab's alert mail lands (it@ is alice's,
roles/lab_services' aliases)."""

from __future__ import annotations

import mailbox
import tempfile
import time
from email.message import Message
from pathlib import Path

import pytest
import testinfra

MAILBOX = "/var/mail/alice"
ALERT_FOR = 60.0  # RampartServiceDown's `for: 1m`


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
