"""The access review's comparison: real accounts against the people directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from rampart.access.report import metrics_text, table
from rampart.access.review import (
    EXTRA_KEY,
    LEAVER_ACTIVE,
    MISSING_ACCOUNT,
    SUDO_BEYOND_POST,
    UNKNOWN_ACCOUNT,
    compare_host,
    key_identity,
)
from rampart.inventory import load_inventory
from rampart.plan import host_plan
from tests.unit.inventory.conftest import inventory, public_key

__all__ = ["inventory"]  # the fixture, reused from the inventory tests


def account(username: str, **values: Any) -> dict[str, Any]:
    """An account as host_accounts.py reports it."""
    return {
        "username": username,
        "uid": 1001,
        "shell": "/bin/bash",
        "password_locked": True,
        "expired": False,
        "groups": [],
        "keys": [],
        "sudo": False,
        **values,
    }


def test_the_post_decides_login_and_sudo(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    assert [(a.username, a.sudo) for a in host_plan(loaded, "fin-01").accounts] == [("alice", True)]
    assert "bob" in [account.username for account in host_plan(loaded, "hr-01").revoked], "bob left"


def test_a_converged_host_has_no_drift(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    accounts = [
        account("root", uid=0, keys=["ssh-ed25519 AAAA admin"]),
        account("alice", keys=[public_key("alice")], sudo=True),
        account("bob", expired=True),
    ]
    assert compare_host(loaded, "hr-01", accounts) == []


def test_every_kind_of_drift_is_found(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    accounts = [
        account("mallory", keys=[public_key("mallory")]),
        account("bob", keys=[public_key("bob"), public_key("mallory")], sudo=True),
    ]
    found = {(f.account, f.finding) for f in compare_host(loaded, "hr-01", accounts)}
    assert found == {
        ("mallory", UNKNOWN_ACCOUNT),
        ("bob", LEAVER_ACTIVE),
        ("bob", SUDO_BEYOND_POST),
        ("bob", EXTRA_KEY),
        ("alice", MISSING_ACCOUNT),
    }


def test_keys_compare_without_options_and_comment() -> None:
    line = public_key("alice")
    assert key_identity(f'from="10.0.0.1" {line}') == key_identity(line.rsplit(" ", 1)[0])


def test_table_and_metrics_read_as_documented(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    findings = compare_host(loaded, "hr-01", [account("mallory")])
    text = table(findings, 5)
    assert text.splitlines()[0].split() == ["HOST", "ACCOUNT", "FINDING", "DETAIL"]
    assert text.endswith("finding(s) on 5 host(s)\n")
    assert table([], 5) == "access review: no drift on 5 host(s)\n"
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(metrics_text(2, 1.7e9))
        for sample in family.samples
    }
    assert samples == {
        "rampart_access_drift_findings": 2,
        "rampart_access_review_timestamp_seconds": 1700000000,
    }


def test_a_leavers_own_key_is_the_login_it_gives_not_a_key_from_outside(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    accounts = [account("bob", expired=True, keys=[public_key("bob")])]
    findings = [f for f in compare_host(loaded, "hr-01", accounts) if f.account == "bob"]
    assert [(f.finding, f.detail.split(":")[0]) for f in findings] == [
        (LEAVER_ACTIVE, "own key still authorized")
    ]
