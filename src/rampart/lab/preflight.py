"""Checks before the lab changes anything: root, tools, kernel features and disk space.

Each failure is one line that says what is wrong and how to fix it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from rampart import commands
from rampart.errors import LabError
from rampart.lab.config import LabPaths

# Each tool the lab runs, and the Debian package that provides it.
TOOLS = {
    "debootstrap": "debootstrap",
    "systemd-nspawn": "systemd-container",
    "ip": "iproute2",
    "nft": "nftables",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "apt-cacher-ng": "apt-cacher-ng",
    "mount": "mount",
    "losetup": "mount",
    "mkfs.ext4": "e2fsprogs",
}
MINIMUM_FREE_BYTES = 2 * 1024**3


def require_root() -> None:
    """The lab creates mounts, namespaces and cgroups: only root can."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (it creates mounts, network namespaces and cgroups)")


def missing_tools() -> dict[str, str]:
    """Tools not found on this machine, with the package that provides each."""
    return {tool: package for tool, package in TOOLS.items() if commands.which(tool) is None}


def require_tools() -> None:
    """Fail naming every missing tool and the packages to install."""
    missing = missing_tools()
    if missing:
        tools = ", ".join(missing)
        packages = " ".join(sorted(set(missing.values())))
        raise LabError(f"missing {tools}; install with: apt-get install {packages}")


def require_kernel() -> None:
    """overlayfs and network namespaces must be available."""
    filesystems = Path("/proc/filesystems").read_text(encoding="utf-8")
    if "overlay" not in filesystems.split():
        raise LabError("the kernel has no overlay file system (modprobe overlay)")
    if not Path("/proc/self/ns/net").exists():
        raise LabError("the kernel has no network namespaces")


def require_disk(paths: LabPaths, needed: int = MINIMUM_FREE_BYTES) -> None:
    """Enough room for the base image, the apt cache and the hosts' overlays."""
    for folder in (paths.cache, paths.state):
        existing = folder
        while not existing.exists():
            existing = existing.parent
        free = shutil.disk_usage(existing).free
        if free < needed:
            raise LabError(
                f"not enough disk: {free / 1024**3:.1f} GiB free under {existing}, "
                f"the lab needs {needed / 1024**3:.0f} GiB"
            )


INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
MINIMUM_INOTIFY_INSTANCES = 1024


def ensure_inotify_instances(limit: Path = INOTIFY_INSTANCES) -> None:
    """Raise the inotify instance limit: each host's systemd uses many, and at the default
    of 128 a fleet of 25 hosts fails to boot with "Too many open files"."""
    current = int(limit.read_text(encoding="ascii"))
    if current < MINIMUM_INOTIFY_INSTANCES:
        limit.write_text(str(MINIMUM_INOTIFY_INSTANCES), encoding="ascii")
        print(
            f"lab: raised {limit} from {current} to {MINIMUM_INOTIFY_INSTANCES}",
            file=sys.stderr,
            flush=True,
        )


def check_all(paths: LabPaths) -> None:
    """Run every check that needs no network change, in the order a user fixes them."""
    require_root()
    require_tools()
    require_kernel()
    require_disk(paths)
