"""`rampart status` against a real Prometheus on loopback serving HTTPS with basic auth
(its own web config, a certificate from a test CA), holding backfilled probe, backup and
drill series and one firing alert with its runbook link."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import yaml

from rampart.cli import main
from rampart.prometheus import Credentials, instant_query
from tests.unit.inventory.conftest import ROOT
from tests.unit.monitoring.history import backfill
from tests.unit.prometheus_server import running_prometheus
from tests.unit.tls import Certificates, make_certificates

PASSWORD = "status-test-password-8e2f"
SERVICES = sorted(
    yaml.safe_load((ROOT / "inventory/lab/group_vars/all/catalog.yml").read_text("utf-8"))[
        "rampart_services"
    ]
)
DOWN = "hr-records"
RUNBOOK = "https://10.77.0.15:8443/runbooks/service-outage.yml"
RULES = {
    "groups": [
        {
            "name": "test",
            "rules": [
                {
                    "alert": "RampartServiceDown",
                    "expr": "rampart_availability_up == 0",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "down", "runbook_url": RUNBOOK},
                }
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Certificates]]:
    """Prometheus over HTTPS with on-call's user, and the certificates it serves with."""
    folder = tmp_path_factory.mktemp("prometheus")
    certificates = make_certificates(folder / "pki")
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = folder / "web.yml"
    web.write_text(
        yaml.safe_dump(
            {
                "tls_server_config": {
                    "cert_file": str(certificates.certificate),
                    "key_file": str(certificates.key),
                },
                "basic_auth_users": {"oncall": hashed},
            }
        )
    )
    (folder / "password").write_text(PASSWORD + "\n")
    rules = folder / "rules.yml"
    rules.write_text(yaml.safe_dump(RULES))
    now = int(time.time())
    lines = ["# TYPE rampart_availability_up gauge"]
    for at in range(now - 600, now - 5, 15):
        for service in SERVICES:
            up = 0 if service == DOWN else 1
            lines.append(f'rampart_availability_up{{service="{service}"}} {up} {at}')
    lines += [
        "# TYPE rampart_backup_last_success_timestamp_seconds gauge",
        *(
            f'rampart_backup_last_success_timestamp_seconds{{instance="oa-01",data_class="internal"}}'
            f" {now - 7200} {at}"
            for at in range(now - 600, now - 5, 15)
        ),
        "# TYPE rampart_drill_last_run_timestamp_seconds gauge",
        *(
            f'rampart_drill_last_run_timestamp_seconds{{instance="oa-01",data_class="internal"}}'
            f" {now - 3600} {at}"
            for at in range(now - 600, now - 5, 15)
        ),
        "# TYPE rampart_drill_success gauge",
        *(
            f'rampart_drill_success{{instance="oa-01",data_class="internal"}} 1 {at}'
            for at in range(now - 600, now - 5, 15)
        ),
        "# EOF",
    ]
    data = folder / "history.om"
    data.write_text("\n".join(lines) + "\n")
    backfill([data], folder / "data")
    credentials = Credentials(certificates.ca, "oncall", folder / "password")

    def asking(base: str, query: str) -> Any:
        return instant_query(base, query, credentials=credentials)

    with running_prometheus(
        folder,
        {},
        [rules],
        ready="ALERTS",
        flags=[f"--web.config.file={web}"],
        scheme="https",
        asking=asking,
    ) as base:
        yield base, certificates


def status(
    capsys: pytest.CaptureFixture[str], inventory: Path, base: str, *options: str
) -> tuple[int, str, str]:
    code = main(["status", "--inventory", str(inventory), "--url", base, *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def credentials(certificates: Certificates, password_file: Path) -> list[str]:
    return ["--ca-file", str(certificates.ca), "--password-file", str(password_file)]


def test_status_lists_every_service_the_firing_alert_and_backups(
    prometheus: tuple[str, Certificates],
    lab_inventory: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, certificates = prometheus
    password = certificates.ca.parent.parent / "password"
    code, out, err = status(capsys, lab_inventory, base, *credentials(certificates, password))
    assert code == 0, err
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.split()}
    for service in SERVICES:
        assert rows[service] == ("DOWN" if service == DOWN else "up"), out
    assert f"RampartServiceDown  service={DOWN}" in out
    assert RUNBOOK in out
    [oa] = [line for line in out.splitlines() if line.startswith("oa-01")]
    assert "(2.0 h ago)" in oa and "(1.0 h ago) passed" in oa
    [hr] = [line for line in out.splitlines() if line.startswith("hr-01")]
    assert hr.split()[1:] == ["never", "never"]
    assert PASSWORD not in out + err


def test_status_as_json(
    prometheus: tuple[str, Certificates],
    lab_inventory: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, certificates = prometheus
    password = certificates.ca.parent.parent / "password"
    code, out, _ = status(
        capsys, lab_inventory, base, "--json", *credentials(certificates, password)
    )
    assert code == 0
    document = json.loads(out)
    assert [service["service"] for service in document["services"]] == SERVICES
    [alert] = document["alerts"]
    assert alert["runbook_url"] == RUNBOOK
    hosts = {host["host"]: host for host in document["hosts"]}
    assert hosts["oa-01"]["drill_passed"] is True
    assert hosts["hr-01"]["last_backup"] is None


@pytest.mark.parametrize("problem", ["wrong password", "plain http", "other CA", "no password"])
def test_bad_connectivity_is_one_line_with_the_cause(
    prometheus: tuple[str, Certificates],
    lab_inventory: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    problem: str,
) -> None:
    base, certificates = prometheus
    password = certificates.ca.parent.parent / "password"
    options = credentials(certificates, password)
    expected = {
        "wrong password": "refused the credentials (401 Unauthorized)",
        "plain http": "HTTP request to an HTTPS server",
        "other CA": "CERTIFICATE_VERIFY_FAILED",
        "no password": "cannot read the password",
    }[problem]
    if problem == "wrong password":
        wrong = tmp_path / "wrong"
        wrong.write_text("not-it\n")
        options = credentials(certificates, wrong)
    elif problem == "plain http":
        base = base.replace("https://", "http://")
    elif problem == "other CA":
        other = make_certificates(tmp_path / "other")
        options = credentials(other, password)
    else:
        options = credentials(certificates, tmp_path / "absent")
    code, out, err = status(capsys, lab_inventory, base, *options)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err, err
    assert PASSWORD not in err
