"""The inventory: hosts, the service catalog, data classification and the people directory.

`load_inventory` reads an inventory directory, checks it against the schema (see
docs/inventory.md) and returns typed records; every other part of Rampart reads those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rampart.lazy import lazy_exports

if TYPE_CHECKING:
    from rampart.inventory.load import InventoryInvalid, load_inventory
    from rampart.inventory.model import (
        AccessGrant,
        Antivirus,
        Check,
        Database,
        DataClassPolicy,
        DataSet,
        Encryption,
        Group,
        Host,
        Inventory,
        LongTermStore,
        MaintenanceWindow,
        Objective,
        Person,
        PlatformPort,
        Port,
        Post,
        Relabel,
        RemoteWriteQueue,
        Retention,
        Service,
        Storage,
    )

# Imported on first use, so `rampart --help` and the commands that never read an
# inventory do not pay for the whole package (PEP 562).
_WHERE = {
    "AccessGrant": "rampart.inventory.model",
    "Check": "rampart.inventory.model",
    "DataClassPolicy": "rampart.inventory.model",
    "DataSet": "rampart.inventory.model",
    "Database": "rampart.inventory.model",
    "Encryption": "rampart.inventory.model",
    "Group": "rampart.inventory.model",
    "Host": "rampart.inventory.model",
    "Antivirus": "rampart.inventory.model",
    "Inventory": "rampart.inventory.model",
    "InventoryInvalid": "rampart.inventory.load",
    "LongTermStore": "rampart.inventory.model",
    "MaintenanceWindow": "rampart.inventory.model",
    "Objective": "rampart.inventory.model",
    "Person": "rampart.inventory.model",
    "PlatformPort": "rampart.inventory.model",
    "Port": "rampart.inventory.model",
    "Post": "rampart.inventory.model",
    "Relabel": "rampart.inventory.model",
    "RemoteWriteQueue": "rampart.inventory.model",
    "Retention": "rampart.inventory.model",
    "Service": "rampart.inventory.model",
    "Storage": "rampart.inventory.model",
    "load_inventory": "rampart.inventory.load",
}

__all__ = [
    "AccessGrant",
    "Antivirus",
    "Check",
    "DataClassPolicy",
    "DataSet",
    "Database",
    "Encryption",
    "Group",
    "Host",
    "Inventory",
    "InventoryInvalid",
    "LongTermStore",
    "MaintenanceWindow",
    "Objective",
    "Person",
    "PlatformPort",
    "Port",
    "Post",
    "Relabel",
    "RemoteWriteQueue",
    "Retention",
    "Service",
    "Storage",
    "load_inventory",
]


__getattr__ = lazy_exports(__name__, _WHERE, globals())
