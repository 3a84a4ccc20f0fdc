"""File integrity with the real AIDE on a folder of the test's own: the first baseline, a
check that finds an added, a removed and a changed file, the acceptance that records who
and why, the digest and the record behind it, and the metrics (REG-4.2.3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rampart.audit import integrity
from rampart.audit.config import AuditConfig, load_config
from rampart.errors import ConfigError
from rampart.journal import read_journal

RAMPART = str(Path(sys.executable).with_name("rampart"))


@pytest.fixture
def config(tmp_path: Path) -> AuditConfig:
    watched = tmp_path / "etc"
    (watched / "ssh").mkdir(parents=True)
    (watched / "ssh" / "sshd_config").write_text("PermitRootLogin no\n")
    (watched / "hosts").write_text("127.0.0.1 localhost\n")
    (watched / "mtab").write_text("changes all the time\n")
    return AuditConfig(
        host="hr-01",
        integrity_paths=(str(watched),),
        integrity_excludes=(str(watched / "mtab"),),
        check_interval_seconds=86400,
        state_dir=tmp_path / "state",
        textfile_dir=tmp_path / "textfile",
        journal=tmp_path / "integrity.jsonl",
        rule_keys=("rampart-identity", "rampart-identity", "rampart-sshd"),
    )


def metrics(config: AuditConfig) -> str:
    return (config.textfile_dir / integrity.INTEGRITY_TEXTFILE).read_text()


def test_a_baseline_is_made_once_and_a_check_of_unchanged_files_finds_nothing(
    config: AuditConfig,
) -> None:
    digest = integrity.baseline(config, "alice")
    assert digest is not None
    assert config.database.stat().st_mode & 0o777 == 0o600
    # The baseline's coverage is in the metrics at once, not only after the first check.
    [covered] = [
        float(line.split()[-1])
        for line in metrics(config).splitlines()
        if line.startswith("rampart_integrity_entries ")
    ]
    assert integrity.baseline(config, "mallory") is None  # kept: only accept changes it
    (Path(config.integrity_paths[0]) / "mtab").write_text("excluded: not a finding\n")
    report = integrity.check(config)
    assert report.differences == 0 and report.entries >= 3 and covered == report.entries
    assert 'rampart_integrity_changed_files{change="changed"} 0.0' in metrics(config)
    [event] = read_journal(config.journal)
    assert (event["event"], event["by"], event["sha256"]) == ("integrity_baseline", "alice", digest)


def test_a_check_finds_added_removed_and_changed_files_and_accept_records_them(
    config: AuditConfig,
) -> None:
    integrity.baseline(config, "alice")
    etc = Path(config.integrity_paths[0])
    (etc / "ssh" / "sshd_config").write_text("PermitRootLogin yes\n")
    (etc / "hosts").unlink()
    (etc / "cron.d").mkdir()
    (etc / "cron.d" / "backdoor").write_text("* * * * * root nc -l 4444\n")
    report = integrity.check(config)
    assert str(etc / "ssh" / "sshd_config") in report.changed
    assert str(etc / "hosts") in report.removed
    assert {str(etc / "cron.d"), str(etc / "cron.d" / "backdoor")} <= set(report.added)
    text = metrics(config)
    assert 'rampart_integrity_changed_files{change="added"} 2.0' in text
    assert 'rampart_integrity_changed_files{change="removed"} 1.0' in text

    with pytest.raises(integrity.IntegrityError, match="say why"):
        integrity.accept(config, "bob", " ")
    accepted, digest = integrity.accept(config, "bob", "CHG-1234: root login for the migration")
    assert accepted.by_change() == report.by_change()
    assert integrity.check(config).differences == 0
    record = read_journal(config.journal)[-1]
    assert record["event"] == "integrity_accepted"
    assert (record["by"], record["sha256"]) == ("bob", digest)
    assert record["reason"] == "CHG-1234: root login for the migration"
    assert str(etc / "ssh" / "sshd_config") in record["changed"]
    assert integrity.digest(config)["record"]["by"] == "bob"


def test_a_baseline_replaced_behind_rampart_has_no_record(config: AuditConfig) -> None:
    integrity.baseline(config, "alice")
    (Path(config.integrity_paths[0]) / "hosts").write_text("10.0.0.66 mirror\n")
    # An intruder makes AIDE's new baseline by hand and moves it in.
    subprocess.run(
        ["aide", f"--config={config.aide_config}", "--update"], capture_output=True, check=False
    )
    config.new_database.replace(config.database)
    found = integrity.digest(config)
    assert found["record"] is None and len(found["sha256"]) == 64


def test_the_command_line_checks_with_exit_8_on_changes(
    config: AuditConfig, tmp_path: Path
) -> None:
    settings = tmp_path / "config.json"
    raw = {
        **{key: str(value) for key, value in vars(config).items() if isinstance(value, Path)},
        "host": config.host,
        "integrity_paths": list(config.integrity_paths),
        "integrity_excludes": list(config.integrity_excludes),
        "check_interval_seconds": config.check_interval_seconds,
        "rule_keys": list(config.rule_keys),
    }
    settings.write_text(json.dumps(raw))
    assert load_config(settings) == config

    def rampart(*words: str) -> subprocess.CompletedProcess[str]:
        argv = [RAMPART, "audit", "--config", str(settings), *words]
        return subprocess.run(argv, capture_output=True, text=True, check=False)

    assert rampart("check").returncode == 1  # no baseline yet: one line, no traceback
    assert "rampart audit baseline" in rampart("check").stderr
    assert rampart("baseline").returncode == 0
    assert rampart("check").returncode == 0
    (Path(config.integrity_paths[0]) / "hosts").write_text("changed\n")
    checked = rampart("check")
    assert (
        checked.returncode == 8 and f"changed {config.integrity_paths[0]}/hosts" in checked.stdout
    )
    status = rampart("status")
    assert status.returncode == 0
    kernel = (config.textfile_dir / "rampart_audit.prom").read_text()
    assert 'rampart_audit_rules_expected{key="rampart-identity"} 2.0' in kernel


def test_broken_settings_are_one_line(tmp_path: Path) -> None:
    settings = tmp_path / "config.json"
    settings.write_text('{"host": "hr-01"}')
    with pytest.raises(ConfigError, match=r"config\.json: missing key 'check_interval_seconds'"):
        load_config(settings)
