"""A file written while restic reads it: the snapshot is forgotten and taken again.

restic >= 0.18 does not run on the Debian 12 controller, so the repository here is a
stand-in that records its calls and, like a mail delivery, appends to a source file
during the backups it is told to. The lab test `test_backup.py` runs the same path with
real restic and a real writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rampart.backup.config import BackupConfig, DataSet
from rampart.backup.manifest import Manifest, changed_files, fingerprint
from rampart.backup.restic import BackupSummary, Repository, Snapshot
from rampart.backup.runner import ATTEMPTS, back_up_class, manifest_path
from rampart.errors import BackupError


@dataclass(frozen=True)
class Delivering(Repository):
    """Appends a line to `spool` during the first `deliveries` backups."""

    spool: Path = Path("/nonexistent")
    deliveries: int = 0
    calls: list[str] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)

    def backup(self, paths: Sequence[str], tags: Sequence[str]) -> BackupSummary:
        number = sum(call.startswith("backup") for call in self.calls) + 1
        self.calls.append(f"backup {number}")
        self.manifests.append(Manifest.from_json(Path(paths[-1]).read_text(), "test"))
        if number <= self.deliveries:
            with self.spool.open("a") as spool:
                spool.write(f"delivery {number}\n")
        return BackupSummary(f"snap{number}", files=1, bytes_processed=1, bytes_added=1, seconds=0)

    def forget_snapshot(self, snapshot_id: str) -> None:
        self.calls.append(f"forget {snapshot_id}")

    def forget(self, tags: Sequence[str], keep: Mapping[str, int]) -> None:
        self.calls.append("retention")

    def snapshots(self, tags: Sequence[str] = ()) -> list[Snapshot]:
        return []


def config_for(tmp_path: Path, deliveries: int) -> tuple[BackupConfig, Path, Delivering]:
    mail = tmp_path / "var" / "mail"
    mail.mkdir(parents=True)
    spool = mail / "alice"
    spool.write_text("first mail\n")
    repository = Delivering("/repo", tmp_path / "password", spool=spool, deliveries=deliveries)
    config = BackupConfig(
        host="oa-01",
        repository=repository,
        data_sets=(DataSet("mail-spool", "internal", (str(mail),)),),
        retention={"internal": {"daily": 7}},
        state_dir=tmp_path / "state",
        scratch_dir=tmp_path / "scratch",
        textfile_dir=tmp_path / "textfiles",
        journal=tmp_path / "drill.jsonl",
    )
    return config, spool, repository


def test_fingerprints_see_a_write_an_addition_and_a_removal(tmp_path: Path) -> None:
    (tmp_path / "kept").write_text("x")
    (tmp_path / "written").write_text("x")
    (tmp_path / "removed").write_text("x")
    before = fingerprint([tmp_path])
    assert changed_files(before, fingerprint([tmp_path])) == []
    with (tmp_path / "written").open("a") as written:
        written.write("y")
    (tmp_path / "removed").unlink()
    (tmp_path / "added").write_text("x")
    names = [Path(path).name for path in changed_files(before, fingerprint([tmp_path]))]
    assert names == ["added", "removed", "written"]


def test_a_delivery_during_the_backup_forgets_that_snapshot_and_backs_up_again(
    tmp_path: Path,
) -> None:
    config, spool, repository = config_for(tmp_path, deliveries=1)
    result = back_up_class(config, "internal", {})
    assert repository.calls == ["backup 1", "forget snap1", "backup 2", "retention"]
    assert result["snapshot_id"] == "snap2"
    # The kept snapshot's manifest describes the spool as it is now, delivery included.
    (entry,) = repository.manifests[-1].files
    assert entry.size == spool.stat().st_size
    written = Manifest.from_json(manifest_path(config, "internal").read_text(), "test")
    assert written.files == repository.manifests[-1].files


def test_a_file_that_never_settles_fails_the_run_and_keeps_the_last_snapshot(
    tmp_path: Path,
) -> None:
    config, spool, repository = config_for(tmp_path, deliveries=ATTEMPTS)
    with pytest.raises(BackupError) as failure:
        back_up_class(config, "internal", {})
    assert failure.value.reason == "source_changed"
    assert str(failure.value) == (
        f"internal: 1 file(s) changed while restic read them, {ATTEMPTS} tries; first: {spool}"
    )
    forgotten = [call for call in repository.calls if call.startswith("forget")]
    assert forgotten == [f"forget snap{number}" for number in range(1, ATTEMPTS)]
    assert "retention" not in repository.calls
