"""Storage in the plan: folders by class, readers by post, and what is left alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rampart.inventory import Inventory, load_inventory
from rampart.plan import host_plan
from rampart.plan.model import PlanError, StoragePlan
from tests.unit.plan.conftest import EXAMPLE

HR = "hr-db-01.corp.example.com"


@pytest.fixture
def example() -> Inventory:
    return load_inventory(EXAMPLE)


def moved(
    inventory: Inventory, username: str, post: str | None, status: str = "active"
) -> Inventory:
    people = tuple(
        replace(person, post=post, status=status) if person.username == username else person
        for person in inventory.people
    )
    return replace(inventory, people=people)


def storage_of(inventory: Inventory, host: str = HR) -> StoragePlan:
    storage = host_plan(inventory, host).storage
    assert storage is not None
    return storage


def reader_of_hr_documents(inventory: Inventory) -> str:
    (folder,) = [f for f in storage_of(inventory).folders if f.data_set == "hr-documents"]
    assert folder.mode == "2750" and folder.group == "data-hr-documents"
    (reader,) = folder.readers
    return reader


def test_the_hr_officer_reads_hr_documents_and_loses_it_on_moving_or_leaving(
    example: Inventory,
) -> None:
    officer = reader_of_hr_documents(example)
    account = next(a for a in host_plan(example, HR).accounts if a.username == officer)
    assert account.data_groups == ("data-hr-documents",)

    # Moved to a post that logs in on the HR host but reads nothing there (auditor: all hosts).
    audited = host_plan(moved(example, officer, "auditor"), HR)
    assert not [
        f.readers for f in storage_of(moved(example, officer, "auditor")).folders if f.readers
    ]
    assert next(a for a in audited.accounts if a.username == officer).data_groups == ()

    left = host_plan(moved(example, officer, "hr-officer", status="left"), HR)
    assert officer in [a.username for a in left.revoked]
    assert all(
        officer not in f.readers
        for f in storage_of(moved(example, officer, "hr-officer", status="left")).folders
    )


def test_folders_off_the_volume_are_measured_not_managed(example: Inventory) -> None:
    mail = host_plan(example, "mail-01.corp.example.com").storage
    assert mail is not None
    assert mail.folders == () and mail.elsewhere == ("mail-spool:/var/mail",)


def test_without_rampart_storage_nothing_is_managed(example: Inventory) -> None:
    # Encryption at rest needs the data volume: without one, neither.
    plan = host_plan(replace(example, storage=None, encryption=None), HR)
    assert plan.storage is None
    assert all(account.data_groups == () for account in plan.accounts)


def test_a_data_set_id_too_long_for_a_group_name_is_refused(example: Inventory) -> None:
    long_id = "hr-documents-of-the-personnel-department"
    data_sets = {
        (long_id if name == "hr-documents" else name): data_set
        for name, data_set in example.data_sets.items()
    }
    services = {
        key: replace(s, data_sets=tuple(long_id if d == "hr-documents" else d for d in s.data_sets))
        for key, s in example.services.items()
    }
    inventory = replace(example, data_sets=data_sets, services=services)
    with pytest.raises(PlanError, match=f"rampart_data_sets.{long_id}: its readers' group"):
        host_plan(inventory, HR)
