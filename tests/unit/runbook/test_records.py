"""Honest drill records: LAST DRILLED from the run history, copy steps shown as what is
copied where, metrics put where Prometheus scrapes them (here, or on the drill host over
SSH), and a restore drill that verified nothing is a failure."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rampart.backup.scratch import raise_on_nothing_verified
from rampart.errors import BackupError, ConfigError
from rampart.inventory import load_inventory
from rampart.runbook.engine import RunOptions, dry_run_context
from rampart.runbook.evidence import METRICS_ENVIRONMENT, metrics_destination
from rampart.runbook.load import load_runbook
from rampart.runbook.render import markdown, plan
from rampart.ssh import SshTarget
from rampart.textfile import write_remotely
from tests.unit.runbook.test_engine import make, undoable

ROOT = Path(__file__).resolve().parents[3]
RAMPART = str(Path(sys.executable).with_name("rampart"))
INVENTORY = ROOT / "inventory" / "example"
MONITORING_HOST = "mon-01.corp.example.com"


def rampart(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAMPART, "runbook", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def test_list_shows_the_last_drill_from_the_history(tmp_path: Path) -> None:
    path = make(tmp_path, undoable("one"), runbook_id="drilled")
    runs, metrics = tmp_path / "runs", tmp_path / "metrics"
    folders = ["--runs-dir", str(runs), "--metrics-dir", str(metrics)]
    before = rampart("list", "--runbooks", str(tmp_path), "--runs-dir", str(runs))
    assert before.returncode == 0, before.stderr
    assert "never" in before.stdout
    incident = rampart("run", str(path), "--inventory", str(INVENTORY), *folders)
    assert incident.returncode == 0, incident.stdout + incident.stderr
    after_incident = rampart("list", "--runbooks", str(tmp_path), "--runs-dir", str(runs))
    assert "never" in after_incident.stdout, "an incident run is not a drill"
    drill = rampart("run", str(path), "--drill", "--inventory", str(INVENTORY), *folders)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    listed = rampart("list", "--runbooks", str(tmp_path), "--runs-dir", str(runs)).stdout
    (row,) = [line for line in listed.splitlines() if line.startswith("drilled ")]
    assert "never" not in row and "Z succeeded" in row, row
    shown = rampart(
        "show", "drilled", "--runbooks", str(tmp_path), "--runs-dir", str(runs), "--raw"
    ).stdout
    assert "Last drilled: 20" in shown and "Z succeeded." in shown


COPY = """\
  - name: carry-evidence
    kind: copy
    destructive: false
    source: "{{ source_host }}:/var/tmp/evidence.tar.gz"
    destination: "{{ target_host }}:/srv/evidence/evidence.tar.gz"
"""


def test_a_copy_step_shows_what_goes_where(tmp_path: Path) -> None:
    path = make(tmp_path, COPY)
    text = path.read_text().replace(
        "vars:\n",
        f"vars:\n  source_host: {MONITORING_HOST}\n  target_host: backup-01.corp.example.com\n",
    )
    path.write_text(text)
    runbook = load_runbook(path)
    context = dry_run_context(runbook, RunOptions(drill=False, runs=tmp_path, inventory=INVENTORY))
    expected = (
        f"copy {MONITORING_HOST}:/var/tmp/evidence.tar.gz ->"
        " backup-01.corp.example.com:/srv/evidence/evidence.tar.gz"
    )
    assert expected in markdown(runbook, context)
    assert expected in plan(runbook, context)
    assert "ask: None" not in markdown(runbook, context) + plan(runbook, context)


def test_metrics_go_here_on_a_host_and_to_the_drill_host_from_the_controller(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(METRICS_ENVIRONMENT, raising=False)
    inventory = load_inventory(INVENTORY)
    given = metrics_destination(tmp_path, inventory, "controller")
    assert (given.directory, given.host) == (tmp_path, None)
    for name in (MONITORING_HOST, "mon-01"):
        on_host = metrics_destination(None, inventory, name)
        assert on_host.host is None
        assert str(on_host.directory) == "/var/lib/prometheus/node-exporter"
    remote = metrics_destination(None, inventory, "controller")
    assert remote.host == MONITORING_HOST and remote.target is not None
    assert remote.target.address == "10.20.9.21"
    assert remote.describe() == f"{MONITORING_HOST}:/var/lib/prometheus/node-exporter"
    chosen = metrics_destination(None, inventory, "controller", "backup-01.corp.example.com")
    assert chosen.host == "backup-01.corp.example.com"
    with pytest.raises(ConfigError, match="no host"):
        metrics_destination(None, inventory, "controller", "nowhere")
    monkeypatch.setenv(METRICS_ENVIRONMENT, str(tmp_path / "env"))
    assert metrics_destination(None, inventory, "controller").directory == tmp_path / "env"


def test_a_remote_textfile_arrives_whole_through_the_ssh_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An `ssh` that runs the remote command with sh here: the command and the bytes on its
    # standard input are exactly what the drill host would get.
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    stand_in = bin_folder / "ssh"
    stand_in.write_text('#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n')
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    folder = tmp_path / "node-exporter"
    text = 'rampart_runbook_rto_target_seconds{runbook="x",runner="ctl"} 60.0\n'
    from pathlib import PurePosixPath

    write_remotely(SshTarget("mon-01", "127.0.0.1"), PurePosixPath(folder / "x.prom"), text)
    assert (folder / "x.prom").read_text() == text
    assert [entry.name for entry in folder.iterdir()] == ["x.prom"]
    assert oct((folder / "x.prom").stat().st_mode & 0o777) == "0o644"


def test_a_drill_that_verified_nothing_fails_in_one_line() -> None:
    with pytest.raises(BackupError) as raised:
        raise_on_nothing_verified("public", 0, 0)
    assert raised.value.reason == "nothing_verified"
    assert str(raised.value).startswith("public: 0 files and no database verified")
    assert "\n" not in str(raised.value)
    raise_on_nothing_verified("public", 3, 0)
    raise_on_nothing_verified("sensitive", 0, 1)


def test_a_metrics_host_the_inventory_lacks_is_one_line_before_anything_runs(
    tmp_path: Path,
) -> None:
    path = make(tmp_path, undoable("one"))
    environment = {name: value for name, value in os.environ.items() if name != METRICS_ENVIRONMENT}
    result = subprocess.run(
        [
            RAMPART,
            "runbook",
            "run",
            str(path),
            "--inventory",
            str(INVENTORY),
            "--runs-dir",
            str(tmp_path / "runs"),
            "--metrics-host",
            "nowhere",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=environment,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("rampart: error: nowhere to put the run's metrics")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "work" / "done").exists()
    assert not (tmp_path / "runs").exists()
