"""The rampart_progress callback in real `ansible-playbook` runs on localhost: the profile,
silence off a terminal, the status line on a pseudo-terminal, and runs it must not break."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))

PLAYBOOK = """\
- name: Converge the test host
  hosts: local
  gather_facts: false
  roles:
    - slow
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
- name: Wait once
  hosts: local
  gather_facts: false
  tasks:
    - name: Wait a second
      ansible.builtin.command: sleep 1
      changed_when: false
"""

ROLE_TASKS = """\
- name: Sleep a second
  ansible.builtin.command: sleep 1
  changed_when: false
- name: Look at the clock
  ansible.builtin.command: date
  changed_when: false
"""


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder with a playbook, a role, an inventory of localhost and an ansible.cfg that
    enables the repo's callback the way the repo's own ansible.cfg does."""
    (tmp_path / "roles" / "slow" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "slow" / "tasks" / "main.yml").write_text(ROLE_TASKS)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    (tmp_path / "hosts").write_text(
        f"[local]\nlocalhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    (tmp_path / "ansible.cfg").write_text(
        "[defaults]\ninventory = hosts\nroles_path = roles\n"
        f"callback_plugins = {REPO / 'plugins' / 'callback'}\n"
        "callbacks_enabled = rampart_progress\nstdout_callback = ansible.builtin.default\n"
        "retry_files_enabled = False\n"
    )
    return tmp_path


def environment(place: Path, **extra: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ANSIBLE_", "RAMPART_")) and name != "XDG_CACHE_HOME"
    }
    return (
        kept
        | {
            "ANSIBLE_CONFIG": str(place / "ansible.cfg"),
            "XDG_CACHE_HOME": str(place / "cache"),
            "TERM": "xterm",
        }
        | extra
    )


def run_piped(place: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANSIBLE_PLAYBOOK, "play.yml"],
        cwd=place,
        env=environment(place, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_on_terminal(place: Path) -> str:
    """Everything a 160x24 terminal receives from a run, escape sequences included."""
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    process = subprocess.Popen(
        [ANSIBLE_PLAYBOOK, "play.yml"],
        cwd=place,
        env=environment(place),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    received = bytearray()
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes when the run ends
            break
        if not chunk:
            break
        received += chunk
    os.close(main)
    assert process.wait(timeout=300) == 0, received.decode(errors="replace")
    return received.decode(errors="replace")


def test_the_profile_lists_every_task_and_role_with_its_seconds(place: Path) -> None:
    result = run_piped(place, RAMPART_PROFILE=str(place / "profile.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    profile = json.loads((place / "profile.json").read_text())
    tasks = {task["task"]: task for task in profile["tasks"]}
    assert set(tasks) == {"Sleep a second", "Look at the clock", "Say hello", "Wait a second"}
    assert tasks["Sleep a second"]["total_seconds"] >= 1.0
    assert tasks["Wait a second"]["max_seconds"] >= 1.0
    assert tasks["Sleep a second"]["role"] == "slow"
    assert tasks["Sleep a second"]["hosts"] == 1
    assert tasks["Say hello"]["total_seconds"] < tasks["Sleep a second"]["total_seconds"]
    seconds = [task["total_seconds"] for task in profile["tasks"]]
    assert seconds == sorted(seconds, reverse=True)
    roles = {role["role"]: role for role in profile["roles"]}
    assert roles["slow"]["tasks"] == 2
    assert 1.0 <= roles["slow"]["wall_seconds"] <= roles["slow"]["total_seconds"] + 0.01
    table = result.stdout.split("PROFILE (RAMPART_PROFILE=")[1]
    assert re.search(r"^slow +\d+\.\d +\d+\.\d +1  Sleep a second$", table, re.MULTILINE)


def test_off_a_terminal_the_output_is_ansibles_own_even_with_a_broken_history(
    place: Path,
) -> None:
    history = place / "cache" / "rampart" / "playbook-durations.json"
    history.parent.mkdir(parents=True)
    history.write_text('{"not json')
    plain = place / "plain.cfg"
    plain.write_text(
        (place / "ansible.cfg").read_text().replace("callbacks_enabled = rampart_progress\n", "")
    )
    with_plugin = run_piped(place)
    without = run_piped(place, ANSIBLE_CONFIG=str(plain))
    assert with_plugin.returncode == without.returncode == 0, with_plugin.stdout
    assert with_plugin.stdout == without.stdout
    assert with_plugin.stderr == without.stderr
    assert "left" not in with_plugin.stdout + with_plugin.stderr
    # The broken history was replaced by this run's plays.
    plays = json.loads(history.read_text())[str(place / "play.yml")]
    assert [play["name"] for play in plays] == ["Converge the test host", "Wait once"]


def test_on_a_terminal_a_status_line_shows_tasks_and_time_left(place: Path) -> None:
    first = run_on_terminal(place)
    assert "\0337\033[1;23r" in first  # the last row is kept for the status
    assert "play 1/2 Converge the test host" in first
    assert "task 1/3, 2 tasks left" in first
    assert "slow: Sleep a second [localhost]" in first
    assert "task 1/3, 2 tasks left · time left unknown" in first
    second = run_on_terminal(place)
    assert re.search(
        r"play 1/2 Converge the test host · task 2/3, 1 task left · about \d+s left", second
    )
    assert "\0337\033[1;24r\0338" in second  # and given back at the end


def test_an_error_inside_the_plugin_is_one_warning_and_the_run_goes_on(place: Path) -> None:
    result = run_piped(place, RAMPART_PROFILE=str(place / "missing" / "profile.json"))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("rampart_progress stopped, the run goes on") == 1
    assert "missing/profile.json" in output
    assert re.search(r"localhost +: ok=4 ", result.stdout)
    assert "Traceback" not in output
