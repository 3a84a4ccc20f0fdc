"""One lab host: an overlay over the base image, made unique, with its data volume, booted
by systemd-nspawn in its own cgroups and network namespace; and taken apart again without
leftovers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import time
from contextlib import suppress
from pathlib import Path

from rampart import commands
from rampart.errors import LabError
from rampart.lab import network, processes, volume
from rampart.lab.config import CGROUP_HIERARCHIES, CGROUP_NAME, LabConfig, LabHost, LabPaths
from rampart.lab.proxy import proxy_url

CGROUP_ROOT = Path("/sys/fs/cgroup")
NSPAWN_PROPAGATE = Path("/run/systemd/nspawn/propagate")
SHUTDOWN_GRACE_SECONDS = 20


def cgroups(host: LabHost) -> list[Path]:
    """The host's own cgroup in each hierarchy that exists on this machine."""
    return [
        CGROUP_ROOT / hierarchy / CGROUP_NAME / host.name
        for hierarchy in CGROUP_HIERARCHIES
        if (CGROUP_ROOT / hierarchy / "cgroup.procs").exists()
    ]


def root_mount(paths: LabPaths, host: LabHost) -> Path:
    """Where the host's root file system is mounted on this machine."""
    return paths.host(host.name) / "root"


def pid_file(paths: LabPaths, host: LabHost) -> Path:
    """The PID file of the host's systemd-nspawn process."""
    return paths.host(host.name) / "nspawn.pid"


def is_running(paths: LabPaths, host: LabHost) -> bool:
    """Tell whether the host's nspawn process still runs."""
    return processes.alive(pid_file(paths, host), "systemd-nspawn")


def create(config: LabConfig, paths: LabPaths, host: LabHost, image: Path, admin_key: str) -> str:
    """Prepare and boot a host from scratch; return its SSH host public key line."""
    destroy(paths, host)
    folder = paths.host(host.name)
    for part in ("upper", "work", "root"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    root = root_mount(paths, host)
    commands.run(
        [
            "mount",
            "-t",
            "overlay",
            f"rampart-{host.name}",
            "-o",
            f"lowerdir={image},upperdir={folder / 'upper'},workdir={folder / 'work'}",
            root,
        ]
    )
    host_key = _personalise(config, host, root, admin_key)
    (folder / "release").write_text(f"{host.release}\n", encoding="utf-8")
    volume.attach(paths, host)
    network.create_host_network(config, host)
    _boot(paths, host)
    return host_key


def booted_release(paths: LabPaths, host: LabHost) -> str:
    """The Debian release the host was created from ("" when not recorded)."""
    try:
        return (paths.host(host.name) / "release").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _personalise(config: LabConfig, host: LabHost, root: Path, admin_key: str) -> str:
    """Give the host its name, machine-id, SSH host key, admin key and apt sources."""
    (root / "etc" / "hostname").write_text(f"{host.name}\n", encoding="utf-8")
    (root / "etc" / "machine-id").write_text(f"{secrets.token_hex(16)}\n", encoding="ascii")
    hosts_lines = ["127.0.0.1 localhost", f"127.0.1.1 {host.name}", "::1 localhost ip6-localhost"]
    hosts_lines += [f"{other.address} {other.name}" for other in config.hosts]
    (root / "etc" / "hosts").write_text("\n".join(hosts_lines) + "\n", encoding="utf-8")

    key_file = root / "etc" / "ssh" / "ssh_host_ed25519_key"
    commands.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{host.name}", "-f", key_file]
    )
    (root / "etc" / "ssh" / "sshd_config.d" / "00-rampart-lab-host-key.conf").write_text(
        "# The lab generates only an Ed25519 host key for each host.\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\n",
        encoding="utf-8",
    )
    # No console to ask passwords on (--console=passive): the unit would only fail.
    masked = root / "etc" / "systemd" / "system" / "systemd-ask-password-console.path"
    masked.unlink(missing_ok=True)
    masked.symlink_to("/dev/null")
    ssh_dir = root / "root" / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    authorized = ssh_dir / "authorized_keys"
    authorized.write_text(admin_key.strip() + "\n", encoding="utf-8")
    authorized.chmod(0o600)

    proxy = proxy_url(config)
    sources = root / "etc" / "apt" / "sources.list.d" / "debian.sources"
    sources.write_text(
        "# Written by `rampart lab up`: Debian through the lab's apt proxy.\n"
        f"Types: deb\nURIs: {proxy}/debian\n"
        f"Suites: {host.release} {host.release}-updates\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        f"Types: deb\nURIs: {proxy}/debian-security\n"
        f"Suites: {host.release}-security\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
        encoding="utf-8",
    )
    public = key_file.with_suffix(".pub").read_text(encoding="utf-8").split()
    return f"{public[0]} {public[1]}"


