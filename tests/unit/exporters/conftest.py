"""Loopback servers and config builders shared by the exporter unit tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class _Page(BaseHTTPRequestHandler):
    """Answers /health with 'ok', / with a portal page, anything else 404."""

    def do_GET(self) -> None:
        pages = {"/health": b"ok\n", "/": b"<h1>Office Portal</h1>"}
        body = pages.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"missing")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    """A real HTTP server on loopback."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _banner_server(banner: bytes) -> tuple[socket.socket, threading.Thread]:
    """A listener that sends `banner` to every client and closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with client:
                client.sendall(banner)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


@pytest.fixture
def banner_port() -> Iterator[Callable[[bytes], int]]:
    """Start banner servers on demand; all are closed after the test."""
    listeners: list[socket.socket] = []

    def start(banner: bytes) -> int:
        listener, _ = _banner_server(banner)
        listeners.append(listener)
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def check_entry(**fields: Any) -> dict[str, Any]:
    """A valid tcp check entry on loopback, overridden by `fields`."""
    entry: dict[str, Any] = {
        "host": "local",
        "address": "127.0.0.1",
        "name": "port",
        "type": "tcp",
        "port": 1,
        "interval_seconds": 5,
        "timeout_seconds": 1,
    }
    entry.update(fields)
    return entry


def write_config(path: Path, checks: list[dict[str, Any]], **fields: Any) -> Path:
    """Write an exporter config with one service holding `checks`."""
    document = {
        "listen": "127.0.0.1:0",
        "services": [
            {"id": "portal", "objective_ratio": 0.995, "maintenance": [], "checks": checks}
        ],
    }
    document.update(fields)
    path.write_text(json.dumps(document))
    return path
