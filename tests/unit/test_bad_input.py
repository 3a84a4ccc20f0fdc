"""Bad input through the real `rampart` command: one line naming what and where, a
non-zero exit, no traceback, the cause first. One test per class of input (docs/errors.md).

Unreadable files only stay unreadable for a user other than root: as root, those commands
run as `nobody` (setpriv), as a careless operator without the rights would.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAMPART = str(ROOT / ".venv" / "bin" / "rampart")
NOBODY = 65534


def rampart(*argv: str, as_other_user: bool = False, cwd: Path | None = None) -> list[str]:
    """Run `rampart`; expect a refusal and return its stderr lines."""
    command = [RAMPART, *argv]
    if as_other_user and os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")
    }  # the inventory is found as Ansible finds it, from `cwd`
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, cwd=cwd, env=environment
    )
    assert completed.returncode != 0, completed.stdout
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.stderr.splitlines()


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder another user may enter (pytest's own are private to us)."""
    folder = Path(tempfile.mkdtemp(prefix="rampart-bad-input-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for root, folders, _files in os.walk(folder):
        for name in folders:
            (Path(root) / name).chmod(0o755)
    shutil.rmtree(folder)


def example_inventory(folder: Path) -> Path:
    inventory = folder / "inventory"
    shutil.copytree(ROOT / "inventory" / "example", inventory)
    for root, folders, files in os.walk(inventory):
        for name in folders:
            (Path(root) / name).chmod(0o755)
        for name in files:
            (Path(root) / name).chmod(0o644)
    return inventory


def test_an_unreadable_group_vars_folder_says_permission_denied_first(shared: Path) -> None:
    inventory = example_inventory(shared)
    (inventory / "group_vars" / "all").chmod(0)
    lines = rampart("inventory", "validate", str(inventory), as_other_user=True)
    assert lines[0] == f"{inventory}/group_vars/all: cannot list: permission denied"
    assert not any("not defined" in line for line in lines)


def test_a_file_that_does_not_parse_comes_before_its_consequences(tmp_path: Path) -> None:
    inventory = example_inventory(tmp_path)
    catalog = inventory / "group_vars" / "all" / "catalog.yml"
    catalog.write_text(catalog.read_text() + "\n  : : [\n")
    lines = rampart("inventory", "validate", str(inventory))
    assert lines[0].startswith(f"{catalog}:")
    assert "not valid YAML" in lines[0]
    assert not any("not defined" in line for line in lines)


def test_nan_where_a_number_is_expected_is_refused(tmp_path: Path) -> None:
    inventory = example_inventory(tmp_path)
    catalog = inventory / "group_vars" / "all" / "catalog.yml"
    text = catalog.read_text()
    assert "availability_percent: 99" in text
    catalog.write_text(text.replace("availability_percent: 99", "availability_percent: .nan #", 1))
    lines = rampart("inventory", "validate", str(inventory))
    assert lines[0].endswith("availability_percent: must be a finite number, not nan")


def test_the_lab_inventory_before_the_lab_is_up_says_to_run_lab_up(tmp_path: Path) -> None:
    (tmp_path / "ansible.cfg").write_text("[defaults]\ninventory = inventory/lab\n")
    shutil.copytree(
        ROOT / "inventory" / "lab" / "group_vars", tmp_path / "inventory/lab/group_vars"
    )
    lines = rampart("inventory", "validate", cwd=tmp_path)
    assert lines == [
        f"{tmp_path}/inventory/lab/hosts.yml: missing: the lab writes it;"
        " run `rampart lab up` first"
    ]


def test_a_template_with_an_undefined_variable_fails_validation(tmp_path: Path) -> None:
    runbook = tmp_path / "host-lost.yml"
    text = (ROOT / "runbooks" / "host-lost.yml").read_text()
    runbook.write_text(text.replace("{{ host }}", "{{ hots }}", 1))
    lines = rampart("runbook", "validate", str(runbook))
    assert lines[0].startswith(f"{runbook}:")
    assert "step inject-fault: a template fails: 'hots' is undefined" in lines[0]


def test_damaged_journals_are_left_out_of_history_and_stop_resume(tmp_path: Path) -> None:
    good = tmp_path / "20260101T000000Z-host-lost"
    good.mkdir()
    started = {"time": "2026-01-01T00:00:00+00:00", "event": "run_started", "runbook": "host-lost"}
    (good / "journal.jsonl").write_text(json.dumps(started) + "\n")
    damaged = {"empty": b"", "cut": b'{"time": "2026', "list": b"[1, 2]\n", "binary": b"\xff\n"}
    for name, content in damaged.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "journal.jsonl").write_bytes(content)
    completed = subprocess.run(
        [RAMPART, "runbook", "history", "--runs-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "20260101T000000Z-host-lost" in completed.stdout
    warnings = completed.stderr.splitlines()
    assert len(warnings) == len(damaged)
    assert all("damaged journal" in line and "run left out" in line for line in warnings)
    for name in damaged:
        lines = rampart("runbook", "resume", name, "--runs-dir", str(tmp_path), cwd=tmp_path)
        assert len(lines) == 1
        assert "damaged journal" in lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_ports_and_addresses_that_cannot_be_bound_are_one_line(
    tmp_path: Path, busy_port: int
) -> None:
    for address, port, reason in [
        ("127.0.0.1", str(busy_port), "the port is already in use"),
        ("127.0.0.1", "70000", "the port must be from 0 to 65535"),
        ("no-such-host.invalid", "9917", "the address does not resolve"),
    ]:
        lines = rampart(
            "backup", "exporter", "--root", str(tmp_path), "--address", address, "--port", port
        )
        assert lines == [f"rampart: error: cannot listen on {address}:{port}: {reason}"]


def test_a_privileged_port_as_another_user_is_one_line(shared: Path) -> None:
    lines = rampart(
        "backup", "exporter", "--root", str(shared), "--address", "127.0.0.1", "--port", "80",
        as_other_user=True,
    )  # fmt: skip
    assert lines == [
        "rampart: error: cannot listen on 127.0.0.1:80: permission denied"
        " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
    ]


def availability_config(folder: Path, **check: object) -> Path:
    entry = {
        "host": "h",
        "address": "127.0.0.1",
        "name": "c",
        "type": "tcp",
        "port": 1,
        "interval_seconds": 5,
        "timeout_seconds": 1,
        **check,
    }
    service = {"id": "p", "objective_ratio": 0.99, "maintenance": [], "checks": [entry]}
    path = folder / "availability.json"
    path.write_text(json.dumps({"listen": "127.0.0.1:0", "services": [service]}))
    return path


def test_intervals_that_would_spin_or_stall_the_prober_are_refused(tmp_path: Path) -> None:
    """A tiny interval made the scheduler loop spin a CPU; NaN and infinity stall it."""
    for interval, reason in [
        (0, "interval_seconds must be from 1 to 86400, not 0"),
        (1e-300, "interval_seconds must be from 1 to 86400, not 1e-300"),
        (float("nan"), "NaN is not a number JSON allows"),
        (float("inf"), "Infinity is not a number JSON allows"),
    ]:
        config = availability_config(tmp_path, interval_seconds=interval, timeout_seconds=1e-301)
        lines = rampart("exporter", "availability", "--config", str(config), "--check")
        assert len(lines) == 1
        assert reason in lines[0]


def test_a_web_config_whose_password_is_not_a_bcrypt_hash_is_refused_at_start(
    tmp_path: Path,
) -> None:
    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  prometheus: the-password-itself\n")
    lines = rampart("backup", "exporter", "--root", str(tmp_path), "--web-config-file", str(web))
    assert len(lines) == 1
    assert lines[0].startswith(f"rampart: error: {web}: basic_auth_users.prometheus: not a bcrypt")
    assert "the-password-itself" not in lines[0]


def test_backup_settings_of_the_wrong_shape_are_one_line(tmp_path: Path) -> None:
    settings = tmp_path / "config.json"
    for document, reason in [
        ("[1]", "expected a JSON object, got list"),
        ('{"data_sets": ["x"]}', "data_sets[0]: expected a JSON object, got str"),
        ("\x00\xff", "the backup settings is binary, not text (a NUL byte)"),
    ]:
        settings.write_text(document)
        lines = rampart("backup", "--config", str(settings), "check")
        place = f"{settings}:1" if "binary" in reason else str(settings)
        assert lines == [f"rampart: error: {place}: {reason}"]


def test_the_generator_refuses_what_its_reader_would(tmp_path: Path) -> None:
    inventory = example_inventory(tmp_path)
    lines = rampart("exporter", "availability-config", "--inventory", str(inventory))
    assert lines == [
        "rampart: error: service customer-records: its postgresql check needs"
        " --postgresql-password-file"
    ]
    output = tmp_path / "missing" / "availability.json"
    credentials = [
        f"--{flag}={tmp_path / flag}"
        for flag in ("postgresql-password-file", "ssh-key-file", "known-hosts-file", "ca-file")
    ]
    lines = rampart(
        "exporter", "availability-config", "--inventory", str(inventory), *credentials,
        "--listen", "nonsense", "--output", str(output),
    )  # fmt: skip
    assert lines == [
        "rampart: error: the generated configuration: listen must be ADDRESS:PORT, not 'nonsense'"
    ]
    assert not output.parent.exists()
    lines = rampart(
        "exporter", "availability-config", "--inventory", str(inventory), *credentials,
        "--output", str(output),
    )  # fmt: skip
    assert lines == [
        f"rampart: error: {output}: cannot write the exporter configuration:"
        f" the folder {output.parent} does not exist"
    ]
