"""The inventory: hosts, the service catalog, data classification and the people directory.

`load_inventory` reads an inventory directory, checks it against the schema (see
docs/inventory.md) and returns typed records; every other part of Rampart reads those.
"""

from rampart.inventory.load import InventoryInvalid, load_inventory
from rampart.inventory.model import (
    AccessGrant,
    Check,
    Database,
    DataClassPolicy,
    DataSet,
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
)

__all__ = [
    "AccessGrant",
    "Check",
    "DataClassPolicy",
    "DataSet",
    "Database",
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
    "load_inventory",
]
