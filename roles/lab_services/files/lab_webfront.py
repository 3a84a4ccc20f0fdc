#!/usr/bin/python3
"""Lab web front of a records database: a stand-in business application for the Rampart lab.

GET /health answers 200 "ok" only after a real `SELECT 1` on its database, and 503 otherwise;
GET / shows how many records the table holds. It gives the lab an HTTP service on the
database hosts to probe, firewall, back up around and monitor. Python standard library plus
Debian's python3-psycopg2; it connects over the local socket as its own system user (peer
authentication) and reads its settings from the environment its systemd unit sets.
"""

from __future__ import annotations

import html
import http.server
import logging
import os
import sys
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql

LOG = logging.getLogger("lab-webfront")


@dataclass(frozen=True)
class Settings:
    """Where to listen and which table of which database to count."""

    database: str
    table: str
    title: str
    bind_address: str
    port: int
    database_host: str
    database_port: int


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names it."""


def load_settings(environment: dict[str, str]) -> Settings:
    """Read the settings from the environment, failing with the name of a bad one."""

    def required(name: str) -> str:
        value = environment.get(name, "").strip()
        if not value:
            raise ConfigurationError(f"{name} is not set")
        return value

    def port(name: str, default: str) -> int:
        raw = environment.get(name, default).strip()
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ConfigurationError(f"{name} must be a TCP port number, not {raw!r}")
        return int(raw)

    return Settings(
        database=required("LAB_WEBFRONT_DATABASE"),
        table=required("LAB_WEBFRONT_TABLE"),
        title=environment.get("LAB_WEBFRONT_TITLE", "Records").strip() or "Records",
        bind_address=environment.get("LAB_WEBFRONT_BIND_ADDRESS", "0.0.0.0").strip(),  # noqa: S104 (a server)
        port=port("LAB_WEBFRONT_PORT", "8080"),
        database_host=environment.get("LAB_WEBFRONT_DATABASE_HOST", "/var/run/postgresql"),
        database_port=port("LAB_WEBFRONT_DATABASE_PORT", "5432"),
    )


def query_one(settings: Settings, statement: sql.Composable) -> object:
    """Run one read-only statement on a fresh connection and return the first column."""
    connection = psycopg2.connect(
        dbname=settings.database,
        host=settings.database_host,
        port=settings.database_port,
        connect_timeout=3,
        options="-c statement_timeout=3000 -c default_transaction_read_only=on",
        application_name="lab-webfront",
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            row = cursor.fetchone()
        connection.rollback()
        return None if row is None else row[0]
    finally:
        connection.close()


PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>Database <code>{database}</code>, table <code>{table}</code>:
<strong id="record-count">{count}</strong> records.</p>
</body>
</html>
"""


class Handler(http.server.BaseHTTPRequestHandler):
    """Answer /health and /; everything else is 404."""

    server_version = "lab-webfront/1"
    settings: Settings

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def respond(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health":
            status, content_type, body = self.health()
        elif path in ("/", "/index.html"):
            status, content_type, body = self.index()
        else:
            status, content_type, body = 404, "text/plain", "not found\n"
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(payload)

    def health(self) -> tuple[int, str, str]:
        try:
            answer = query_one(self.settings, sql.SQL("SELECT 1"))
        except psycopg2.Error as error:
            LOG.warning("health check failed: %s", str(error).strip())
            return 503, "text/plain", "database unavailable\n"
        if answer != 1:
            return 503, "text/plain", "database answered unexpectedly\n"
        return 200, "text/plain", "ok\n"

    def index(self) -> tuple[int, str, str]:
        statement = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(self.settings.table))
        try:
            count = query_one(self.settings, statement)
        except psycopg2.Error as error:
            LOG.warning("counting records failed: %s", str(error).strip())
            return 503, "text/plain", "database unavailable\n"
        page = PAGE.format(
            title=html.escape(self.settings.title),
            database=html.escape(self.settings.database),
            table=html.escape(self.settings.table),
            count=html.escape(str(count)),
        )
        return 200, "text/html", page

    def log_message(self, format: str, *args: object) -> None:
        LOG.info("%s %s", self.address_string(), format % args)


def main() -> int:
    """Serve until stopped; exit 2 with one line on a configuration error."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        settings = load_settings(dict(os.environ))
    except ConfigurationError as error:
        print(f"lab-webfront: configuration error: {error}", file=sys.stderr)
        return 2
    Handler.settings = settings
    server = http.server.ThreadingHTTPServer((settings.bind_address, settings.port), Handler)
    server.daemon_threads = True
    LOG.info(
        "serving %s.%s on %s:%d",
        settings.database,
        settings.table,
        settings.bind_address,
        settings.port,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
