"""The runbook pages: every runbook of runbooks/ as an escaped HTML page, served over TLS
with basic auth by the exporters' web server, fetched as a browser and a host would."""

from __future__ import annotations

import http.client
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rampart.cli import main
from rampart.exporters import runbook_pages
from rampart.exporters.markdown import to_html
from rampart.exporters.web import load_web_config
from rampart.ssh import _FETCH
from tests.unit.exporters.test_web import PASSWORD, basic, write_web_config
from tests.unit.inventory.conftest import ROOT
from tests.unit.tls import Certificates, make_certificates

RUNBOOKS = ROOT / "runbooks"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pages of the repository's runbooks, built as the role builds them."""
    output = tmp_path_factory.mktemp("pages")
    assert main(["exporter", "runbook-pages-build", "--runbooks", str(RUNBOOKS),
                 "--output", str(output)]) == 0  # fmt: skip
    return output


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def served(pages: Path, certificates: Certificates, tmp_path: Path) -> Iterator[int]:
    web = load_web_config(write_web_config(tmp_path, certificates.certificate, certificates.key))
    server = runbook_pages.server(pages, "127.0.0.1:0", web)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(
    port: int, certificates: Certificates, path: str, authorization: str | None
) -> http.client.HTTPResponse:
    context = ssl.create_default_context(cafile=str(certificates.ca))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    connection.request(
        "GET", path, headers={"Authorization": authorization} if authorization else {}
    )
    return connection.getresponse()


def test_every_runbook_has_a_page_named_like_its_file(pages: Path) -> None:
    sources = sorted(path.name for path in RUNBOOKS.iterdir() if path.suffix in {".md", ".yml"})
    assert sources
    assert sorted(path.name for path in pages.iterdir() if path.name != "index.html") == sources
    index = (pages / "index.html").read_text(encoding="utf-8")
    for name in sources:
        assert f'href="{name}"' in index


def test_a_yaml_runbook_page_is_its_rendered_markdown(pages: Path) -> None:
    page = (pages / "service-outage.yml").read_text(encoding="utf-8")
    assert "<h1>A catalog service is down</h1>" in page
    assert "<h2>Steps</h2>" in page
    assert "<code>systemctl stop {{ unit }}</code>" in page


def test_everything_is_escaped_and_links_stay_inert() -> None:
    body = to_html(
        "# Title <b>\n\nText <script>alert(1)</script> and [bad](javascript:alert(1)) and"
        " [good](service-outage.yml).\n\n```\n<img src=x onerror=alert(1)>\n```\n"
        "| a | b |\n| --- | --- |\n| <i> | `x<y` |\n"
    )
    assert "<script>" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;script&gt;" in body and "&lt;img src=x" in body
    assert "javascript" not in body
    assert '<a href="service-outage.yml">good</a>' in body
    assert "<td>&lt;i&gt;</td><td><code>x&lt;y</code></td>" in body


def test_pages_need_the_credentials_and_come_as_inert_html(
    served: int, certificates: Certificates
) -> None:
    assert get(served, certificates, "/runbooks/service-outage.yml", None).status == 401
    wrong = get(served, certificates, "/runbooks/service-outage.yml", basic("prometheus", "no"))
    assert wrong.status == 401
    answer = get(
        served, certificates, "/runbooks/service-outage.yml", basic("prometheus", PASSWORD)
    )
    assert answer.status == 200
    assert answer.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "default-src 'none'" in str(answer.getheader("Content-Security-Policy"))
    assert "A catalog service is down" in answer.read().decode()
    index = get(served, certificates, "/runbooks/", basic("prometheus", PASSWORD))
    assert index.status == 200 and "monitoring-pipeline.md" in index.read().decode()
    missing = get(served, certificates, "/runbooks/../etc/passwd", basic("prometheus", PASSWORD))
    assert missing.status == 404


def test_a_host_fetches_a_page_with_its_own_ca_and_password_file(
    served: int, certificates: Certificates, tmp_path: Path
) -> None:
    """The script Rampart runs on a host to GET its own HTTPS endpoints (rampart.ssh)."""
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    url = f"https://127.0.0.1:{served}/runbooks/service-outage.yml"
    fetched = subprocess.run(
        ["python3", "-c", _FETCH, url, "5", str(certificates.ca), "prometheus", str(secret)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    assert "A catalog service is down" in fetched.stdout
    refused = subprocess.run(
        ["python3", "-c", _FETCH, url, "5", str(certificates.ca), "", ""],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "401" in refused.stderr


def test_serving_without_built_pages_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["exporter", "runbook-pages", "--folder", str(tmp_path), "--listen",
                 "127.0.0.1:0", "--check"])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
