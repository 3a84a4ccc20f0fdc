"""The default inventory is the one `ansible-playbook` would use, from real files."""

from __future__ import annotations

import os
import subprocess
import sys
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


def rampart(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = str(Path(sys.executable).with_name("rampart"))
    return subprocess.run([command, *arguments], capture_output=True, text=True, check=False)


def test_commands_that_need_no_inventory_never_read_ansible_cfg(place: Path) -> None:
    (place / "work" / "ansible.cfg").write_text("[defaults\ninventory = lab\n")
    for arguments in (["--help"], ["lab", "--help"], ["summary", "--help"]):
        result = rampart(*arguments)
        assert result.returncode == 0, result.stderr
    assert "ANSIBLE_INVENTORY" in rampart("summary", "--help").stdout


def test_a_broken_ansible_cfg_is_one_line_naming_it(place: Path) -> None:
    cfg = place / "work" / "ansible.cfg"
    cfg.write_text("[defaults\ninventory = lab\n")
    result = rampart("summary")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"rampart: error: {cfg}: cannot read it as Ansible's configuration" in result.stderr


def test_no_ansible_cfg_and_no_variable_is_one_line_saying_so(place: Path) -> None:
    if Path("/etc/ansible/ansible.cfg").is_file() or ANSIBLE_DEFAULT_INVENTORY.exists():
        pytest.skip("this machine has an Ansible configuration or /etc/ansible/hosts")
    result = rampart("plan", "web-01")
    assert result.returncode == 2
    assert result.stderr.startswith("rampart: error: no inventory: no $ANSIBLE_INVENTORY")
    assert result.stderr.count("\n") == 1


def test_the_default_is_read_when_the_command_runs(place: Path) -> None:
    write_cfg(place / "work" / "ansible.cfg", "somewhere")
    result = rampart("inventory", "validate")
    assert result.returncode == 2
    assert str(place / "work" / "somewhere") in result.stderr
