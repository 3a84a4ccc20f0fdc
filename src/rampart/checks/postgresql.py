"""The `postgresql` check: the probe login connects and the query returns a row."""

from __future__ import annotations

from rampart.checks.model import CheckKind, ProbeCheck, ProbeFailedError


def _read_secret(check: ProbeCheck) -> str:
    """The password, read from its file at each probe (rotation needs no restart)."""
    if check.password_file is None:
        return ""
    return check.password_file.read_text(encoding="utf-8").strip()


def probe(check: ProbeCheck) -> float | None:
    """Connect with a statement timeout, run the query, want one row."""
    import psycopg2  # only where a database is probed

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


KIND = CheckKind(
    ("postgresql",), ("database", "query", "user", "password_file"), "a PostgreSQL query", probe
)
