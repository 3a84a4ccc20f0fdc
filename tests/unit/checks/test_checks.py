"""Every check kind against real loopback servers: what passes, what fails and why."""

from __future__ import annotations

import time
from collections.abc import Callable

from rampart.checks import ProbeCheck, run_check


def make_check(check_type: str, port: int, **fields: object) -> ProbeCheck:
    """A check on loopback with a short timeout."""
    return ProbeCheck(
        service="portal",
        host="local",
        address="127.0.0.1",
        name="check",
        type=check_type,
        port=port,
        critical=True,
        interval_seconds=5,
        timeout_seconds=1,
        **fields,  # type: ignore[arg-type]
    )


def test_http_passes_on_status_and_body(http_port: int) -> None:
    outcome = run_check(make_check("http", http_port, path="/health", expect_body="ok"))
    assert outcome.success, outcome.detail
    assert 0 < outcome.duration_seconds < 1


def test_http_fails_on_wrong_body_or_status(http_port: int) -> None:
    body = run_check(make_check("http", http_port, path="/", expect_body="Finance"))
    status = run_check(make_check("http", http_port, path="/nope"))
    expected = run_check(make_check("http", http_port, path="/", expect_status=201))
    assert not body.success and "body does not contain 'Finance'" in body.detail
    assert not status.success and status.detail == "status 404"
    assert not expected.success and expected.detail == "status 200, expected 201"


def test_tcp_passes_on_a_listener_and_fails_on_a_closed_port(
    http_port: int, closed_port: int
) -> None:
    assert run_check(make_check("tcp", http_port)).success
    refused = run_check(make_check("tcp", closed_port))
    assert not refused.success and "refused" in refused.detail.lower()


def test_smtp_needs_a_220_banner(banner_port: Callable[[bytes], int]) -> None:
    good = run_check(make_check("smtp", banner_port(b"220 mail ESMTP Postfix\r\n")))
    bad = run_check(make_check("smtp", banner_port(b"554 go away\r\n")))
    assert good.success, good.detail
    assert not bad.success and "unexpected SMTP banner '554 go away'" in bad.detail


def test_a_silent_server_fails_within_the_timeout(banner_port: Callable[[bytes], int]) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        started = time.monotonic()
        outcome = run_check(make_check("smtp", listener.getsockname()[1]))
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert not outcome.success
    assert 0.9 < elapsed < 2.0


def test_postgresql_against_a_closed_port_fails_without_leaking(
    closed_port: int, tmp_path: object
) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "password"
    secret.write_text("do-not-print-me\n")
    outcome = run_check(
        make_check(
            "postgresql",
            closed_port,
            database="hr",
            query="SELECT 1",
            user="rampart_probe",
            password_file=secret,
        )
    )
    assert not outcome.success
    assert "do-not-print-me" not in outcome.detail
