"""Storage on a host: each data set's folder judged and put right on real files, the volume's
options on a real loop-mounted ext4 volume, and the metrics of both (REG-4.1.1)."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from rampart.cli import main
from rampart.errors import ConfigError
from rampart.storage import folders, volume
from rampart.storage.apply import apply
from rampart.storage.config import Folder, StorageConfig, load_config
from rampart.storage.status import STATUS_TEXTFILE, write_status

GROUP = "adm"
"""A group every Debian machine has, standing in for a data set's group."""


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A volume stand-in: a folder others may enter, like a volume's root."""
    tmp_path.chmod(0o755)
    return tmp_path


def folder(place: Path, data_class: str = "sensitive", mode: int = 0o2750) -> Folder:
    return Folder("hr-documents", data_class, place / "hr" / "documents", GROUP, mode)


def config(place: Path, *entries: Folder, options: tuple[str, ...] = ()) -> StorageConfig:
    return StorageConfig(place, options, 7 * 86400.0, entries, (), place / "textfile")


def test_a_missing_folder_is_made_with_its_parent_owner_group_and_mode(place: Path) -> None:
    planned = folder(place)
    checked = folders.examine(place, planned, fix=False)
    assert checked.problems["missing"] == 2
    assert not (place / "hr").exists()

    folders.examine(place, planned, fix=True)
    info = planned.path.stat()
    assert (info.st_uid, info.st_gid) == (0, grp.getgrnam(GROUP).gr_gid)
    assert stat.S_IMODE(info.st_mode) == 0o2750
    assert stat.S_IMODE((place / "hr").stat().st_mode) == 0o755
    again = folders.examine(place, planned, fix=True)
    assert again.changes == [] and not any(again.problems.values())


def test_sensitive_content_open_to_others_is_closed_and_regrouped(place: Path) -> None:
    planned = folder(place)
    folders.examine(place, planned, fix=True)
    handbook = planned.path / "handbook.txt"
    handbook.write_text("salaries\n")
    handbook.chmod(0o644)
    os.chown(handbook, 0, 0)
    (planned.path / "sub").mkdir(mode=0o777)
    (planned.path / "sub").chmod(0o777)
    (planned.path / "link").symlink_to("/etc/passwd")

    found = folders.examine(place, planned, fix=False)
    assert found.problems["too_open"] == 2
    # Made inside the setgid folder, sub and link took its group; the chowned file did not.
    assert found.problems["foreign_group"] == 1
    assert found.files == 1
    assert stat.S_IMODE(handbook.stat().st_mode) == 0o644

    folders.examine(place, planned, fix=True)
    assert stat.S_IMODE(handbook.stat().st_mode) == 0o640
    assert stat.S_IMODE((planned.path / "sub").stat().st_mode) == 0o770
    assert handbook.stat().st_gid == grp.getgrnam(GROUP).gr_gid
    # The link's target is left alone: only the link is regrouped.
    assert Path("/etc/passwd").stat().st_gid == 0
    assert not any(folders.examine(place, planned, fix=False).problems.values())


def test_public_content_may_stay_readable_by_everyone(place: Path) -> None:
    planned = folder(place, data_class="public", mode=0o2755)
    folders.examine(place, planned, fix=True)
    page = planned.path / "index.html"
    page.write_text("<h1>hi</h1>\n")
    page.chmod(0o644)
    os.chown(page, 0, grp.getgrnam(GROUP).gr_gid)
    assert not any(folders.examine(place, planned, fix=False).problems.values())


def test_a_folder_too_open_and_wrongly_owned_is_put_right(place: Path) -> None:
    planned = folder(place)
    planned.path.mkdir(parents=True)
    planned.path.chmod(0o777)
    os.chown(planned.path, 65534, 0)
    (place / "hr").chmod(0o700)
    found = folders.examine(place, planned, fix=False)
    assert {kind for kind, count in found.problems.items() if count} == {
        "owner",
        "group",
        "mode",
        "parent",
    }
    folders.examine(place, planned, fix=True)
    assert stat.S_IMODE(planned.path.stat().st_mode) == 0o2750
    assert planned.path.stat().st_uid == 0
    assert stat.S_IMODE((place / "hr").stat().st_mode) == 0o701


def test_a_file_where_the_folder_should_be_is_one_line_and_left_alone(place: Path) -> None:
    planned = folder(place)
    planned.path.parent.mkdir()
    planned.path.write_text("not a folder\n")
    with pytest.raises(ConfigError, match=r"documents \(hr-documents\) is not a folder"):
        folders.examine(place, planned, fix=True)
    assert planned.path.read_text() == "not a folder\n"


