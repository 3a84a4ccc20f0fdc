"""The YAML loader keeps the line of every key and item, so messages can point at it."""

from __future__ import annotations

import pytest
import yaml

from rampart.schema.yaml_lines import LineList, LineMap, VaultText, is_vault_file, load

TEXT = """\
---
base: &base
  port: 80
  protocol: tcp
service:
  <<: *base
  port: 8080
  clients:
    - office
    - monitoring
secret: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  6162
"""


def test_keys_and_items_know_their_lines() -> None:
    data = load(TEXT)
    assert isinstance(data, LineMap)
    assert data.key_lines == {"base": 2, "service": 5, "secret": 11}
    assert data["service"].key_lines["port"] == 7
    clients = data["service"]["clients"]
    assert isinstance(clients, LineList)
    assert clients == ["office", "monitoring"]
    assert clients.item_lines == [9, 10]


def test_merge_keys_merge_and_an_override_is_no_repeat() -> None:
    service = load(TEXT)["service"]
    assert service == {"port": 8080, "protocol": "tcp", "clients": ["office", "monitoring"]}
    assert service.repeated_keys == []


def test_a_key_written_twice_is_remembered_with_both_lines() -> None:
    data = load("---\nowner: IT\ndescription: x\nowner: HR\n")
    assert data["owner"] == "HR"
    assert data.repeated_keys == [("owner", 4, 2)]


def test_inline_vault_values_load_as_opaque_text() -> None:
    secret = load(TEXT)["secret"]
    assert isinstance(secret, VaultText)
    assert secret.startswith("$ANSIBLE_VAULT;")


def test_broken_yaml_raises_with_the_line() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        load("---\na: 1\n b: 2\n")
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line + 1 == 3


def test_vault_files_are_recognised_by_their_header() -> None:
    assert is_vault_file("$ANSIBLE_VAULT;1.1;AES256\n3132\n")
    assert not is_vault_file("---\nvault_password: x\n")
