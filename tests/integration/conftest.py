"""The lab for integration tests: brought up (and converged with playbooks/site.yml) once
per session; `test_teardown.py` takes it down last and proves nothing is left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import testinfra

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
INVENTORY = ROOT / "inventory" / "lab"
# testinfra's Ansible backend calls ansible-inventory by name: the venv's comes first.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
FLEET = ("oa-01", "hr-01", "fin-01", "backup-01", "mon-01")
# The site-wide second run and check mode come first, straight after the converge; modules
# that change the fleet run after the others, the teardown last of all.
ORDER = {"test_site": -1, "test_host_lost": 0.5, "test_scale_and_recovery": 1, "test_teardown": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep that order, whatever order pytest found the modules in."""
    items.sort(key=lambda item: ORDER.get(item.path.stem, 0))


def rampart(*arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the `rampart` command from the repository root, as a user would."""
    return subprocess.run(
        [str(BIN / "rampart"), *arguments],
        cwd=ROOT,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        check=check,
    )


def runbook(runs: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`rampart runbook ...` with a test's own runs folder (metrics beside it)."""
    extra = ["--runs-dir", str(runs)]
    if arguments[0] in ("run", "resume"):
        extra += ["--metrics-dir", str(runs.parent / "metrics")]
    return rampart("runbook", *arguments, *extra, check=False)


def only_journal(runs: Path) -> list[dict[str, Any]]:
    """The events of the one run in a runs folder."""
    (journal,) = runs.glob("*/journal.jsonl")
    return [json.loads(line) for line in journal.read_text().splitlines()]


def answering_hosts() -> set[str]:
    """The inventory hosts that answer Ansible's ping right now."""
    result = subprocess.run(
        [str(BIN / "ansible"), "all", "-m", "ansible.builtin.ping"],
        cwd=ROOT,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    return {line.split(" | ")[0] for line in result.stdout.splitlines() if "SUCCESS" in line}


@dataclass
class PlaybookRun:
    """A finished ansible-playbook run: its output and the per-host recap."""

    returncode: int
    output: str

    def changed(self) -> dict[str, int]:
        """changed=N for every host in the play recap."""
        recap: dict[str, int] = {}
        for line in self.output.split("PLAY RECAP", 1)[-1].splitlines():
            if "changed=" in line:
                host = line.split(":", 1)[0].strip()
                recap[host] = int(line.split("changed=", 1)[1].split()[0])
        return recap


def playbook(name: str, *arguments: str) -> PlaybookRun:
    """Run a playbook against the lab inventory and keep its whole output."""
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), f"playbooks/{name}", *arguments],
        cwd=ROOT,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"},
    )
    return PlaybookRun(completed.returncode, completed.stdout + completed.stderr)


@pytest.fixture(scope="session")
def lab() -> Iterator[PlaybookRun]:
    """Bring the lab up and converge it; yields the first site.yml run."""
    if os.geteuid() != 0:
        pytest.fail("integration tests need root: the lab creates mounts and namespaces")
    release = os.environ.get("RAMPART_LAB_RELEASE", "mixed")
    started = rampart("lab", "up", "--release", release, "--extra", "0", check=False)
    assert started.returncode == 0, started.stderr
    converge = playbook("site.yml")
    assert converge.returncode == 0, converge.output[-3000:]
    yield converge


@pytest.fixture(scope="session")
def hosts(lab: PlaybookRun) -> dict[str, testinfra.host.Host]:
    """A testinfra host for every host of the default fleet, over SSH via Ansible."""
    return {
        name: testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")
        for name in FLEET
    }