def test_a_missing_group_is_one_line_naming_the_playbook(place: Path) -> None:
    planned = Folder("x", "internal", place / "x", "data-no-such-group", 0o2750)
    with pytest.raises(ConfigError, match=r"group data-no-such-group does not exist.*storage\.yml"):
        folders.examine(place, planned, fix=True)
    assert not (place / "x").exists()


@pytest.fixture
def data_volume(ext4_volume: tuple[Path, Path]) -> Path:
    """A real ext4 data volume's mount point, mounted with nodev only."""
    return ext4_volume[1]


def test_apply_remounts_the_volume_with_its_missing_options(data_volume: Path) -> None:
    wanted = config(data_volume, folder(data_volume), options=("nodev", "nosuid", "noexec"))
    checked = apply(wanted, check=True)
    assert "remount" in checked.changes[0] and "nosuid,noexec" in checked.changes[0]
    mount = volume.mount_of(data_volume)
    assert mount is not None and "noexec" not in mount.options

    apply(wanted, check=False)
    mount = volume.mount_of(data_volume)
    assert mount is not None and mount.fstype == "ext4"
    assert {"nodev", "nosuid", "noexec"} <= set(mount.options)
    program = data_volume / "hr" / "run-me"
    program.write_text("#!/bin/sh\necho ran\n")
    program.chmod(0o755)
    with pytest.raises(PermissionError):
        subprocess.run([str(program)], check=False)
    assert apply(wanted, check=False).changes == ()


def test_apply_warns_when_the_volume_is_not_a_mount_point(place: Path) -> None:
    outcome = apply(config(place, folder(place), options=("nodev",)), check=False)
    assert outcome.warnings and "is not a mount point" in outcome.warnings[0]
    assert folder(place).path.is_dir()


def test_status_writes_usage_free_space_options_and_problems(data_volume: Path) -> None:
    planned = folder(data_volume)
    folders.examine(data_volume, planned, fix=True)
    (planned.path / "a.bin").write_bytes(os.urandom(100_000))
    (planned.path / "a.bin").chmod(0o644)
    write_status(config(data_volume, planned, options=("nodev", "noexec")))
    text = (data_volume / "textfile" / STATUS_TEXTFILE).read_text()
    labels = f'data_set="hr-documents",path="{planned.path}"'
    assert f"rampart_storage_data_set_files{{{labels}}} 1.0" in text
    assert f'rampart_storage_data_set_problems{{{labels},problem="too_open"}} 1.0' in text
    assert f'rampart_storage_data_set_problems{{{labels},problem="mode"}} 0.0' in text
    assert f'rampart_storage_volume_option{{option="nodev",volume="{data_volume}"}} 1.0' in text
    assert f'rampart_storage_volume_option{{option="noexec",volume="{data_volume}"}} 0.0' in text
    assert f'rampart_storage_volume_mounted{{volume="{data_volume}"}} 1.0' in text
    used = next(
        line for line in text.splitlines() if line.startswith("rampart_storage_data_set_bytes")
    )
    assert float(used.split()[-1]) >= 100_000
    size = next(
        line for line in text.splitlines() if line.startswith("rampart_storage_volume_size")
    )
    assert 50 * 1024**2 < float(size.split()[-1]) <= 64 * 1024**2
    # status only reports: the file is still open to others.
    assert stat.S_IMODE((planned.path / "a.bin").stat().st_mode) == 0o644


def test_the_command_reads_the_roles_settings_and_reports_json(
    place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = place / "config.json"
    settings.write_text(
        json.dumps(
            {
                "volume": str(place),
                "volume_options": [],
                "full_warning_seconds": 604800,
                "folders": [
                    {
                        "data_set": "hr-documents",
                        "data_class": "sensitive",
                        "group": GROUP,
                        "mode": "2750",
                        "path": str(place / "hr" / "documents"),
                    }
                ],
                "elsewhere": ["mail-spool:/var/mail"],
                "textfile_dir": str(place / "textfile"),
            }
        )
    )
    assert load_config(settings).folders[0].mode == 0o2750
    assert main(["storage", "--config", str(settings), "apply", "--check", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["changed"] and not (place / "hr").exists()
    assert checked["count"] == 2 and len(checked["changes"]) == 2
    assert main(["storage", "--config", str(settings), "apply", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"]
    assert main(["storage", "--config", str(settings), "apply", "--json"]) == 0
    assert not json.loads(capsys.readouterr().out)["changed"]


def test_a_broken_settings_file_is_one_line(
    place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = place / "config.json"
    settings.write_text(
        json.dumps({"volume": "/srv", "folders": [{"data_set": "x", "mode": "99"}]})
    )
    assert main(["storage", "--config", str(settings), "status"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("rampart: error:") and "\n" not in error and str(settings) in error
