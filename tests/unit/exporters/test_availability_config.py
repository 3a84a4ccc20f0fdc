"""The exporter's configuration: good files load, bad ones fail with one clear line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rampart.errors import ConfigError
from rampart.exporters.availability.catalog import ProbeCredentials, exporter_config
from rampart.exporters.availability.config import load_config, parse_config
from rampart.inventory import load_inventory
from tests.unit.exporters.conftest import check_entry, write_config

ROOT = Path(__file__).resolve().parents[3]


def test_a_valid_file_loads_every_check(tmp_path: Path) -> None:
    config = load_config(
        write_config(tmp_path / "c.json", [check_entry(), check_entry(name="b", critical=False)])
    )
    assert [check.name for check in config.checks] == ["port", "b"]
    assert [check.critical for check in config.checks] == [True, False]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (check_entry(type="gopher"), "unknown check type 'gopher'"),
        (check_entry(port=None), "a tcp check needs a port"),
        (check_entry(interval_seconds="often"), "field 'interval_seconds' has the wrong type"),
        (check_entry(timeout_seconds=9), "timeout_seconds must be above 0"),
        ({"type": "tcp", "port": 25}, "missing required field 'interval_seconds'"),
        ("tcp:80", "a check must be a mapping"),
        (check_entry(type="postgresql", port=5432), "a postgresql check needs database"),
        (check_entry(type="https", ca_file="/nonexistent/ca.crt"), "ca_file /nonexistent"),
    ],
)
def test_a_bad_check_is_named_in_one_line(entry: object, message: str) -> None:
    document = {
        "services": [{"id": "s", "objective_ratio": 0.99, "maintenance": [], "checks": [entry]}]
    }
    with pytest.raises(ConfigError, match=message) as raised:
        parse_config(document, "c.json")
    assert "\n" not in str(raised.value)
    assert "services[0] (s) checks[0]" in str(raised.value)


def test_a_check_listed_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="checks listed twice: portal/local/port"):
        load_config(write_config(tmp_path / "c.json", [check_entry(), check_entry()]))


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"services": [\n  {"id": }]}')
    with pytest.raises(
        ConfigError, match=r"c.json:2: the configuration is not valid JSON: .* \(column 10\)"
    ):
        load_config(path)


def test_the_command_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.json", [check_entry(type="gopher")])
    missing_certificate = tmp_path / "web.yml"
    missing_certificate.write_text(
        "tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n"
    )
    with_web = write_config(
        tmp_path / "w.json", [check_entry()], web_config_file=str(missing_certificate)
    )
    for config, message in [
        (path, "unknown check type 'gopher'"),
        (with_web, "cert_file /nonexistent/cert.pem does not exist"),
        (tmp_path / "absent.json", "cannot read the configuration"),
    ]:
        completed = subprocess.run(
            [str(ROOT / ".venv/bin/rampart"), "exporter", "availability", "--config", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 2
        assert completed.stderr.count("\n") == 1, completed.stderr
        assert message in completed.stderr
        assert "Traceback" not in completed.stderr


def test_the_lab_catalog_becomes_one_check_per_host(tmp_path: Path) -> None:
    inventory = load_inventory(ROOT / "inventory" / "example")
    for name in ("secret", "key", "known_hosts"):
        (tmp_path / name).write_text("s3cret-password\n")
    credentials = ProbeCredentials(
        postgresql_password_file=str(tmp_path / "secret"),
        ssh_key_file=str(tmp_path / "key"),
        known_hosts_file=str(tmp_path / "known_hosts"),
    )
    document = exporter_config(inventory, credentials, "127.0.0.1:9470", None)
    config = parse_config(json.loads(json.dumps(document)), "generated")
    expected = sum(
        len(service.checks) * len({h for name in service.hosts for h in inventory.resolve(name)})
        for service in inventory.services.values()
    )
    assert len(config.checks) == expected > 0
    assert "s3cret-password" not in json.dumps(document)
    for check in config.checks:
        if check.type == "postgresql":
            assert check.password_file == tmp_path / "secret"
