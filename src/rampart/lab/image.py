"""The lab's base image: one debootstrap per release and recipe, cached outside the repository.

The recipe (release, package list, recipe version) is hashed into the image's folder name,
so changing the recipe builds a new image and the old one is removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import sys
import time
from pathlib import Path

from rampart import commands
from rampart.errors import LabError
from rampart.lab.config import LabPaths
from rampart.lab.mirror import DebianMirror

RECIPE_VERSION = 1
BASE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "sudo",
    "nftables",
    "iproute2",
    "netbase",
    "ca-certificates",
    "debian-archive-keyring",
    "less",
    "procps",
)
# Generated per host when it is created; an image must not carry them.
PER_HOST_FILES = ("etc/machine-id", "etc/hostname")


def recipe_id(release: str) -> str:
    """A short digest of everything that decides the image's content."""
    recipe = f"{RECIPE_VERSION}|{release}|{','.join(sorted(BASE_PACKAGES))}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def image_path(paths: LabPaths, release: str) -> Path:
    """Where the image for this release and recipe lives once built."""
    return paths.images / f"debian-{release}-{recipe_id(release)}"


def ensure_image(paths: LabPaths, release: str, mirror: DebianMirror) -> Path:
    """Return the cached image, building it first when it is missing or its recipe changed."""
    target = image_path(paths, release)
    if (target / "etc" / "os-release").is_file():
        return target
    paths.images.mkdir(parents=True, exist_ok=True)
    with (paths.images / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another lab instance may be building it now
        if (target / "etc" / "os-release").is_file():
            return target
        return _build(paths, release, mirror, target)


def _build(paths: LabPaths, release: str, mirror: DebianMirror, target: Path) -> Path:
    """debootstrap into a partial folder, make it generic, then move it into place."""
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    print(
        f"lab: building the Debian {release} base image with debootstrap (about a minute, once)",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    try:
        commands.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                release,
                partial,
                mirror.archive,
            ],
            timeout=1800,
        )
    except Exception:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _make_generic(partial)
    partial.rename(target)
    _remove_other_recipes(paths, release, keep=target)
    elapsed = time.monotonic() - started
    print(f"lab: base image ready in {elapsed:.0f} s: {target}", file=sys.stderr, flush=True)
    return target


def _make_generic(root: Path) -> None:
    """Strip what must differ per host, and caches no host needs."""
    for host_key in (root / "etc" / "ssh").glob("ssh_host_*"):
        host_key.unlink()
    for name in PER_HOST_FILES:
        (root / name).write_text("", encoding="utf-8")
    for cached in (root / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        cached.unlink()
    lists = root / "var" / "lib" / "apt" / "lists"
    for index in lists.glob("*_*"):
        index.unlink()
    sources = root / "etc" / "apt" / "sources.list"
    if sources.exists():
        sources.unlink()
    if not (root / "usr" / "sbin" / "sshd").exists():
        raise LabError(f"the base image at {root} has no sshd; debootstrap did not finish")


def _remove_other_recipes(paths: LabPaths, release: str, keep: Path) -> None:
    """Delete images of the same release built from an older recipe."""
    for image in paths.images.glob(f"debian-{release}-*"):
        if image != keep and image.is_dir():
            shutil.rmtree(image, ignore_errors=True)
