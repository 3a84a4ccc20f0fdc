"""Access from the people directory (roles/access, REG-4.2.1, REG-6.2) as people meet it:
real SSH logins with each person's own key, sudo where the post gives it, leavers and
movers losing access on the next run, and the access review finding hand-made changes.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import testinfra
import yaml

from tests.integration.conftest import INVENTORY, PlaybookRun, playbook, rampart

pytestmark = pytest.mark.lab

METRIC_FILE = "/var/lib/prometheus/node-exporter/rampart_access.prom"


def lab_host(name: str) -> Any:
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


@pytest.fixture(scope="module")
def connection(lab: PlaybookRun) -> dict[str, Any]:
    """Addresses, known_hosts and the people's private keys of the running lab."""
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text(encoding="utf-8"))["all"]["hosts"]
    settings = yaml.safe_load(
        (INVENTORY / "group_vars" / "all" / "lab_connection.yml").read_text(encoding="utf-8")
    )
    root_key = Path(settings["ansible_ssh_private_key_file"])
    return {
        "addresses": {name: values["ansible_host"] for name, values in hosts.items()},
        "people_keys": root_key.parent.parent / "people",
        "known_hosts": INVENTORY / "known_hosts",
    }


def login(connection: dict[str, Any], user: str, host: str, command: str = "id -un") -> Any:
    """A real SSH login from the controller with the person's own key."""
    return subprocess.run(
        [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={connection['known_hosts']}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-i",
            str(connection["people_keys"] / user),
            f"{user}@{connection['addresses'][host]}",
            command,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def has_sudo(host: str, user: str) -> bool:
    listing = lab_host(host).run(f"sudo -n -l -U {user}")
    return "may run the following commands" in listing.stdout


@pytest.mark.parametrize(
    ("user", "host", "allowed"),
    [
        ("alice", "hr-01", True),
        ("carol", "fin-01", True),
        ("carol", "hr-01", False),
        ("bob", "hr-01", True),
        ("bob", "oa-01", False),
        ("erin", "mon-01", True),
        ("dave", "fin-01", False),
    ],
)
def test_people_log_in_where_their_post_allows(
    connection: dict[str, Any], user: str, host: str, allowed: bool
) -> None:
    result = login(connection, user, host)
    if allowed:
        assert result.returncode == 0 and result.stdout.strip() == user, result.stderr
    else:
        assert result.returncode == 255 and "Permission denied" in result.stderr, result.stderr


def test_sudo_follows_the_post(lab: PlaybookRun) -> None:
    assert has_sudo("fin-01", "alice")
    assert not has_sudo("fin-01", "carol")
    assert not has_sudo("oa-01", "erin")
    checked = lab_host("oa-01").run("visudo -c")
    assert checked.rc == 0, checked.stdout


def test_password_ageing_and_quality_are_set(lab: PlaybookRun) -> None:
    host = lab_host("oa-01")
    assert "PASS_MAX_DAYS\t90" in host.file("/etc/login.defs").content_string
    assert (
        "minlen = 14" in host.file("/etc/security/pwquality.conf.d/00-rampart.conf").content_string
    )


@pytest.fixture
def changed_directory(tmp_path: Path, lab: PlaybookRun) -> Iterator[Path]:
    """Erin leaves and Alice moves to the auditor post (no sudo), through a temporary extra
    vars file; the committed inventory is untouched and the directory restored afterwards."""
    people = yaml.safe_load(
        (INVENTORY / "group_vars" / "all" / "people.yml").read_text(encoding="utf-8")
    )
    for person in people["rampart_people"]:
        if person["username"] == "erin":
            person["status"] = "left"
        if person["username"] == "alice":
            person["post"] = "auditor"
    variables = tmp_path / "people.yml"
    variables.write_text(yaml.safe_dump({"rampart_people": people["rampart_people"]}), "utf-8")
    yield variables
    restored = playbook("access.yml")
    assert restored.returncode == 0, restored.output[-3000:]


def test_a_leaver_and_a_mover_lose_access_on_the_next_run(
    connection: dict[str, Any], changed_directory: Path
) -> None:
    assert login(connection, "erin", "oa-01").returncode == 0
    assert has_sudo("oa-01", "alice")
    run = playbook("access.yml", "-e", f"@{changed_directory}")
    assert run.returncode == 0, run.output[-3000:]
    refused = login(connection, "erin", "oa-01")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr, refused.stderr
    host = lab_host("oa-01")
    assert not host.file("/home/erin/.ssh/authorized_keys").exists
    assert host.file("/home/erin").is_directory, "the leaver's home is kept for audit"
    assert not has_sudo("oa-01", "alice")
    assert login(connection, "alice", "oa-01").returncode == 0, "the mover still logs in"


def test_access_review_finds_a_hand_added_account_and_key(connection: dict[str, Any]) -> None:
    host = lab_host("hr-01")
    stray_key = (connection["people_keys"] / "carol.pub").read_text(encoding="utf-8").strip()
    host.check_output("useradd --create-home mallory")
    host.check_output(f"echo {stray_key!r} >> /home/bob/.ssh/authorized_keys")
    try:
        review = rampart("report", "access", "--json", check=False)
        assert review.returncode == 1, review.stderr
        document = json.loads(review.stdout)
        found = {(f["host"], f["account"], f["finding"]) for f in document["findings"]}
        assert ("hr-01", "mallory", "unknown account") in found
        assert ("hr-01", "bob", "key not in directory") in found
        assert document["drift"]["hr-01"] == 2 and document["drift"]["fin-01"] == 0
        metrics = host.file(METRIC_FILE).content_string
        assert "rampart_access_drift_findings 2" in metrics
        table = rampart("report", "access", "--no-publish", check=False)
        assert "mallory" in table.stdout and "unknown account" in table.stdout
        # The controls matrix (REG-6.2.3) shows the drift where the auditor looks.
        access_control_until(lambda hosts: hosts.get("hr-01") is False and hosts["fin-01"] is True)
    finally:
        host.run("userdel --remove mallory")
    restored = playbook("access.yml", "--limit", "hr-01")
    assert restored.returncode == 0 and restored.changed() == {"hr-01": 1}, restored.output[-3000:]
    clean = rampart("report", "access", check=False)
    assert clean.returncode == 0, clean.stdout
    assert "rampart_access_drift_findings 0" in host.file(METRIC_FILE).content_string
    reviewed = access_control_until(lambda hosts: hosts.get("hr-01") is True)
    assert all(reviewed.values()), reviewed


def access_control_until(
    wanted: Callable[[dict[str, bool | None]], bool], timeout: float = 60
) -> dict[str, bool | None]:
    """The access-review row of `rampart report controls` per host, once `wanted` holds
    (Prometheus scrapes the review's textfile and evaluates the rule every 5 s in the lab)."""
    deadline = time.monotonic() + timeout
    while True:
        report = rampart("report", "controls", "--json", check=False)
        assert report.returncode in (0, 1), report.stderr
        rows = json.loads(report.stdout)["controls"]
        hosts = {row["host"]: row["ok"] for row in rows if row["control"] == "access-review"}
        if wanted(hosts):
            assert report.returncode == (0 if all(row["ok"] for row in rows) else 1)
            return hosts
        if time.monotonic() > deadline:
            pytest.fail(f"the controls matrix still says {hosts} after {timeout:.0f} s")
        time.sleep(3)
