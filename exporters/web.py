"""Serve Prometheus metrics (and small static pages) over HTTPS with basic auth, like
exporter-toolkit does.

prometheus_client's own server has no basic auth; this one reads the same web config file
as node_exporter (`tls_server_config.cert_file/key_file`, `basic_auth_users` with bcrypt
hashes), so one format serves every Rampart endpoint. The TLS handshake runs in the
request's own thread, so a slow or plain-HTTP client never blocks the others; plain HTTP
on a TLS port gets no answer. A client that sends `Accept-Encoding: gzip` (Prometheus
does) gets the body gzipped; the compressed form is kept and reused while the body stays
the same, so an exporter that serves cached bytes pays for compression once per change.
Every Rampart exporter serves through it, and so do the runbook pages on the monitoring
host (`WebServer` with a page per path; `MetricsServer` is the one with `/metrics`).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import re
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket
from typing import Any

import yaml
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import gzip_accepted

from rampart import user_input
from rampart.errors import ConfigError

REQUEST_TIMEOUT_SECONDS = 10
# Level 1: a 4 MiB exposition shrinks about 20-fold in a third of level 6's time.
GZIP_LEVEL = 1


@dataclass(frozen=True)
class WebConfig:
    """TLS files and the users allowed in (name -> bcrypt hash); empty means open."""

    cert_file: Path | None = None
    key_file: Path | None = None
    users: Mapping[str, str] = field(default_factory=dict)


BCRYPT_HASH = re.compile(r"\$2[abxy]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
"""A bcrypt hash as `htpasswd -B` and Python's bcrypt write it: anything else never matches
a password, so every scrape would be refused without a word."""


def load_web_config(path: Path | None) -> WebConfig:
    """Read an exporter-toolkit style web config file; None means plain HTTP, no auth.
    Every problem is one line naming the file and the key, before anything listens."""
    if path is None:
        return WebConfig()
    text = user_input.read_text(path, "the web config")
    try:
        document: Any = yaml.safe_load(text) or {}
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or " ".join(str(error).split())
        raise ConfigError(f"{path}{line}: the web config is not valid YAML: {reason}") from None
    return parse_web_config(document, str(path))


def parse_web_config(document: Any, where: str) -> WebConfig:
    """Check a web config document: TLS files that exist, users with bcrypt hashes."""
    if not isinstance(document, dict):
        raise ConfigError(f"{where}: the web config must be a mapping")
    tls = document.get("tls_server_config") or {}
    users = document.get("basic_auth_users") or {}
    if not isinstance(tls, dict) or not isinstance(users, dict):
        raise ConfigError(f"{where}: tls_server_config and basic_auth_users must be mappings")
    files = {}
    for name in ("cert_file", "key_file"):
        if tls.get(name) is not None:
            files[name] = Path(str(tls[name]))
            if not files[name].is_file():
                raise ConfigError(f"{where}: tls_server_config.{name} {tls[name]} does not exist")
    if bool(files.get("cert_file")) != bool(files.get("key_file")):
        raise ConfigError(f"{where}: tls_server_config needs both cert_file and key_file")
    for user, hashed in users.items():
        if not isinstance(hashed, str) or not BCRYPT_HASH.fullmatch(hashed.strip()):
            raise ConfigError(
                f"{where}: basic_auth_users.{user}: not a bcrypt hash ($2b$10$ and 53"
                ' characters); make one with `htpasswd -nBC 10 ""` or Python\'s bcrypt'
            )
    return WebConfig(
        files.get("cert_file"),
        files.get("key_file"),
        {str(k): str(v).strip() for k, v in users.items()},
    )


class BasicAuth:
    """Checks `Authorization: Basic` headers against bcrypt hashes, caching good answers.

    bcrypt is slow on purpose; Prometheus sends the same credentials every scrape, so a
    verified (user, password digest) pair is remembered and later checked in constant time.
    """

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = dict(users)
        self._verified: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        """Whether any user is configured (no users: the endpoint is open)."""
        return bool(self._users)

    def allows(self, header: str | None) -> bool:
        """Whether the header carries a configured user's right password."""
        if not self.required:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        stored = self._users.get(user)
        if stored is None:
            return False
        digest = hashlib.sha256(password.encode()).digest()
        with self._lock:
            known = self._verified.get(user)
        if known is not None:
            return hmac.compare_digest(known, digest)
        import bcrypt

        if not bcrypt.checkpw(password.encode(), stored.encode()):
            return False
        with self._lock:
            self._verified[user] = digest
        return True


