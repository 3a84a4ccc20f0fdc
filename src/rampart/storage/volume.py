"""The data volume: is it a mount point of its own, with the options the inventory asks
(nodev, nosuid, noexec), and how full it is (REG-4.1.1)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rampart import commands

MOUNTINFO = Path("/proc/self/mountinfo")


@dataclass(frozen=True)
class Mount:
    """The volume's mount as the kernel has it: its per-mount options and its filesystem."""

    options: tuple[str, ...]
    fstype: str


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")


def mount_of(volume: Path, mountinfo: Path = MOUNTINFO) -> Mount | None:
    """The mount at `volume` (the last one: what is seen there); None if it is not one."""
    found = None
    for line in mountinfo.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        separator = fields.index("-")
        if _unescape(fields[4]) == str(volume):
            found = Mount(tuple(fields[5].split(",")), fields[separator + 1])
    return found


def missing_options(mount: Mount, required: tuple[str, ...]) -> tuple[str, ...]:
    """The required options the mount lacks."""
    return tuple(option for option in required if option not in mount.options)


def remount(volume: Path, mount: Mount, required: tuple[str, ...]) -> None:
    """Add the missing options; a bind remount changes only the per-mount flags, which works
    on a device's mount and on a bind mount alike (the lab's)."""
    options = [*mount.options, *missing_options(mount, required)]
    commands.run(["mount", "-o", ",".join(["remount", "bind", *options]), str(volume)])


@dataclass(frozen=True)
class Space:
    """The volume's size and what is left for ordinary writers, in bytes."""

    size: int
    free: int


def space(volume: Path) -> Space:
    """Size and free space of the filesystem holding `volume`."""
    info = os.statvfs(volume)
    return Space(info.f_blocks * info.f_frsize, info.f_bavail * info.f_frsize)
