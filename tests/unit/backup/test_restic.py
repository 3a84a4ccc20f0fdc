"""The restic module: typed results from restic 0.18's real JSON (captured on a lab host,
fixtures/), typed errors per exit code, and the exact command line with no password in it.

restic >= 0.18 is not on the Debian 12 controller, so the commands themselves run on the
lab (tests/integration/test_backup.py, test_restore_drill.py); here a stand-in script
records the command line restic would get.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rampart.backup import restic
from rampart.errors import BackupError, RampartError

FIXTURES = Path(__file__).parent / "fixtures"


def test_backup_summary_is_read_from_the_last_json_line() -> None:
    summary = restic.parse_backup_summary((FIXTURES / "backup.jsonl").read_text())
    assert summary.snapshot_id.startswith("baed3c73")
    assert (summary.files, summary.bytes_added, summary.bytes_processed) == (1, 1037, 6)


def test_restore_summary_counts_files_and_bytes() -> None:
    summary = restic.parse_restore_summary((FIXTURES / "restore.jsonl").read_text())
    assert (summary.files_restored, summary.bytes_restored) == (3, 6)


def test_snapshots_are_sorted_oldest_first_with_nanosecond_times() -> None:
    snapshots = restic.parse_snapshots((FIXTURES / "snapshots.json").read_text())
    assert [snapshot.id for snapshot in snapshots] == ["older", snapshots[1].id]
    assert snapshots[1].time == datetime(2026, 11, 29, 20, 25, 18, 887858, tzinfo=UTC)
    assert snapshots[0].tags == ("rampart", "rampart-class-sensitive")


def test_output_without_a_summary_is_an_error() -> None:
    with pytest.raises(restic.ResticError, match="no JSON summary"):
        restic.parse_restore_summary('{"message_type":"status"}\n')


@pytest.mark.parametrize(
    ("code", "error_class", "reason"),
    [
        (3, restic.PartialBackupError, "partial_backup"),
        (10, restic.RepositoryMissingError, "repository_missing"),
        (11, restic.RepositoryLockedError, "repository_locked"),
        (12, restic.WrongPasswordError, "wrong_password"),
        (1, restic.ResticError, "restic_failed"),
    ],
)
def test_each_exit_code_is_its_own_error(
    code: int, error_class: type[restic.ResticError], reason: str
) -> None:
    error = restic.error_for(code, "backup", "Fatal: something\n")
    assert type(error) is error_class
    assert error.reason == reason
    assert error.exit_status == code
    assert str(error) == f"restic backup exited with status {code}: Fatal: something"
    assert isinstance(error, BackupError)
    assert isinstance(error, RampartError)


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    """A script in restic's place: records argv and the password file it was given."""
    script = tmp_path / "restic"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {tmp_path}/argv\n'
        f'printf "%s" "$RESTIC_PASSWORD_FILE" > {tmp_path}/password_file\n'
        'cat "$RESTIC_PASSWORD_FILE" > /dev/null\n'
        'echo "Fatal: wrong password or no key found" >&2\n'
        "exit ${STAND_IN_EXIT:-12}\n"
    )
    script.chmod(0o755)
    return script


def test_password_travels_as_a_file_never_in_argv(stand_in: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("correct horse battery staple")
    repository = restic.Repository(
        "sftp:rampart-backup:/repo",
        secret,
        options=("sftp.command=ssh -F /etc/x rampart-backup -s sftp",),
        binary=str(stand_in),
    )
    with pytest.raises(restic.WrongPasswordError):
        repository.backup(["/srv/data"], ["rampart", "rampart-class-public"])
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == [
        "--repo", "sftp:rampart-backup:/repo",
        "--option", "sftp.command=ssh -F /etc/x rampart-backup -s sftp",
        "--retry-lock", "2m",
        "backup", "--json", "--tag", "rampart", "--tag", "rampart-class-public",
        "--", "/srv/data",
    ]  # fmt: skip
    assert "correct horse" not in " ".join(argv)
    assert (tmp_path / "password_file").read_text() == str(secret)


def test_missing_repository_is_an_answer_to_exists(stand_in: Path, tmp_path: Path) -> None:
    repository = restic.Repository(
        "/nowhere", tmp_path / "password", binary=str(stand_in), environment={"STAND_IN_EXIT": "10"}
    )
    (tmp_path / "password").write_text("x")
    assert repository.exists() is False
