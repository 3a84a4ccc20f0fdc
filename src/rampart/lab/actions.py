"""`rampart lab up | down | status | ssh`: the lab's actions, built on its smaller parts."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path

import yaml

from rampart import commands, ssh
from rampart.errors import LabError
from rampart.lab import container, export, image, keys, network, preflight, proxy, volume
from rampart.lab.config import (
    BRIDGE,
    CGROUP_HIERARCHIES,
    CGROUP_NAME,
    DEFAULT_RELEASE,
    DEFAULT_SUBNET,
    LOCK_FILE,
    NFT_TABLE,
    RELEASE_ALIASES,
    LabConfig,
    LabHost,
    LabPaths,
)
from rampart.lab.mirror import DebianMirror, machine_mirror
from rampart.ssh import SshTarget

SSH_DEADLINE_SECONDS = 180


def say(message: str) -> None:
    """Progress for the person at the terminal, on standard error."""
    print(f"lab: {message}", file=sys.stderr, flush=True)


def project_inventory() -> Path:
    """The lab inventory folder of the Rampart checkout we run in (found from the cwd)."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "ansible.cfg").is_file() and (folder / "inventory").is_dir():
            return folder / "inventory" / "lab"
    raise LabError("run this inside a Rampart checkout (no ansible.cfg and inventory/ found)")


@contextmanager
def exclusive() -> Iterator[None]:
    """Let only one lab action change the lab at a time."""
    with LOCK_FILE.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LabError("another `rampart lab` action is running; wait for it") from None
        yield


