"""rampart_long_term_store: where Prometheus also sends its samples, under this site's label."""

from __future__ import annotations

from pathlib import Path

import pytest

from rampart.inventory import LongTermStore, Relabel, RemoteWriteQueue, load_inventory
from rampart.plan import host_plan
from rampart.plan.cli import summary
from tests.unit.inventory.conftest import line_of, problems, write

STORE = """\
---
rampart_long_term_store:
  url: https://thanos-receive.corp.example.com:19291/api/v1/receive
  site: berlin-1
  username: rampart-berlin
  password_file: /etc/prometheus/long-term-store-password
  ca_file: /etc/ssl/certs/corp-ca.pem
  queue:
    max_shards: 10
  write_relabel:
    - action: drop
      source_labels: [__name__]
      regex: go_.*
    - target_label: region
      replacement: eu
"""
FILE = "group_vars/all/long_term_store.yml"


def test_the_store_is_read_with_prometheus_defaults_for_the_queue(inventory: Path) -> None:
    write(inventory, {FILE: STORE})
    assert load_inventory(inventory).long_term_store == LongTermStore(
        url="https://thanos-receive.corp.example.com:19291/api/v1/receive",
        site="berlin-1",
        username="rampart-berlin",
        password_file="/etc/prometheus/long-term-store-password",
        ca_file="/etc/ssl/certs/corp-ca.pem",
        queue=RemoteWriteQueue(10000, 10, 2000, "5s"),
        write_relabel=(
            Relabel("drop", ("__name__",), "go_.*", None, None),
            Relabel("replace", (), None, "region", "eu"),
        ),
    )


def test_a_plain_http_store_needs_only_url_and_site(inventory: Path) -> None:
    write(
        inventory,
        {FILE: "---\nrampart_long_term_store: {url: 'http://mimir:9009/api/v1/push', site: hq}\n"},
    )
    store = load_inventory(inventory).long_term_store
    assert store is not None
    assert (store.username, store.password_file, store.write_relabel) == (None, None, ())
    assert store.queue == RemoteWriteQueue(10000, 50, 2000, "5s")


def test_only_the_monitoring_hosts_plan_carries_the_store(inventory: Path) -> None:
    write(inventory, {FILE: STORE})
    loaded = load_inventory(inventory)
    assert host_plan(loaded, "mon-01").long_term_store == loaded.long_term_store
    assert host_plan(loaded, "oa-01").long_term_store is None
    shown = "remote write to https://thanos-receive.corp.example.com:19291/api/v1/receive"
    assert f"{shown} as site berlin-1" in summary(host_plan(loaded, "mon-01"))


def test_no_store_by_default(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    assert loaded.long_term_store is None
    assert host_plan(loaded, "mon-01").long_term_store is None


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "url: https://thanos-receive.corp.example.com:19291",
            "url: ftp://thanos-receive.corp.example.com",
            "url",
            "'ftp://thanos-receive.corp.example.com/api/v1/receive' is not an https:// or"
            " http:// URL",
        ),
        (
            "url: https://thanos-receive.corp.example.com:19291",
            "url: https://",
            "url",
            "names no host",
        ),
        (
            "url: https://thanos",
            "url: https://rampart:s3cret@thanos",
            "url",
            "must not hold credentials; give username and password_file instead",
        ),
        (
            "url: https://thanos-receive.corp.example.com:19291",
            "url: https://x:99999",
            "url",
            "is not a URL",
        ),
        ("site: berlin-1", "site: Berlin Mitte", "site", "'Berlin Mitte' is not a site name"),
        (
            "  password_file: /etc/prometheus/long-term-store-password\n",
            "",
            "password_file",
            "required with username: a file on the monitoring host holding the password",
        ),
        (
            "password_file: /etc/prometheus/long-term-store-password",
            "password_file: long-term-store-password",
            "password_file",
            "is not an absolute path",
        ),
        ("max_shards: 10", "max_shards: 0", "queue.max_shards", "must be at least 1, not 0"),
        (
            "max_shards: 10",
            "batch_send_deadline: soon",
            "queue.batch_send_deadline",
            "'soon' is not a Prometheus duration",
        ),
        ("action: drop", "action: delete", "write_relabel[0].action", "'delete' is not one of"),
        (
            "regex: go_.*",
            "regex: go_(",
            "write_relabel[0].regex",
            "'go_(' is not a regular expression",
        ),
        ("      regex: go_.*\n", "", "write_relabel[0].regex", "required for action drop"),
        (
            "target_label: region",
            "target_label: 1region",
            "write_relabel[1].target_label",
            "is not a Prometheus label name",
        ),
        (
            "source_labels: [__name__]",
            "source_labels: [__name__]\n      target_label: x",
            "write_relabel[0].target_label",
            "does not apply to action drop",
        ),
        (
            "    max_shards: 10\n",
            "    max_shards: 10\n  password: s3cret\n",
            "password",
            "unknown key",
        ),
    ],
)
def test_a_wrong_setting_is_one_line_naming_file_line_and_key(
    inventory: Path, old: str, new: str, key: str, message: str
) -> None:
    assert old in STORE
    text = STORE.replace(old, new, 1)
    write(inventory, {FILE: text})
    [found] = problems(inventory)
    path = inventory / FILE
    assert found.startswith(f"{path}:")
    assert f": rampart_long_term_store.{key}: " in found
    assert message in found
    assert "\n" not in found
    if new:
        assert found.startswith(f"{path}:{line_of(text, new.strip().splitlines()[-1])}:")


def test_username_needs_a_password_file_and_a_ca_file_needs_https(inventory: Path) -> None:
    text = STORE.replace("  username: rampart-berlin\n", "").replace(
        "url: https://", "url: http://"
    )
    write(inventory, {FILE: text})
    found = problems(inventory)
    assert any("rampart_long_term_store.username: required with password_file" in p for p in found)
    assert any("rampart_long_term_store.ca_file: applies to https:// URLs only" in p for p in found)


def test_the_store_belongs_in_group_all(inventory: Path) -> None:
    write(inventory, {"group_vars/monitoring/store.yml": STORE})
    [found] = problems(inventory)
    assert "rampart_long_term_store: belongs in group_vars/all/" in found