@dataclass(frozen=True)
class Page:
    """One answer of the server: its bytes and their content type."""

    body: bytes
    content_type: str


class WebServer(ThreadingHTTPServer):
    """A threading HTTP(S) server behind basic auth; `page` answers a path (None: 404)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], page: Callable[[str], Page | None], web: WebConfig
    ) -> None:
        self.page = page
        self.auth = BasicAuth(web.users)
        self._gzip_lock = threading.Lock()
        self._gzip_of = b""
        self._gzip = gzip.compress(b"", compresslevel=GZIP_LEVEL, mtime=0)
        self.tls: ssl.SSLContext | None = None
        if web.cert_file is not None and web.key_file is not None:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                self.tls.load_cert_chain(str(web.cert_file), str(web.key_file))
            except (OSError, ssl.SSLError) as error:
                raise ConfigError(
                    f"{web.cert_file}: cannot load the certificate: {error}"
                ) from None
        try:
            super().__init__(address, WebHandler)
        except (OSError, OverflowError) as error:
            raise user_input.bind_failure(address[0], address[1], error) from None
        # accept() never waits: a connection select() announced may be gone when accept()
        # runs (a scraper that reset it), and a blocked accept() stops every scrape and
        # shutdown() (seen in the unit suite under load); socketserver drops the attempt.
        self.socket.setblocking(False)

    def gzipped(self, body: bytes) -> bytes:
        """`body` gzipped; compressed again only when it differs from the last one."""
        with self._gzip_lock:
            if body != self._gzip_of:
                self._gzip = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
                self._gzip_of = body
            return self._gzip

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Handshake TLS in the request's thread, then serve it."""
        connection: socket = request
        connection.settimeout(REQUEST_TIMEOUT_SECONDS)
        if self.tls is not None:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError):
                return
        super().finish_request(connection, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is not the server's error; say nothing."""


class MetricsServer(WebServer):
    """The exporters' server: `body` makes each scrape's answer at /metrics."""

    def __init__(self, address: tuple[str, int], body: Callable[[], bytes], web: WebConfig) -> None:
        def page(path: str) -> Page | None:
            return Page(body(), CONTENT_TYPE_LATEST) if path == "/metrics" else None

        super().__init__(address, page, web)


HTML_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
"""Pages load nothing and run nothing: whatever slipped through escaping stays inert."""


class WebHandler(BaseHTTPRequestHandler):
    """GET a page (after auth); a path without a page is 404."""

    server: WebServer
    server_version = "rampart-exporter"
    sys_version = ""

    def do_GET(self) -> None:
        """Answer one GET."""
        if not self.server.auth.allows(self.headers.get("Authorization")):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="rampart"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        page = self.server.page(self.path.split("?", 1)[0])
        if page is None:
            self.send_error(404)
            return
        body = page.body
        compress = gzip_accepted(self.headers.get("Accept-Encoding", ""))
        if compress:
            body = self.server.gzipped(body)
        self.send_response(200)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Vary", "Accept-Encoding")
        if page.content_type.startswith("text/html"):
            for name, value in HTML_HEADERS:
                self.send_header(name, value)
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: scrapes every few seconds would flood the journal."""


def remembered_hash(password: str, cache: Path) -> tuple[str, bool]:
    """A bcrypt hash of `password` for a web config, and whether it is new: the hash kept in
    `cache` while it still matches (so a config written from it changes only when the
    password does), else a fresh one written there (0600)."""
    import bcrypt

    if not password:
        raise ConfigError(f"{cache}: no password to hash (the web password is empty)")
    try:
        kept = cache.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    except OSError as error:
        raise ConfigError(f"{cache}: cannot read the kept hash: {error}") from None
    try:
        if kept and bcrypt.checkpw(password.encode(), kept.encode()):
            return kept, False
    except ValueError:
        pass
    fresh = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        cache.write_text(fresh + "\n", encoding="utf-8")
        cache.chmod(0o600)
    except OSError as error:
        raise ConfigError(f"{cache}: cannot keep the hash: {error}") from None
    return fresh, True
