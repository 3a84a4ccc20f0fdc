"""The host's storage as metrics, every few minutes: the volume (its own mount, its options,
size and free space) and each data set's folder (size, files, what is wrong with it), so the
rules can alert on a folder too open and on a volume full within the plan's warning."""

from __future__ import annotations

import time

from rampart.storage import folders, volume
from rampart.storage.config import StorageConfig
from rampart.textfile import Family, render, write_atomically

STATUS_TEXTFILE = "rampart_storage.prom"


def status_families(config: StorageConfig) -> list[Family]:
    """The host's storage metrics, as they are now (nothing is changed)."""
    where = {"volume": str(config.volume)}
    mounted = Family(
        "rampart_storage_volume_mounted",
        "1 when the data volume is a mount point of its own (not the root filesystem).",
    )
    option = Family(
        "rampart_storage_volume_option",
        "1 when the data volume has the required mount option, 0 when it lacks it.",
    )
    size = Family("rampart_storage_volume_size_bytes", "Size of the data volume's filesystem.")
    free = Family(
        "rampart_storage_volume_free_bytes", "Free space on the data volume for ordinary writers."
    )
    mount = volume.mount_of(config.volume)
    mounted.add(0 if mount is None else 1, **where)
    for name in config.volume_options:
        option.add(1 if mount is not None and name in mount.options else 0, option=name, **where)
    if config.volume.is_dir():
        space = volume.space(config.volume)
        size.add(space.size, **where)
        free.add(space.free, **where)
    warning = Family(
        "rampart_storage_full_warning_seconds",
        "The plan's warning: alert when the volume's trend fills it within this.",
    ).add(config.full_warning_seconds, **where)
    used = Family("rampart_storage_data_set_bytes", "Disk space the data set's files use.")
    files = Family("rampart_storage_data_set_files", "Files in the data set's folder.")
    on_volume = Family(
        "rampart_storage_data_set_on_volume",
        "1 for a data set folder on the data volume (managed), 0 for one elsewhere.",
    )
    problems = Family(
        "rampart_storage_data_set_problems",
        "Entries of the data set's folder wrong in this way (0: none); see docs/storage.md.",
    )
    for folder in config.folders:
        labels = {"data_set": folder.data_set, "path": str(folder.path)}
        finding = folders.examine(config.volume, folder, fix=False)
        used.add(finding.bytes, **labels)
        files.add(finding.files, **labels)
        on_volume.add(1, **labels)
        for problem, count in finding.problems.items():
            problems.add(count, problem=problem, **labels)
    for elsewhere in config.elsewhere:
        on_volume.add(0, data_set=elsewhere.data_set, path=str(elsewhere.path))
    checked = Family(
        "rampart_storage_last_check_timestamp_seconds", "When these storage metrics were taken."
    ).add(time.time())
    return [mounted, option, size, free, warning, used, files, on_volume, problems, checked]


def write_status(config: StorageConfig) -> None:
    """Write the host's storage metrics for node_exporter."""
    write_atomically(config.textfile_dir / STATUS_TEXTFILE, render(status_families(config)))
