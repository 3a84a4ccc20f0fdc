"""Any mutation of a valid input is either still valid or refused in one clean line.

Property-based (hypothesis) over the loaders a user feeds: the inventory, runbooks, the
backup runner's settings, the availability exporter's configuration and the web config.
A mutation drops, renames or replaces keys, changes types, puts in NaN, infinity, huge
numbers, binary bytes or deep nesting, and may cut the file short. The loader must give a
result or a `RampartError` whose message is one non-empty line: never another exception,
never a hang. Derandomized with a fixed number of examples, so CI runs the same cases.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import bcrypt
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rampart.backup.config import load_config as load_backup_config
from rampart.errors import RampartError
from rampart.exporters.availability.config import load_config as load_exporter_config
from rampart.exporters.web import load_web_config
from rampart.inventory import load_inventory
from rampart.runbook.load import load_runbook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventory" / "example"
TIME_LIMIT_SECONDS = 5


def properties(examples: int) -> settings:
    """Settings for one property: its number of examples, derandomized, no deadline."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,  # the time limit below catches a hang; a slow first example is fine
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def deeply_nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


ODD_VALUES = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            10**30,
            -1,
            0,
            1e308,
            "",
            " ",
            None,
            True,
            [],
            {},
            "\x00\x01\x02",
            "\u00ff\ufffd",
            "{{ undefined_variable }}",
            "{% for %}",
            "../../etc/passwd",
            "a" * 5000,
            {"nested": {"map": [1, 2]}},
            deeply_nested(60),
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)


def mutate(draw: st.DrawFn, node: Any, depth: int = 0) -> Any:
    """`node` with one change somewhere inside it."""
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node, key=str)))
        action = draw(st.sampled_from(["descend", "descend", "descend", "drop", "rename"]))
        if action == "drop":
            del node[key]
        elif action == "rename":
            node[f"{key}_x"] = node.pop(key)
        elif depth < 20 and draw(st.booleans()):
            node[key] = mutate(draw, node[key], depth + 1)
        else:
            node[key] = draw(ODD_VALUES)
        return node
    if isinstance(node, list) and node:
        index = draw(st.integers(0, len(node) - 1))
        action = draw(st.sampled_from(["descend", "descend", "drop", "replace"]))
        if action == "drop":
            del node[index]
        elif action == "descend" and depth < 20:
            node[index] = mutate(draw, node[index], depth + 1)
        else:
            node[index] = draw(ODD_VALUES)
        return node
    return draw(st.one_of(ODD_VALUES, st.just([node]), st.just(str(node))))


@st.composite
def mutated_bytes(draw: st.DrawFn, document: Any, dump: Callable[[Any], str]) -> bytes:
    """A document with one to three changes, written out, maybe cut short or with bytes in."""
    changed = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        changed = mutate(draw, changed)
    raw = dump(changed).encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "bytes"]))
    if damage == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    return raw


def dump_yaml(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)


def dump_json(document: Any) -> str:
    return json.dumps(document)


