"""One probe of one check: connect, ask, judge. Each returns an `Outcome` and never raises.

Every network operation is bounded by the check's timeout, so a probe ends in about
`timeout_seconds` at worst; a probe that overruns it still counts as failed.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from rampart.exporters.availability.config import ProbeCheck

BODY_LIMIT_BYTES = 1 << 20


@dataclass(frozen=True)
class Outcome:
    """What one probe found: success, how long it took, why it failed, certificate expiry."""

    success: bool
    duration_seconds: float
    detail: str
    certificate_expiry: float | None = None


class ProbeFailedError(Exception):
    """A probe's judgement that the target is not healthy, with the reason."""


def _read_secret(check: ProbeCheck) -> str:
    """The password of a check, read from its file at each probe (rotation needs no restart)."""
    if check.password_file is None:
        return ""
    return check.password_file.read_text(encoding="utf-8").strip()


def probe_tcp(check: ProbeCheck) -> float | None:
    """The port accepts a TCP connection."""
    with socket.create_connection((check.address, check.port or 0), check.timeout_seconds):
        return None


def probe_smtp(check: ProbeCheck) -> float | None:
    """The server greets with a 220 banner."""
    with socket.create_connection((check.address, check.port or 0), check.timeout_seconds) as sock:
        sock.settimeout(check.timeout_seconds)
        banner = sock.makefile("rb").readline(1024).decode("ascii", "replace")
        sock.sendall(b"QUIT\r\n")
    if not banner.startswith("220"):
        raise ProbeFailedError(f"unexpected SMTP banner {banner.strip()[:60]!r}")
    return None


def probe_http(check: ProbeCheck) -> float | None:
    """The page answers with the expected status and body; HTTPS also reports cert expiry."""
    connection: http.client.HTTPConnection
    if check.type == "https":
        context = ssl.create_default_context(cafile=str(check.ca_file) if check.ca_file else None)
        connection = http.client.HTTPSConnection(
            check.address, check.port, timeout=check.timeout_seconds, context=context
        )
    else:
        connection = http.client.HTTPConnection(
            check.address, check.port, timeout=check.timeout_seconds
        )
    expiry = None
    try:
        connection.request("GET", check.path, headers={"User-Agent": "rampart-availability"})
        if isinstance(connection, http.client.HTTPSConnection) and connection.sock is not None:
            certificate = connection.sock.getpeercert()
            if certificate and "notAfter" in certificate:
                expiry = float(ssl.cert_time_to_seconds(str(certificate["notAfter"])))
        response = connection.getresponse()
        body = response.read(BODY_LIMIT_BYTES).decode("utf-8", "replace")
    finally:
        connection.close()
    if check.expect_status is not None and response.status != check.expect_status:
        raise ProbeFailedError(f"status {response.status}, expected {check.expect_status}")
    if check.expect_status is None and not 200 <= response.status < 400:
        raise ProbeFailedError(f"status {response.status}")
    if check.expect_body is not None and check.expect_body not in body:
        raise ProbeFailedError(f"body does not contain {check.expect_body!r}")
    if expiry is not None and expiry < time.time():
        raise ProbeFailedError("certificate has expired")
    return expiry


def probe_postgresql(check: ProbeCheck) -> float | None:
    """The probe login connects to the database and the query returns a row."""
    import psycopg2

    timeout_ms = int(check.timeout_seconds * 1000)
    connection = psycopg2.connect(
        host=check.address,
        port=check.port,
        dbname=check.database,
        user=check.user,
        password=_read_secret(check),
        connect_timeout=max(1, int(check.timeout_seconds)),
        options=f"-c statement_timeout={timeout_ms}",
        application_name="rampart-availability",
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(check.query or "SELECT 1")
            if cursor.fetchone() is None:
                raise ProbeFailedError("the query returned no row")
    finally:
        connection.close()
    return None


def probe_ssh_command(check: ProbeCheck) -> float | None:
    """The command exits 0 on the host, over SSH with a known host key only."""
    import paramiko

    client = paramiko.SSHClient()
    client.load_host_keys(str(check.known_hosts_file))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            check.address,
            port=check.port or 22,
            username=check.user,
            key_filename=str(check.ssh_key_file),
            timeout=check.timeout_seconds,
            banner_timeout=check.timeout_seconds,
            auth_timeout=check.timeout_seconds,
            allow_agent=False,
            look_for_keys=False,
        )
        _stdin, stdout, _stderr = client.exec_command(
            check.command or "", timeout=check.timeout_seconds
        )
        status = stdout.channel.recv_exit_status()
    finally:
        client.close()
    if status != 0:
        raise ProbeFailedError(f"command exited with status {status}")
    return None


PROBES: dict[str, Callable[[ProbeCheck], float | None]] = {
    "tcp": probe_tcp,
    "smtp": probe_smtp,
    "http": probe_http,
    "https": probe_http,
    "postgresql": probe_postgresql,
    "ssh_command": probe_ssh_command,
}


def run_probe(check: ProbeCheck) -> Outcome:
    """Probe one check and judge it; errors become a failed outcome with a short reason."""
    started = time.perf_counter()
    expiry = None
    try:
        expiry = PROBES[check.type](check)
    except ProbeFailedError as failure:
        return Outcome(False, time.perf_counter() - started, str(failure))
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return Outcome(False, time.perf_counter() - started, reason[:200])
    duration = time.perf_counter() - started
    if duration > check.timeout_seconds:
        return Outcome(False, duration, "timed out", expiry)
    return Outcome(True, duration, "ok", expiry)
