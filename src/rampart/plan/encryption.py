"""Encryption at rest in the plan (REG-4.2.2): which folders of a host are put under fscrypt
(a data set's folders on the volume; for a PostgreSQL data set, the folder of its database's
tablespace there), the tang server their keys are bound to, and what the class asks to
encrypt that Rampart cannot encrypt here (said, in the metrics and the docs, never passed
over)."""

from __future__ import annotations

from rampart.inventory import Encryption, Inventory
from rampart.plan.addresses import address
from rampart.plan.data_sets import held_by
from rampart.plan.model import (
    DataSetPlan,
    EncryptedFolder,
    EncryptionPlan,
    PlanError,
    PortRule,
    TangServer,
)
from rampart.plan.storage import on_volume

METHOD = "fscrypt"
TANG_PORT_NAME = "tang"
TABLESPACES = "postgresql"
"""The folder on the data volume holding each encrypted database's tablespace folder."""


def tang_host(inventory: Inventory, encryption: Encryption) -> str:
    """The tang server: the host named, or the first host (by name) of the group named."""
    return sorted(inventory.resolve(encryption.tang))[0]


def encryption_plan(inventory: Inventory, held: tuple[DataSetPlan, ...]) -> EncryptionPlan | None:
    """What a host holding `held` encrypts; None without rampart_encryption or without a
    data set whose class asks for encryption at rest."""
    encryption = inventory.encryption
    wanted = [data_set for data_set in held if data_set.policy.encrypt_at_rest]
    if encryption is None or not wanted:
        return None
    storage = inventory.storage
    if storage is None:
        raise PlanError(
            "rampart_encryption: needs rampart_storage, the data volume the encrypted"
            " folders are on"
        )
    folders = []
    unencrypted = []
    for data_set in wanted:
        for path in data_set.paths:
            if on_volume(storage.volume, path):
                folders.append(EncryptedFolder(data_set.name, path, METHOD))
            else:
                unencrypted.append(f"{data_set.name}:{path}")
        database = data_set.database
        if database is not None and database.engine == "postgresql":
            path = f"{storage.volume.rstrip('/')}/{TABLESPACES}/{data_set.name}"
            folders.append(EncryptedFolder(data_set.name, path, METHOD, database.name))
        elif database is not None:
            unencrypted.append(f"{data_set.name}:{database.engine} database {database.name}")
    server = tang_host(inventory, encryption)
    tang = address(inventory, server)
    return EncryptionPlan(
        volume=storage.volume,
        tang_host=server,
        tang_url=f"http://{tang}:{encryption.tang_port}",
        folders=tuple(folders),
        unencrypted=tuple(unencrypted),
    )


def tang_server(inventory: Inventory, host: str) -> TangServer | None:
    """The tang server on `host`, for the hosts that encrypt; None on other hosts."""
    encryption = inventory.encryption
    if encryption is None or tang_host(inventory, encryption) != host:
        return None
    clients = []
    for name in inventory.hosts:
        plan = encryption_plan(inventory, held_by(inventory, name))
        if plan is not None and plan.folders:
            clients.append(name)
    addresses = tuple(sorted({address(inventory, client) for client in clients}))
    return TangServer(encryption.tang_port, addresses)


def tang_rule(server: TangServer | None) -> tuple[PortRule, ...]:
    """tang's port, open to the hosts whose keys are bound to it only."""
    if server is None or not server.clients:
        return ()
    return (PortRule(TANG_PORT_NAME, server.port, "tcp", False, server.clients),)