def read_settings(paths: LabPaths) -> dict[str, object]:
    """What the last `lab up` recorded, or nothing when no lab exists."""
    try:
        settings: dict[str, object] = json.loads(paths.settings.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return settings


def current_config(paths: LabPaths) -> LabConfig:
    """The configuration of the lab that is up, for status, ssh and down."""
    settings = read_settings(paths)
    if not settings:
        raise LabError("no lab is up; start one with `rampart lab up`")
    return LabConfig(
        release=str(settings["release"]),
        extra=int(str(settings["extra"])),
        subnet=str(settings["subnet"]),
    )


def requested_config(paths: LabPaths, release: str | None, extra: int | None) -> LabConfig:
    """The lab to bring up: the arguments, else what the running lab has, else the defaults."""
    settings = read_settings(paths)
    chosen_release = (
        RELEASE_ALIASES[release] if release else str(settings.get("release", DEFAULT_RELEASE))
    )
    return LabConfig(
        release=chosen_release,
        extra=extra if extra is not None else int(str(settings.get("extra", 0))),
        subnet=os.environ.get("RAMPART_LAB_SUBNET", str(settings.get("subnet", DEFAULT_SUBNET))),
    )


def _images(paths: LabPaths, config: LabConfig, mirror: DebianMirror) -> dict[str, Path]:
    """The base image of each release the lab needs.

    While hosts run on an image (their overlay's lower layer) it is kept even if the recipe
    changed since; otherwise the current recipe's image is built when missing.
    """
    recorded = read_settings(paths).get("images", {})
    running = any(container.is_running(paths, host) for host in hosts_on_disk(paths))
    images: dict[str, Path] = {}
    for release in config.releases:
        kept = Path(str(recorded.get(release, ""))) if isinstance(recorded, dict) else Path()
        if running and (kept / "etc" / "os-release").is_file():
            images[release] = kept
        else:
            images[release] = image.ensure_image(paths, release, mirror)
    return images


def _release_on_disk(settings: dict[str, object], paths: LabPaths, host: LabHost) -> str:
    """The release a host on disk was made from: its record, else its lab's settings."""
    recorded = container.booted_release(paths, host)
    if recorded or "release" not in settings:
        return recorded
    return LabConfig(release=str(settings["release"])).release_of(host.name)


def hosts_on_disk(paths: LabPaths) -> list[LabHost]:
    """Hosts that have a folder under the state directory, whatever the configuration says."""
    folder = paths.state / "hosts"
    if not folder.is_dir():
        return []
    return [LabHost(entry.name, "", ()) for entry in sorted(folder.iterdir()) if entry.is_dir()]


def ssh_target(paths: LabPaths, host: LabHost) -> SshTarget:
    """How to reach a lab host: as root, with the lab's key and its known_hosts file."""
    return SshTarget(
        name=host.name,
        address=host.address,
        key_file=paths.ssh_key,
        known_hosts=paths.known_hosts,
        connect_timeout_seconds=3,
    )


def answers_ssh(paths: LabPaths, host: LabHost) -> bool:
    """Whether the host runs a command over SSH right now."""
    return commands.succeeds(ssh.argv(ssh_target(paths, host), "true"), timeout=10)


def wait_for_ssh(paths: LabPaths, hosts: list[LabHost]) -> list[str]:
    """Wait until every host runs a command over SSH; return the names that never did."""
    deadline = time.monotonic() + SSH_DEADLINE_SECONDS

    def answers(host: LabHost) -> bool:
        while time.monotonic() < deadline:
            if answers_ssh(paths, host):
                return True
            time.sleep(0.3)
        return False

    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        results = list(pool.map(answers, hosts))
    return [host.name for host, ok in zip(hosts, results, strict=True) if not ok]


def refresh_package_lists(paths: LabPaths, hosts: list[LabHost]) -> None:
    """Fetch apt's package lists on new hosts, as an installed server has them."""
    if not hosts:
        return
    started = time.monotonic()
    update = "apt-get -qq -o Acquire::Retries=3 update"
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        results = list(
            pool.map(
                lambda host: commands.run(
                    ssh.argv(ssh_target(paths, host), update), check=False, timeout=300
                ),
                hosts,
            )
        )
    failed = [h.name for h, result in zip(hosts, results, strict=True) if result.returncode != 0]
    if failed:
        raise LabError(f"apt-get update failed on {', '.join(failed)} (the apt proxy or mirror)")
    say(f"package lists fetched on {len(hosts)} host(s) ({time.monotonic() - started:.1f} s)")


def up(release: str | None, extra: int | None) -> int:
    """Bring the lab up, starting only what is missing; safe to run again at any time."""
    paths = LabPaths()
    preflight.check_all(paths)
    preflight.ensure_inotify_instances()
    inventory = project_inventory()
    with exclusive():
        config = requested_config(paths, release, extra)
        mirror = machine_mirror()
        before = read_settings(paths)
        images = _images(paths, config, mirror)
        if not network.link_exists(BRIDGE):
            network.require_free_subnet(config)
        network.ensure_bridge(config)
        network.ensure_guard(config)
        proxy.ensure_proxy(config, paths, mirror)
        admin_key = keys.ensure_key(paths.ssh_key, "rampart-lab-admin")
        people = yaml.safe_load(export.PEOPLE_SOURCE.read_text(encoding="utf-8"))
        for person in people.get("rampart_people", []):
            keys.ensure_key(
                paths.people_keys / person["username"], f"{person['username']}@rampart-lab"
            )
        paths.settings.write_text(
            json.dumps(
                {**asdict(config), "images": {name: str(root) for name, root in images.items()}},
                indent=2,
            ),
            encoding="utf-8",
        )

        wanted = {host.name: host for host in config.hosts}
        for stale in hosts_on_disk(paths):
            if stale.name not in wanted:
                say(f"removing {stale.name} (not in the requested fleet)")
                container.destroy(paths, stale)
            elif _release_on_disk(before, paths, stale) != wanted[stale.name].release:
                say(f"recreating {stale.name} on Debian {wanted[stale.name].release}")
                container.destroy(paths, stale)
        known = keys.parse_known_hosts(
            paths.known_hosts.read_text(encoding="utf-8") if paths.known_hosts.exists() else ""
        )
        started = time.monotonic()
        booted: list[LabHost] = []
        host_keys: dict[str, tuple[str, str]] = {}
        for host in config.hosts:
            attached = volume.is_mounted(volume.mount_point(paths, host))
            if container.is_running(paths, host) and host.name in known and attached:
                host_keys[host.name] = (host.address, known[host.name][1])
                continue
            host_keys[host.name] = (
                host.address,
                container.create(config, paths, host, images[host.release], admin_key),
            )
            booted.append(host)
        paths.known_hosts.write_text(keys.known_hosts_text(host_keys), encoding="utf-8")
        export.write_inventory(
            config,
            paths,
            inventory,
            keys.known_hosts_text(host_keys),
            lambda username: (
                (paths.people_keys / f"{username}.pub").read_text(encoding="utf-8").strip()
            ),
        )
        kept = len(config.hosts) - len(booted)
        say(f"booting {len(booted)} host(s), {kept} already running (Debian {config.version})")
        silent = wait_for_ssh(paths, list(config.hosts))
        if silent:
            raise LabError(
                f"{', '.join(silent)} did not answer SSH within {SSH_DEADLINE_SECONDS} s; "
                f"see {paths.state}/hosts/<host>/console.log"
            )
        say(f"{len(config.hosts)} hosts answer SSH ({time.monotonic() - started:.1f} s)")
        refresh_package_lists(paths, booted)
        say(f"inventory written to {inventory}; try `ansible all -m ping`")
    return 0


def leftovers(paths: LabPaths) -> list[str]:
    """Everything of a lab still on this machine: empty when the lab is fully down."""
    found = [f"network namespace {name}" for name in network.leftover_netns()]
    found += [f"link {name}" for name in network.leftover_links()]
    mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    found += [
        f"mount {line.split()[1]}"
        for line in mounts
        if line.split()[1].startswith(str(paths.state) + "/")
    ]
    found += [f"loop device {device}" for device in volume.loop_devices(paths.state)]
    found += [
        f"cgroup {Path('/sys/fs/cgroup', hierarchy, CGROUP_NAME)}"
        for hierarchy in CGROUP_HIERARCHIES
        if Path("/sys/fs/cgroup", hierarchy, CGROUP_NAME).exists()
    ]
    if commands.succeeds(["nft", "list", "table", "inet", NFT_TABLE]):
        found.append(f"nftables table inet {NFT_TABLE}")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command_line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{paths.state}/" in command_line:
            found.append(f"process {proc.name}: {command_line.strip()[:80]}")
    if paths.state.exists():
        found.append(f"folder {paths.state}")
    return found


def down() -> int:
    """Stop every host and remove everything the lab made; say what could not be removed."""
    paths = LabPaths()
    preflight.require_root()
    with exclusive():
        hosts = hosts_on_disk(paths)
        say(f"stopping {len(hosts)} host(s)")
        with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
            list(pool.map(lambda host: container.destroy(paths, host), hosts))
        for hierarchy in CGROUP_HIERARCHIES:
            parent = Path("/sys/fs/cgroup", hierarchy, CGROUP_NAME)
            for leftover in sorted(parent.glob("*"), reverse=True) if parent.is_dir() else []:
                if leftover.is_dir():
                    container.destroy(paths, LabHost(leftover.name, "", ()))
            if parent.is_dir():
                parent.rmdir()
        network.remove_all()
        proxy.stop_proxy(paths)
        shutil.rmtree(paths.state, ignore_errors=True)
        with suppress(LabError):
            export.remove_inventory(project_inventory())
        remaining = leftovers(paths)
    if remaining:
        raise LabError("lab down left: " + "; ".join(remaining))
    say("down; nothing left behind")
    return 0


def restart(host_name: str) -> int:
    """Restart one running host as a server restarts (container.restart) and wait for SSH."""
    paths = LabPaths()
    preflight.require_root()
    with exclusive():
        host = current_config(paths).host(host_name)
        if not container.is_running(paths, host):
            raise LabError(f"{host_name} is not running; `rampart lab up` starts it")
        started = time.monotonic()
        container.restart(paths, host)
        if wait_for_ssh(paths, [host]):
            raise LabError(
                f"{host_name} did not answer SSH within {SSH_DEADLINE_SECONDS} s of its restart;"
                f" see {paths.host(host_name) / 'console.log'}"
            )
    say(f"{host_name} restarted and answers SSH ({time.monotonic() - started:.1f} s)")
    return 0


def status() -> int:
    """Print each host's state; exit 0 only when every host runs and answers SSH."""
    paths = LabPaths()
    preflight.require_root()
    config = current_config(paths)
    hosts = list(config.hosts)
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        reachable = list(
            pool.map(
                lambda host: answers_ssh(paths, host),
                hosts,
            )
        )
    print(f"Debian {config.version} ({config.release}) lab on {config.network}")
    print(f"{'HOST':<12} {'ADDRESS':<15} {'RUNNING':<8} {'SSH':<5} {'RSS MiB':>8}  GROUPS")
    healthy = True
    for host, ssh_ok in zip(hosts, reachable, strict=True):
        running = container.is_running(paths, host)
        memory = container.memory_bytes(host)
        rss = f"{memory['rss'] / 1024**2:.1f}" if memory else "-"
        print(
            f"{host.name:<12} {host.address:<15} {'yes' if running else 'no':<8} "
            f"{'ok' if ssh_ok else 'no':<5} {rss:>8}  {','.join(host.groups)}"
        )
        healthy = healthy and running and ssh_ok
    return 0 if healthy else 1


def open_session(host_name: str, remote_command: list[str]) -> int:
    """Replace this process with an SSH session (or command) on a lab host, as root."""
    paths = LabPaths()
    ssh.interactive(ssh_target(paths, current_config(paths).host(host_name)), remote_command)
