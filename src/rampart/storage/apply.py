"""`rampart storage apply`: the volume's options and every data set's folder as planned."""

from __future__ import annotations

from dataclasses import dataclass

from rampart.storage import folders, volume
from rampart.storage.config import StorageConfig


@dataclass(frozen=True)
class Outcome:
    """What apply changed (or, checking, would change), and what it could not."""

    changes: tuple[str, ...]
    warnings: tuple[str, ...]


def apply(config: StorageConfig, check: bool) -> Outcome:
    """Put the volume and the folders right, or only say what that would change."""
    changes: list[str] = []
    warnings: list[str] = []
    mount = volume.mount_of(config.volume)
    if mount is None:
        warnings.append(
            f"{config.volume} is not a mount point: the data sets' folders are on the root"
            " filesystem, not on a data volume of their own"
        )
    else:
        missing = volume.missing_options(mount, config.volume_options)
        if missing:
            changes.append(f"remount {config.volume} with {','.join(missing)}")
            if not check:
                volume.remount(config.volume, mount, config.volume_options)
    for folder in config.folders:
        changes += folders.examine(config.volume, folder, fix=not check).changes
    return Outcome(tuple(changes), tuple(warnings))
