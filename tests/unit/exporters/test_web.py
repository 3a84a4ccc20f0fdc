"""The shared exporter web server: TLS and basic auth, with real sockets and openssl."""

from __future__ import annotations

import base64
import gzip
import http.client
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from rampart.errors import ConfigError
from rampart.exporters.web import MetricsServer, load_web_config

PASSWORD = "scrape-password-for-tests"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def write_web_config(folder: Path, cert: Path | None, key: Path | None) -> Path:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    lines = [f"basic_auth_users:\n  prometheus: '{hashed}'\n"]
    if cert and key:
        lines.append(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
    path = folder / "web.yml"
    path.write_text("".join(lines))
    return path


@pytest.fixture
def tls_server(tmp_path: Path, certificate: tuple[Path, Path]) -> Iterator[int]:
    registry = CollectorRegistry()
    Counter("rampart_test_scrapes", "A counter for the test.", registry=registry).inc()
    web = load_web_config(write_web_config(tmp_path, *certificate))
    server = MetricsServer(("127.0.0.1", 0), lambda: generate_latest(registry), web)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, context: ssl.SSLContext, authorization: str | None) -> tuple[int, str]:
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    headers = {"Authorization": authorization} if authorization else {}
    connection.request("GET", "/metrics", headers=headers)
    response = connection.getresponse()
    return response.status, response.read().decode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_only_the_right_credentials_get_metrics(
    tls_server: int, certificate: tuple[Path, Path]
) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    assert get(tls_server, context, None)[0] == 401
    assert get(tls_server, context, basic("prometheus", "wrong"))[0] == 401
    assert get(tls_server, context, basic("intruder", PASSWORD))[0] == 401
    assert get(tls_server, context, "Basic !!!not-base64")[0] == 401
    for _ in range(2):  # the second answer comes from the verified cache
        status, body = get(tls_server, context, basic("prometheus", PASSWORD))
        assert status == 200
        assert "rampart_test_scrapes_total 1.0" in body


def test_plain_http_on_the_tls_port_gets_no_answer(tls_server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", tls_server, timeout=5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        connection.request("GET", "/metrics")
        connection.getresponse()


def test_a_missing_certificate_is_one_line(tmp_path: Path) -> None:
    path = write_web_config(tmp_path, tmp_path / "absent.pem", tmp_path / "absent.key")
    with pytest.raises(
        ConfigError, match=r"tls_server_config.cert_file .*absent.pem does not exist"
    ):
        load_web_config(path)


def test_gzip_is_served_when_asked_and_compressed_once_per_body() -> None:
    bodies = [b"rampart_test_value 1.0\n" * 1000]
    server = MetricsServer(("127.0.0.1", 0), lambda: bodies[-1], load_web_config(None))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def fetch(headers: dict[str, str]) -> tuple[str | None, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        connection.request("GET", "/metrics", headers=headers)
        response = connection.getresponse()
        return response.getheader("Content-Encoding"), response.read()

    try:
        assert fetch({}) == (None, bodies[-1])
        encoding, compressed = fetch({"Accept-Encoding": "deflate, gzip;q=1.0"})
        assert encoding == "gzip" and gzip.decompress(compressed) == bodies[-1]
        assert len(compressed) < len(bodies[-1]) / 20
        assert server.gzipped(bodies[-1]) is server.gzipped(bodies[-1])  # kept, not redone
        bodies.append(b"rampart_test_value 2.0\n")
        assert gzip.decompress(fetch({"Accept-Encoding": "gzip"})[1]) == bodies[-1]
    finally:
        server.shutdown()
        server.server_close()