def _boot(paths: LabPaths, host: LabHost) -> None:
    """Start `systemd-nspawn --boot` for the host in its own cgroups, detached from us."""
    groups = cgroups(host)
    for group in groups:
        group.mkdir(parents=True, exist_ok=True)
    folder = paths.host(host.name)
    pid = commands.spawn(
        [
            "systemd-nspawn",
            "--boot",
            "--register=no",
            "--keep-unit",
            f"--directory={root_mount(paths, host)}",
            f"--machine={host.name}",
            f"--network-namespace-path=/run/netns/{host.netns}",
            "--capability=CAP_NET_ADMIN",
            f"--bind={volume.mount_point(paths, host)}:{volume.HOST_PATH}",
            # gocryptfs (FUSE) encrypts folders in place where fscrypt does not fit.
            "--bind=/dev/fuse",
            "--console=passive",
        ],
        log=folder / "console.log",
        cgroups=groups,
    )
    pid_file(paths, host).write_text(str(pid), encoding="ascii")


def restart(paths: LabPaths, host: LabHost) -> None:
    """Restart the host as a server restarts: a clean shutdown, its data volume unmounted
    and mounted again (what the kernel held for it goes, fscrypt keys among it), then a
    boot on the same root, network and data."""
    processes.terminate(pid_file(paths, host), "systemd-nspawn", grace=SHUTDOWN_GRACE_SECONDS)
    _kill_cgroup_members(host)
    data = volume.mount_point(paths, host)
    if volume.is_mounted(data):
        volume.forget_keys(data)
        commands.run(["umount", str(data)])
    volume.detach(paths.host(host.name))
    volume.attach(paths, host)
    _boot(paths, host)


def destroy(paths: LabPaths, host: LabHost) -> None:
    """Stop the host (cleanly if it answers, by force if not) and remove all its traces."""
    processes.terminate(pid_file(paths, host), "systemd-nspawn", grace=SHUTDOWN_GRACE_SECONDS)
    _kill_cgroup_members(host)
    _unmount_under(paths.host(host.name))
    volume.detach(paths.host(host.name))
    _remove_cgroups(host)
    network.remove_host_network(host)
    propagate = NSPAWN_PROPAGATE / host.name
    if propagate.is_dir():
        shutil.rmtree(propagate, ignore_errors=True)
    shutil.rmtree(paths.host(host.name), ignore_errors=True)
    if paths.host(host.name).exists():
        raise LabError(
            f"could not remove {paths.host(host.name)}; see docs/lab.md, cleaning up by hand"
        )


def _members(group: Path) -> list[int]:
    pids: list[int] = []
    for procs in group.rglob("cgroup.procs"):
        try:
            pids += [int(line) for line in procs.read_text(encoding="ascii").split()]
        except OSError:
            continue
    return pids


def _kill_cgroup_members(host: LabHost) -> None:
    """Kill whatever still runs in the host's cgroups after nspawn is gone."""
    for group in cgroups(host):
        if not group.exists():
            continue
        deadline = time.monotonic() + 10
        while (members := _members(group)) and time.monotonic() < deadline:
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
            time.sleep(0.1)


def _remove_cgroups(host: LabHost) -> None:
    """Remove the host's cgroup folders bottom-up; the empty lab parent goes too."""
    for group in cgroups(host):
        if not group.exists():
            continue
        for folder in sorted(
            (p for p in group.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
        ):
            folder.rmdir()
        group.rmdir()
        with suppress(OSError):
            group.parent.rmdir()


def _unmount_under(folder: Path) -> None:
    """Unmount every mount point at or below `folder`, deepest first."""
    prefix = str(folder.resolve()) if folder.exists() else str(folder)
    mounts = []
    for line in Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines():
        mount_point = line.split()[1].replace("\\040", " ")
        if mount_point == prefix or mount_point.startswith(prefix + "/"):
            mounts.append(mount_point)
    for mount_point in sorted(mounts, key=len, reverse=True):
        commands.run(["umount", "--lazy", mount_point])


def memory_bytes(host: LabHost) -> dict[str, int]:
    """Memory charged to the host's memory cgroup: `rss` (resident) and `cache` (page cache)."""
    stat = CGROUP_ROOT / "memory" / CGROUP_NAME / host.name / "memory.stat"
    try:
        lines = stat.read_text(encoding="ascii").splitlines()
    except OSError:
        return {}
    values = dict(line.split() for line in lines if " " in line)
    return {
        "rss": int(values.get("total_rss", 0)),
        "cache": int(values.get("total_cache", 0)),
    }