@contextmanager
def time_limit() -> Iterator[None]:
    """Fail the example (instead of hanging the suite) when a loader takes too long."""

    def expire(_signal: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"the loader took more than {TIME_LIMIT_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def valid_or_one_line(load: Callable[[], object]) -> None:
    """The property: a result, or a RampartError of one non-empty line."""
    with time_limit():
        try:
            load()
        except RampartError as error:
            message = str(error)
            assert message.strip(), f"{type(error).__name__} without a message"
            assert "\n" not in message, f"more than one line: {message!r}"


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A scratch copy of the inputs; each example rewrites one file and puts it back."""
    folder = Path(tempfile.mkdtemp(prefix="rampart-properties-"))
    shutil.copytree(EXAMPLE, folder / "inventory")
    (folder / "runbooks").mkdir()
    yield folder
    shutil.rmtree(folder)


def _plain_yaml_files(inventory: Path) -> list[Path]:
    """The example inventory's files that are plain YAML (vault placeholders are too)."""
    return sorted(
        path
        for path in [inventory / "hosts.yml", *inventory.glob("group_vars/*/*.yml")]
        if isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
    )


INVENTORY_FILES = _plain_yaml_files(EXAMPLE)
RUNBOOKS = sorted((ROOT / "runbooks").glob("*.yml"))


def test_the_unchanged_inputs_are_valid(workspace: Path) -> None:
    """The property means something only if the starting points load."""
    load_inventory(workspace / "inventory")
    for path in RUNBOOKS:
        load_runbook(path)


@properties(60)
@given(data=st.data(), index=st.integers(0, len(INVENTORY_FILES) - 1))
def test_a_mutated_inventory_is_valid_or_one_line(
    workspace: Path, data: st.DataObject, index: int
) -> None:
    original = INVENTORY_FILES[index]
    target = workspace / "inventory" / original.relative_to(EXAMPLE)
    document = yaml.safe_load(original.read_text(encoding="utf-8"))
    target.write_bytes(data.draw(mutated_bytes(document, dump_yaml)))
    try:
        valid_or_one_line(lambda: load_inventory(workspace / "inventory"))
    finally:
        shutil.copyfile(original, target)


@properties(60)
@given(data=st.data(), index=st.integers(0, len(RUNBOOKS) - 1))
def test_a_mutated_runbook_is_valid_or_one_line(
    workspace: Path, data: st.DataObject, index: int
) -> None:
    original = RUNBOOKS[index]
    target = workspace / "runbooks" / original.name
    document = yaml.safe_load(original.read_text(encoding="utf-8"))
    target.write_bytes(data.draw(mutated_bytes(document, dump_yaml)))
    valid_or_one_line(lambda: load_runbook(target))


def backup_settings(folder: Path) -> dict[str, Any]:
    return {
        "host": "hr-01",
        "repository": "sftp:rampart-backup:/repo",
        "password_file": "/etc/rampart/backup/repository.password",
        "restic_options": ["-o", "sftp.command=ssh backup"],
        "state_dir": str(folder / "state"),
        "scratch_dir": str(folder / "scratch"),
        "textfile_dir": str(folder / "textfiles"),
        "journal": str(folder / "drill.jsonl"),
        "retention": {"sensitive": {"daily": 7, "weekly": 4}, "public": {"daily": 3}},
        "drill_window_days": 7,
        "data_sets": [
            {
                "name": "hr-db",
                "class": "sensitive",
                "paths": [],
                "database": {"name": "hr", "checks": ["select 1"]},
            },
            {"name": "portal", "class": "public", "paths": ["/srv/portal/www"]},
        ],
    }


@properties(150)
@given(data=st.data())
def test_mutated_backup_settings_are_valid_or_one_line(
    workspace: Path, data: st.DataObject
) -> None:
    target = workspace / "backup.json"
    target.write_bytes(data.draw(mutated_bytes(backup_settings(workspace), dump_json)))
    valid_or_one_line(lambda: load_backup_config(target))


def exporter_configuration(folder: Path) -> dict[str, Any]:
    secret = folder / "probe.password"
    secret.write_text("x\n")
    check = {"host": "hr-01", "address": "127.0.0.1", "interval_seconds": 15}
    return {
        "listen": "127.0.0.1:9470",
        "services": [
            {
                "id": "hr",
                "objective_ratio": 0.995,
                "response_time_seconds": 0.5,
                "maintenance": [
                    {
                        "start": "2026-03-01T02:00:00+01:00",
                        "end": "2026-03-01T04:00:00+01:00",
                        "reason": "upgrade",
                    }
                ],
                "checks": [
                    {**check, "name": "web", "type": "http", "port": 80, "timeout_seconds": 5},
                    {
                        **check,
                        "name": "db",
                        "type": "postgresql",
                        "port": 5432,
                        "timeout_seconds": 5,
                        "database": "hr",
                        "query": "select 1",
                        "user": "rampart_probe",
                        "password_file": str(secret),
                    },
                ],
            }
        ],
    }


@properties(150)
@given(data=st.data())
def test_a_mutated_exporter_configuration_is_valid_or_one_line(
    workspace: Path, data: st.DataObject
) -> None:
    target = workspace / "availability.json"
    target.write_bytes(data.draw(mutated_bytes(exporter_configuration(workspace), dump_json)))
    valid_or_one_line(lambda: load_exporter_config(target))


WEB_CONFIG = {
    "tls_server_config": {"min_version": "TLS12"},
    "basic_auth_users": {"prometheus": bcrypt.hashpw(b"secret", bcrypt.gensalt(4)).decode()},
}


@properties(100)
@given(data=st.data())
def test_a_mutated_web_config_is_valid_or_one_line(workspace: Path, data: st.DataObject) -> None:
    target = workspace / "web.yml"
    target.write_bytes(data.draw(mutated_bytes(WEB_CONFIG, dump_yaml)))
    valid_or_one_line(lambda: load_web_config(target))
