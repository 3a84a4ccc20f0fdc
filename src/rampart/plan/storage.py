"""Storage in the plan: the data volume, each data set's folder on it with owner, group and
mode from its class, and the readers of each data set from the posts (REG-4.1.1)."""

from __future__ import annotations

from pathlib import PurePosixPath

from rampart import prometheus_duration
from rampart.inventory import Inventory, Person
from rampart.plan.model import Account, DataSetPlan, PlanError, StorageFolder, StoragePlan

MODES = {"public": "2755", "internal": "2750", "sensitive": "2750"}
"""A folder's mode by class: root writes, the data set's group reads; everyone reads public
data. setgid keeps the group on what is made inside."""
GROUP_PREFIX = "data-"
LONGEST_GROUP_NAME = 32
"""What groupadd accepts on Debian."""


def group_of(data_set: str) -> str:
    """The group of a data set's readers."""
    return f"{GROUP_PREFIX}{data_set}"


def on_volume(volume: str, path: str) -> bool:
    """Whether `path` is below the data volume's mount point."""
    return PurePosixPath(volume) in PurePosixPath(path).parents


def reads(inventory: Inventory, person: Person) -> tuple[str, ...]:
    """The data sets the person's post reads; none for leavers."""
    post = inventory.posts.get(person.post) if person.post is not None else None
    return post.reads if person.active and post is not None else ()


def data_groups(
    inventory: Inventory, held: tuple[DataSetPlan, ...], person: Person
) -> tuple[str, ...]:
    """The groups on a host holding `held` that the person joins, sorted."""
    storage = inventory.storage
    if storage is None:
        return ()
    wanted = set(reads(inventory, person))
    return tuple(
        sorted(
            group_of(data_set.name)
            for data_set in held
            if data_set.name in wanted
            and any(on_volume(storage.volume, path) for path in data_set.paths)
        )
    )


def storage_plan(
    inventory: Inventory, held: tuple[DataSetPlan, ...], logins: tuple[Account, ...]
) -> StoragePlan | None:
    """The host's volume and folders; None without rampart_storage. A folder's readers are
    the accounts that log in here with its group among their `data_groups`."""
    storage = inventory.storage
    if storage is None:
        return None
    seconds = prometheus_duration.seconds(storage.full_warning)
    if seconds is None:
        raise PlanError(
            f"rampart_storage.full_warning: '{storage.full_warning}' is not a duration above 0"
        )
    folders = []
    elsewhere = []
    for data_set in held:
        for path in data_set.paths:
            if not on_volume(storage.volume, path):
                elsewhere.append(f"{data_set.name}:{path}")
                continue
            group = group_of(data_set.name)
            if len(group) > LONGEST_GROUP_NAME:
                raise PlanError(
                    f"rampart_data_sets.{data_set.name}: its readers' group {group} is longer"
                    f" than {LONGEST_GROUP_NAME} characters; shorten the data set id"
                )
            folders.append(
                StorageFolder(
                    data_set.name,
                    data_set.data_class,
                    path,
                    group,
                    MODES[data_set.data_class],
                    tuple(account.username for account in logins if group in account.data_groups),
                )
            )
    return StoragePlan(
        storage.volume, storage.volume_options, seconds, tuple(folders), tuple(elsewhere)
    )
