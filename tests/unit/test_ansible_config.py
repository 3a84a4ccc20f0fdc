"""The default inventory is the one `ansible-playbook` would use, from real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rampart.ansible_config import ANSIBLE_DEFAULT_INVENTORY, config_file, default_inventory


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder and home, no Ansible variables."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir(mode=0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    monkeypatch.delenv("ANSIBLE_INVENTORY", raising=False)
    monkeypatch.chdir(work)
    return tmp_path


def write_cfg(path: Path, inventory: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[defaults]\ninventory = {inventory}  # the lab\nforks = 5\n")
    return path


def test_the_working_folder_cfg_resolves_against_its_folder(place: Path) -> None:
    write_cfg(place / "work" / "ansible.cfg", "inventory/lab")
    assert default_inventory() == place / "work" / "inventory" / "lab"


def test_ansible_config_wins_over_the_working_folder(place: Path) -> None:
    write_cfg(place / "work" / "ansible.cfg", "inventory/lab")
    chosen = write_cfg(place / "elsewhere" / "site.cfg", "../prod,../other")
    os.environ["ANSIBLE_CONFIG"] = str(chosen)
    assert default_inventory() == place / "elsewhere" / ".." / "prod"


def test_ansible_inventory_wins_over_any_cfg_and_is_relative_to_the_working_folder(
    place: Path,
) -> None:
    write_cfg(place / "work" / "ansible.cfg", "inventory/lab")
    os.environ["ANSIBLE_INVENTORY"] = "inventory/example,inventory/lab"
    assert default_inventory() == place / "work" / "inventory" / "example"


def test_home_cfg_when_the_working_folder_has_none(place: Path) -> None:
    write_cfg(place / "home" / ".ansible.cfg", "/srv/inventory")
    assert default_inventory() == Path("/srv/inventory")


def test_a_world_writable_working_folder_is_ignored_as_ansible_does(place: Path) -> None:
    write_cfg(place / "work" / "ansible.cfg", "inventory/lab")
    (place / "work").chmod(0o777)
    assert config_file() != place / "work" / "ansible.cfg"


def test_no_cfg_and_no_variable_is_ansibles_own_default(place: Path) -> None:
    if Path("/etc/ansible/ansible.cfg").is_file():
        pytest.skip("this machine has /etc/ansible/ansible.cfg")
    assert default_inventory() == ANSIBLE_DEFAULT_INVENTORY


def test_the_help_names_the_default(place: Path) -> None:
    import subprocess
    import sys

    write_cfg(place / "work" / "ansible.cfg", "somewhere")
    rampart = str(Path(sys.executable).with_name("rampart"))
    result = subprocess.run(
        [rampart, "summary", "--help"], capture_output=True, text=True, check=True
    )
    assert "ANSIBLE_INVENTORY" in result.stdout
    assert str(place / "work" / "somewhere") in result.stdout.replace("\n", "").replace(" ", "")


def test_a_place_that_cannot_be_looked_into_counts_as_no_file(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name too long to stat raises OSError, as a folder this user may not enter does (the
    # prober's account started from root's home): no traceback, the next candidate wins.
    monkeypatch.setenv("ANSIBLE_CONFIG", "/" + "a" * 5000)
    write_cfg(place / "work" / "ansible.cfg", "inventory/lab")
    assert default_inventory() == place / "work" / "inventory" / "lab"
