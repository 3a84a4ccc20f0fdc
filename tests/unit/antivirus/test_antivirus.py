"""The antivirus on a real clamd: Rampart's signatures built with sigtool, a scan that
finds and quarantines, a release that puts a false positive back and keeps it allowed,
and the metrics a host publishes (REG-4.2.4). clamd runs here as the tests' own process,
on a socket and a database folder in the test's temporary folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rampart.antivirus import quarantine, signatures
from rampart.antivirus.config import AntivirusConfig, Scan, load_config
from rampart.antivirus.scan import SCAN_TEXTFILE, scan_all
from rampart.antivirus.status import STATUS_TEXTFILE, write_status
from rampart.errors import ConfigError
from rampart.journal import read_journal

RAMPART = str(Path(sys.executable).with_name("rampart"))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rampart's database, built and published into a mirror folder once."""
    mirror = tmp_path_factory.mktemp("mirror")
    signatures.build(mirror)
    return mirror / signatures.DATABASE


@pytest.fixture
def clamd(tmp_path: Path, published: Path) -> Iterator[Path]:
    """A real clamd on a socket of its own; yields its configuration file."""
    database = tmp_path / "clamav"
    database.mkdir()
    shutil.copy2(published, database)
    socket = tmp_path / "clamd.ctl"
    config = tmp_path / "clamd.conf"
    config.write_text(
        f"LocalSocket {socket}\nDatabaseDirectory {database}\nForeground yes\n"
        f"LogFile {tmp_path / 'clamd.log'}\nMaxThreads 2\n"
    )
    process = subprocess.Popen(
        ["clamd", f"--config-file={config}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not socket.exists():
        assert process.poll() is None, (tmp_path / "clamd.log").read_text()
        assert time.monotonic() < deadline, "clamd did not open its socket in 60 s"
        time.sleep(0.1)
    yield config
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def config(tmp_path: Path, clamd: Path) -> AntivirusConfig:
    """Two data sets, one with two folders, scanned by the test's clamd."""
    for folder in ("public/www", "internal/mail", "internal/reports"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    data = tmp_path / "data"
    (data / "public/www/index.html").write_text("<h1>portal</h1>\n")
    (data / "internal/mail/alice").write_text("From: bob\n\nhello\n")
    return AntivirusConfig(
        host="oa-01",
        scans=(
            Scan("portal-content", "public", (str(data / "public/www"),)),
            Scan(
                "staff-files",
                "internal",
                (str(data / "internal/mail"), str(data / "internal/reports")),
            ),
        ),
        signature_max_age_seconds=86400,
        scan_interval_seconds=86400,
        quarantine_dir=tmp_path / "quarantine",
        database_dir=tmp_path / "clamav",
        textfile_dir=tmp_path / "textfile",
        journal=tmp_path / "antivirus.jsonl",
        clamd_config=clamd,
    )


def metric_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def test_the_published_database_is_an_unsigned_container_that_says_when_it_was_built(
    published: Path,
) -> None:
    header = signatures.read_header(published)
    assert header is not None
    assert header.name == "rampart" and header.signatures == 2
    assert abs(header.built - time.time()) < 600
    assert 0 <= header.built - header.version < 60, "the version is the build's start time"
    info = subprocess.run(["sigtool", f"--info={published}"], capture_output=True, text=True)
    assert "Unsigned container" in info.stdout


def test_a_scan_quarantines_eicar_with_its_manifest_and_reports_it(
    config: AntivirusConfig,
) -> None:
    infected = Path(config.scans[1].paths[1]) / "deep" / "q3.xlsx"
    infected.parent.mkdir()
    infected.write_bytes(signatures.EICAR)
    infected.chmod(0o640)
    os.utime(infected, (1_700_000_000, 1_700_000_000))

    results = scan_all(config)

    assert not infected.exists(), "the infected file is out of the data set"
    portal, staff = results
    assert (portal.files, len(portal.infected), portal.success) == (1, 0, True)
    assert (staff.files, staff.bytes) == (2, len("From: bob\n\nhello\n") + len(signatures.EICAR))
    [entry] = staff.quarantined
    assert entry.signature.startswith(signatures.EICAR_SIGNATURE)
    assert entry.path == str(infected) and entry.data_set == "staff-files"
    assert entry.sha256 == hashlib.sha256(signatures.EICAR).hexdigest()
    assert (entry.owner, entry.mode, entry.size) == ("root", "0640", 68)
    assert entry.modified.startswith("2023-11-14T22:13:20")
    held = config.quarantine_dir / entry.id
    assert (held / quarantine.HELD).read_bytes() == signatures.EICAR
    assert (held / quarantine.HELD).stat().st_mode & 0o777 == 0o400
    assert config.quarantine_dir.stat().st_mode & 0o777 == 0o700
    manifest = json.loads((held / quarantine.MANIFEST).read_text())
    assert manifest["path"] == str(infected) and manifest["sha256"] == entry.sha256
    metrics = metric_lines(config.textfile_dir / SCAN_TEXTFILE)
    assert (
        'rampart_antivirus_scan_infected_files{data_class="internal",data_set="staff-files"} 1.0'
        in metrics
    )
    assert (
        'rampart_antivirus_scan_infected_files{data_class="public",data_set="portal-content"} 0.0'
        in metrics
    )
    events = [(line["event"], line.get("data_set")) for line in read_journal(config.journal)]
    assert events == [
        ("scan_finished", "portal-content"),
        ("file_quarantined", "staff-files"),
        ("scan_finished", "staff-files"),
    ]


def test_rampart_s_own_pattern_is_found_inside_a_larger_file(config: AntivirusConfig) -> None:
    page = Path(config.scans[0].paths[0]) / "upload.txt"
    page.write_bytes(b"header\n" * 1000 + signatures.MARKER + b"\ntrailer\n")
    [portal, _staff] = scan_all(config)
    assert [signature for _path, signature in portal.infected] == [
        f"{signatures.MARKER_SIGNATURE}.UNOFFICIAL"
    ]


def test_a_released_false_positive_is_back_as_it_was_and_stays_allowed(
    config: AntivirusConfig,
) -> None:
    suspect = Path(config.scans[0].paths[0]) / "tool.com"
    suspect.write_bytes(signatures.EICAR)
    suspect.chmod(0o604)
    os.utime(suspect, (1_700_000_000, 1_700_000_000))
    [entry] = scan_all(config)[0].quarantined

    released = subprocess.run(
        [RAMPART, "antivirus", "--config", str(write_config(config)), "release", entry.id],
        capture_output=True,
        text=True,
        env={**os.environ, "SUDO_USER": "alice"},
    )

    assert released.returncode == 0, released.stderr
    assert suspect.read_bytes() == signatures.EICAR
    assert suspect.stat().st_mode & 0o777 == 0o604
    assert suspect.stat().st_mtime == 1_700_000_000
    record = json.loads((config.quarantine_dir / "released" / f"{entry.id}.json").read_text())
    assert record["released_by"] == "alice" and record["path"] == str(suspect)
    assert quarantine.entries(config.quarantine_dir) == []
    again = scan_all(config)[0]
    assert again.infected == [] and again.success, "the allowed file is not found again"
    assert suspect.exists()


def test_a_release_onto_a_path_taken_again_is_refused_and_moves_nothing(
    config: AntivirusConfig,
) -> None:
    suspect = Path(config.scans[0].paths[0]) / "tool.com"
    suspect.write_bytes(signatures.EICAR)
    [entry] = scan_all(config)[0].quarantined
    suspect.write_text("a new file\n")
    with pytest.raises(ConfigError, match="a file is there now"):
        quarantine.release(config.quarantine_dir, entry.id, "alice")
    assert suspect.read_text() == "a new file\n"
    assert [held.id for held in quarantine.entries(config.quarantine_dir)] == [entry.id]


def test_the_command_exits_8_when_it_found_and_quarantined_and_0_when_clean(
    config: AntivirusConfig,
) -> None:
    settings = str(write_config(config))
    infected = Path(config.scans[0].paths[0]) / "drop.com"
    infected.write_bytes(signatures.EICAR)
    found = subprocess.run(
        [RAMPART, "antivirus", "--config", settings, "scan"], capture_output=True, text=True
    )
    assert found.returncode == 8, found.stdout + found.stderr
    assert f"quarantined {infected} (Rampart.Test.EICAR.UNOFFICIAL)" in found.stdout
    clean = subprocess.run(
        [RAMPART, "antivirus", "--config", settings, "scan"], capture_output=True, text=True
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_a_missing_folder_makes_the_scan_incomplete_and_says_which(
    config: AntivirusConfig,
) -> None:
    shutil.rmtree(config.scans[1].paths[0])
    done = subprocess.run(
        [RAMPART, "antivirus", "--config", str(write_config(config)), "scan"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"error: {config.scans[1].paths[0]}: the data set's folder is missing" in done.stdout
    metrics = metric_lines(config.textfile_dir / SCAN_TEXTFILE)
    assert 'rampart_antivirus_scan_success{data_class="internal",data_set="staff-files"} 0.0' in (
        metrics
    )
    assert (
        'rampart_antivirus_scan_success{data_class="public",data_set="portal-content"} 1.0'
        in metrics
    )


def test_status_reports_clamd_the_signatures_age_and_the_quarantine(
    config: AntivirusConfig, published: Path
) -> None:
    (Path(config.scans[0].paths[0]) / "x.com").write_bytes(signatures.EICAR)
    scan_all(config)
    write_status(config)
    metrics = metric_lines(config.textfile_dir / STATUS_TEXTFILE)
    header = signatures.read_header(published)
    assert header is not None
    assert "rampart_antivirus_clamd_up 1.0" in metrics
    assert "rampart_antivirus_quarantined_files 1.0" in metrics
    assert "rampart_antivirus_signature_max_age_seconds 86400.0" in metrics
    built = [line for line in metrics if line.startswith("rampart_antivirus_signature_timestamp")]
    assert [line.split(" ")[0] for line in built] == [
        'rampart_antivirus_signature_timestamp_seconds{database="rampart"}'
    ]
    assert float(built[0].split(" ")[1]) == header.built


def test_status_says_clamd_is_down_when_it_does_not_answer(
    config: AntivirusConfig, tmp_path: Path
) -> None:
    (tmp_path / "clamd.ctl").unlink()
    write_status(config)
    assert "rampart_antivirus_clamd_up 0.0" in metric_lines(config.textfile_dir / STATUS_TEXTFILE)


def test_a_broken_settings_file_is_one_line_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "config.json"
    broken.write_text('{"host": "oa-01", "scans": "all"}')
    done = subprocess.run(
        [RAMPART, "antivirus", "--config", str(broken), "scan"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"rampart: error: {broken}: scans must be list, not str"]


def write_config(config: AntivirusConfig) -> Path:
    """The settings as the role writes them, beside the test's data."""
    path = config.journal.with_name("config.json")
    document = {
        "host": config.host,
        "scans": [
            {"data_set": s.data_set, "data_class": s.data_class, "paths": list(s.paths)}
            for s in config.scans
        ],
        "signature_max_age_seconds": config.signature_max_age_seconds,
        "scan_interval_seconds": config.scan_interval_seconds,
        "quarantine_dir": str(config.quarantine_dir),
        "database_dir": str(config.database_dir),
        "textfile_dir": str(config.textfile_dir),
        "journal": str(config.journal),
        "clamd_config": str(config.clamd_config),
    }
    path.write_text(json.dumps(document))
    assert load_config(path) == config
    return path
