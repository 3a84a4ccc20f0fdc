"""A lab host's data volume: an ext4 image with the `encrypt` feature (what fscrypt needs,
overlay lacks), attached as a loop device on this machine and bound to the host's /srv.

Real servers keep their data on a volume of its own; the lab's hosts do too. The image is
sparse: 2 GiB seen by the host, a few MB used on this machine until data is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from rampart import commands
from rampart.errors import EncryptionError
from rampart.lab.config import LabHost, LabPaths

SIZE_BYTES = 2 * 1024**3
MOUNT_OPTIONS = "loop,nodev,nosuid"
"""As the host finds its volume; roles/storage adds `noexec` where the inventory says so."""
HOST_PATH = "/srv"
"""Where the volume is inside the host: the inventory's data sets live below it."""


def image(paths: LabPaths, host: LabHost) -> Path:
    """The host's data volume image."""
    return paths.host(host.name) / "data.img"


def mount_point(paths: LabPaths, host: LabHost) -> Path:
    """Where this machine mounts the image, bound to the host's /srv."""
    return paths.host(host.name) / "data"


def is_mounted(path: Path) -> bool:
    """Tell whether `path` is a mount point."""
    target = str(path)
    for line in Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines():
        if line.split()[1].replace("\\040", " ") == target:
            return True
    return False


def attach(paths: LabPaths, host: LabHost) -> Path:
    """Make the image (the first time) and mount it; return the mount point. Safe to repeat."""
    data = image(paths, host)
    if not data.exists():
        partial = data.with_suffix(".partial")
        with partial.open("wb") as sparse:
            sparse.truncate(SIZE_BYTES)
        commands.run(
            [
                "mkfs.ext4",
                "-q",
                "-F",
                "-O",
                "encrypt",
                "-m",
                "0",
                "-J",
                "size=16",
                "-L",
                "data",
                "-E",
                "root_owner=0:0",
                partial,
            ]
        )
        partial.rename(data)
    target = mount_point(paths, host)
    target.mkdir(exist_ok=True)
    if not is_mounted(target):
        commands.run(["mount", "-o", MOUNT_OPTIONS, data, target])
    return target


def loop_devices(under: Path) -> list[str]:
    """Loop devices backed by a file at or below `under`: `/dev/loopN (file)` each."""
    listing = commands.run(
        ["losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"]
    ).stdout
    prefix = str(under)
    found = []
    for line in listing.splitlines():
        name, _, backing = line.strip().partition(" ")
        backing = backing.strip().removesuffix(" (deleted)")
        if backing == prefix or backing.startswith(prefix + "/"):
            found.append(f"{name} ({backing})")
    return found


def detach(under: Path) -> None:
    """Detach every loop device still backed by a file below `under` (mounts already gone)."""
    for device in loop_devices(under):
        commands.run(["losetup", "--detach", device.split()[0]], check=False)


def forget_keys(mounted: Path) -> int:
    """Remove from the kernel every fscrypt key of the encrypted folders on the mounted
    volume, as a power cycle does; return how many. Unmounting is not enough: the volume's
    filesystem, keys and all, lives on while another host's mount namespace holds a copy."""
    from rampart.encryption import fscrypt

    found: set[str] = set()
    for folder, folders, _ in os.walk(mounted):
        for name in list(folders):
            path = Path(folder, name)
            try:
                identifier = None if path.is_symlink() else fscrypt.key_of(path)
            except EncryptionError:
                identifier = None
            if identifier is not None or path.is_symlink():
                folders.remove(name)
            if identifier is not None:
                found.add(identifier)
    for identifier in found:
        fscrypt.remove_key(mounted, identifier, all_users=True)
    return len(found)
