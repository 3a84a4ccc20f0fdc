"""The `http` and `https` checks: one GET, redirects not followed, HTTPS verified against
the check's CA file; the answer must have the expected status and body."""

from __future__ import annotations

import http.client
import ssl
import time

from rampart.checks.model import CheckKind, ProbeCheck, ProbeFailedError

BODY_LIMIT_BYTES = 1 << 20


def probe(check: ProbeCheck) -> float | None:
    """GET the path; HTTPS also reports the certificate's expiry (Unix time)."""
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


KIND = CheckKind(("http", "https"), (), "an HTTP(S) request", probe)
