"""The evidence archive: what a host gives for a period (its script run as the export runs
it, `python3 -`), sums `sha256sum -c` accepts, an archive written whole or not at all.
The whole export against the lab's fleet is tests/integration/test_restore_drill.py's."""

from __future__ import annotations

import json
import subprocess
import tarfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from rampart.errors import ConfigError
from rampart.evidence.export import checksums, export_evidence, pack, written_whole
from tests.unit.inventory.conftest import ROOT

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def line(time: str, event: str = "run_started", **fields: object) -> str:
    return json.dumps({"time": time, "event": event, **fields}) + "\n"


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A host's backup configuration, drill journal, antivirus and integrity journals, audit
    reports and runbook runs, in and out of November 2026."""
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "drill.jsonl").write_text(
        line("2026-10-31T23:59:59+00:00", run="old")
        + line("2026-11-02T09:00:00+00:00", run="in")
        + "not json at all\n"
        + line("2026-11-02T09:01:00+00:00", "run_finished", run="in", status="succeeded")
        + line("2026-12-01T00:00:00+00:00", run="next"),
        encoding="utf-8",
    )
    (tmp_path / "config.json").write_text(
        json.dumps({"journal": str(logs / "drill.jsonl")}), encoding="utf-8"
    )
    (logs / "antivirus.jsonl").write_text(
        line("2026-11-05T03:00:00+00:00", "file_quarantined", path="/srv/hr/documents/x")
        + line("2026-12-01T03:00:00+00:00", "scan_finished", data_set="hr-documents"),
        encoding="utf-8",
    )
    (tmp_path / "antivirus.json").write_text(
        json.dumps({"journal": str(logs / "antivirus.jsonl")}), encoding="utf-8"
    )
    (logs / "integrity.jsonl").write_text(
        line("2026-11-03T10:00:00+00:00", "integrity_accepted", by="alice", reason="upgrade")
        + line("2026-10-03T10:00:00+00:00", "integrity_baseline", by="root"),
        encoding="utf-8",
    )
    (tmp_path / "audit.json").write_text(
        json.dumps({"journal": str(logs / "integrity.jsonl")}), encoding="utf-8"
    )
    reports = tmp_path / "audit-reports"
    reports.mkdir()
    for name in ("audit-2026-10-31.json", "audit-2026-11-03.json", "audit-2026-11-03.html"):
        (reports / name).write_text(f"{name}\n", encoding="utf-8")
    (reports / "audit-2026-11-03.sha256").write_text("sums\n", encoding="utf-8")
    (reports / "audit-2026-12-01.json").write_text("december\n", encoding="utf-8")
    runs = tmp_path / "runs"
    for run, started in (("20261015-a", "2026-10-15T09:00:00+00:00"), ("20261108-b", None)):
        (runs / run).mkdir(parents=True)
        (runs / run / "journal.jsonl").write_text(
            line(started or "2026-11-08T09:00:00+00:00", runbook="restore-drill"),
            encoding="utf-8",
        )
    (runs / "20261108-b" / "evidence.md").write_text("# restore-drill\n", encoding="utf-8")
    (runs / "20261120-broken").mkdir()
    (runs / "20261120-broken" / "journal.jsonl").write_text("{cut sho", encoding="utf-8")
    (runs / "not-a-run").mkdir()
    return tmp_path


def collect_as_the_export_does(host: Path) -> dict[str, object]:
    """host_evidence.py fed to python3 on its standard input, with the export's arguments."""
    script = resources.files("rampart.evidence").joinpath("host_evidence.py").read_text("utf-8")
    argv = ["python3", "-", START.isoformat(), END.isoformat()]
    argv += [str(host / "config.json"), str(host / "runs"), str(host / "antivirus.json")]
    argv += [str(host / "audit.json"), str(host / "audit-reports")]
    completed = subprocess.run(
        argv, input=script, capture_output=True, text=True, check=True, timeout=30
    )
    document: dict[str, object] = json.loads(completed.stdout)
    return document


def test_a_host_gives_the_period_s_journal_lines_and_runs_and_says_what_it_left_out(
    host: Path,
) -> None:
    document = collect_as_the_export_does(host)
    files = document["files"]
    assert isinstance(files, dict)
    assert sorted(files) == [
        "antivirus/antivirus.jsonl",
        "audit/integrity.jsonl",
        "audit/reports/audit-2026-11-03.html",
        "audit/reports/audit-2026-11-03.json",
        "audit/reports/audit-2026-11-03.sha256",
        "backup/drill.jsonl",
        "runbooks/20261108-b/evidence.md",
        "runbooks/20261108-b/journal.jsonl",
    ]
    drilled = [json.loads(text) for text in files["backup/drill.jsonl"].splitlines()]
    assert [event["run"] for event in drilled] == ["in", "in"]
    assert files["runbooks/20261108-b/evidence.md"] == "# restore-drill\n"
    quarantined = [json.loads(text) for text in files["antivirus/antivirus.jsonl"].splitlines()]
    assert [event["event"] for event in quarantined] == ["file_quarantined"], "November only"
    accepted = [json.loads(text) for text in files["audit/integrity.jsonl"].splitlines()]
    assert [(event["by"], event["reason"]) for event in accepted] == [("alice", "upgrade")]
    assert files["audit/reports/audit-2026-11-03.json"] == "audit-2026-11-03.json\n"
    assert document["problems"] == [
        f"{host / 'log/drill.jsonl'}: 1 line(s) with no readable time left out",
        f"{host / 'runs/20261120-broken'}: its journal says no start time; run left out",
    ]


def test_a_host_without_backups_or_runs_has_nothing_and_no_problem(tmp_path: Path) -> None:
    assert collect_as_the_export_does(tmp_path) == {"files": {}, "problems": []}


def test_the_sums_are_what_sha256sum_checks_and_the_archive_holds_one_folder(
    tmp_path: Path,
) -> None:
    root = tmp_path / "staging" / "rampart-evidence-2026-11"
    (root / "evaluation").mkdir(parents=True)
    (root / "evaluation" / "report.json").write_text("{}\n", encoding="utf-8")
    (root / "README.txt").write_text("Rampart evidence\n", encoding="utf-8")
    (root / "SHA256SUMS").write_text(checksums(root), encoding="utf-8")
    checked = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=root, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 2, checked.stdout
    archive = tmp_path / "evidence.tar.gz"
    pack(root, archive, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert oct(archive.stat().st_mode & 0o777) == "0o640"
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    assert [member.name for member in members] == [
        "rampart-evidence-2026-11",
        "rampart-evidence-2026-11/README.txt",
        "rampart-evidence-2026-11/SHA256SUMS",
        "rampart-evidence-2026-11/evaluation",
        "rampart-evidence-2026-11/evaluation/report.json",
    ]
    assert {member.mtime for member in members} == {1796112000}
    assert not list(tmp_path.glob(".*partial"))


def test_an_archive_that_fails_midway_leaves_no_file(tmp_path: Path) -> None:
    destination = tmp_path / "evidence.tar.gz"
    with pytest.raises(OSError), written_whole(destination) as partial:
        partial.write_bytes(b"half")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_archive_is_never_overwritten(tmp_path: Path) -> None:
    archive = tmp_path / "evidence.tar.gz"
    archive.write_bytes(b"last quarter's")
    with pytest.raises(ConfigError, match="exists; evidence is never overwritten"):
        export_evidence(
            ROOT / "inventory" / "example", month="2026-11", quarter=None, output=archive
        )
    assert archive.read_bytes() == b"last quarter's"
