"""Loopback servers shared by the unit tests of checks, the prober and runbook steps, and a
real ext4 volume like a lab host's for the storage, encryption and audit tests."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class _Page(BaseHTTPRequestHandler):
    """Answers /health with 'ok', / with a portal page, /moved with a redirect to /health,
    anything else 404."""

    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/health")
            self.end_headers()
            return
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


@pytest.fixture
def ext4_volume(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(image, mount point) of a 64 MiB ext4 volume made like a lab host's data volume
    (`-O encrypt`), loop-mounted with nodev only; unmounted afterwards."""
    image, mounted = tmp_path / "data.img", tmp_path / "data"
    with image.open("wb") as sparse:
        sparse.truncate(64 * 1024**2)
    subprocess.run(["mkfs.ext4", "-q", "-O", "encrypt", str(image)], check=True)
    mounted.mkdir()
    subprocess.run(["mount", "-o", "loop,nodev", str(image), str(mounted)], check=True)
    try:
        yield image, mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
