"""Preflight failures are one line that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from rampart import commands
from rampart.errors import LabError
from rampart.lab import image, preflight
from rampart.lab.config import LabPaths


def test_missing_tools_name_their_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = {"debootstrap", "systemd-nspawn", "apt-cacher-ng"}
    monkeypatch.setattr(
        commands, "which", lambda tool: None if tool in absent else Path("/bin/true")
    )
    with pytest.raises(LabError) as raised:
        preflight.require_tools()
    assert str(raised.value) == (
        "missing debootstrap, systemd-nspawn, apt-cacher-ng; "
        "install with: apt-get install apt-cacher-ng debootstrap systemd-container"
    )


def test_not_enough_disk_says_how_much(tmp_path: Path) -> None:
    paths = LabPaths(state=tmp_path / "state", cache=tmp_path / "cache" / "deeper")
    with pytest.raises(LabError, match=r"not enough disk: .* GiB free under .*, the lab needs"):
        preflight.require_disk(paths, needed=2**62)
    preflight.require_disk(paths, needed=1)


def test_image_recipe_changes_with_release_and_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    trixie = image.recipe_id("trixie")
    assert trixie != image.recipe_id("bookworm")
    assert trixie == image.recipe_id("trixie")
    monkeypatch.setattr(image, "BASE_PACKAGES", (*image.BASE_PACKAGES, "vim"))
    assert image.recipe_id("trixie") != trixie


def test_low_inotify_limit_is_raised_and_a_high_one_kept(tmp_path: Path) -> None:
    limit = tmp_path / "max_user_instances"
    limit.write_text("128\n")
    preflight.ensure_inotify_instances(limit)
    assert limit.read_text() == "1024"
    limit.write_text("8192\n")
    preflight.ensure_inotify_instances(limit)
    assert limit.read_text() == "8192\n"
