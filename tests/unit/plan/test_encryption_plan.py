"""Encryption at rest in the plan: the sensitive data sets' folders on the volume, what the
class asks to encrypt that Rampart cannot (said, not passed over), and tang open to the
encrypting hosts only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rampart.inventory import Inventory, load_inventory
from rampart.plan import host_plan
from rampart.plan.model import EncryptedFolder, PlanError
from tests.unit.plan.conftest import EXAMPLE

HR = "hr-db-01.corp.example.com"


@pytest.fixture
def example() -> Inventory:
    return load_inventory(EXAMPLE)


def test_sensitive_folders_and_databases_are_encrypted_on_the_volume(
    example: Inventory,
) -> None:
    plan = host_plan(example, HR).encryption
    assert plan is not None
    assert EncryptedFolder("hr-documents", "/srv/hr/documents", "fscrypt") in plan.folders
    tablespace = EncryptedFolder("hr-database", "/srv/postgresql/hr-database", "fscrypt", "hr")
    assert tablespace in plan.folders
    assert all(
        example.data_sets[folder.data_set].data_class == "sensitive" for folder in plan.folders
    )
    assert plan.unencrypted == ()
    tang = host_plan(example, plan.tang_host)
    assert plan.tang_url == f"http://{tang.address}:7500"
    assert "monitoring" in tang.groups


def test_tang_is_open_to_the_encrypting_hosts_only(example: Inventory) -> None:
    plan = host_plan(example, HR).encryption
    assert plan is not None
    tang = host_plan(example, plan.tang_host)
    assert tang.tang_server is not None
    (rule,) = [rule for rule in tang.port_rules if rule.name == "tang"]
    assert (rule.port, rule.any) == (7500, False)
    encrypting = {
        host_plan(example, name).address
        for name in example.hosts
        if (found := host_plan(example, name).encryption) is not None and found.folders
    }
    assert set(rule.sources) == encrypting == set(tang.tang_server.clients)
    assert host_plan(example, HR).address in encrypting
    assert all(
        host_plan(example, name).tang_server is None
        for name in example.hosts
        if name != plan.tang_host
    )


def test_what_rampart_cannot_encrypt_is_said_not_passed_over(example: Inventory) -> None:
    data_sets = dict(example.data_sets)
    documents = data_sets["hr-documents"]
    data_sets["hr-documents"] = replace(documents, paths=("/var/lib/hr/documents",))
    plan = host_plan(replace(example, data_sets=data_sets), HR).encryption
    assert plan is not None
    assert plan.unencrypted == ("hr-documents:/var/lib/hr/documents",)


def test_hosts_without_sensitive_data_encrypt_nothing(example: Inventory) -> None:
    for name in example.hosts:
        held = host_plan(example, name).data_sets
        if not any(data_set.policy.encrypt_at_rest for data_set in held):
            assert host_plan(example, name).encryption is None, name


def test_encryption_without_a_data_volume_is_refused(example: Inventory) -> None:
    with pytest.raises(PlanError, match="rampart_encryption: needs rampart_storage"):
        host_plan(replace(example, storage=None), HR)


def test_without_rampart_encryption_nothing_is_encrypted(example: Inventory) -> None:
    assert host_plan(replace(example, encryption=None), HR).encryption is None
