"""The lab's apt proxy: apt-cacher-ng on the bridge address, serving only the Debian mirror.

`ForceManaged` makes it refuse every backend but the two it is told about, so a lab host
can fetch Debian packages and nothing else. The cache is kept between labs.
"""

from __future__ import annotations

import socket
import time

from rampart import commands
from rampart.errors import LabError
from rampart.lab import processes
from rampart.lab.config import PROXY_PORT, LabConfig, LabPaths
from rampart.lab.mirror import DebianMirror


def proxy_url(config: LabConfig) -> str:
    """The base URL lab hosts use for the Debian archive (the security archive sits beside)."""
    return f"http://{config.bridge_address}:{PROXY_PORT}"


def _configuration(config: LabConfig, paths: LabPaths, mirror: DebianMirror) -> str:
    return "\n".join(
        [
            f"CacheDir: {paths.apt_cache}",
            f"LogDir: {paths.proxy / 'log'}",
            "SupportDir: /usr/lib/apt-cacher-ng",
            f"Port: {PROXY_PORT}",
            f"BindAddress: {config.bridge_address}",
            f"PidFile: {paths.proxy / 'pid'}",
            "ForeGround: 1",
            "ForceManaged: 1",
            "ExThreshold: 4",
            f"Remap-rampartdebian: /debian ; {mirror.archive}",
            f"Remap-rampartsecurity: /debian-security ; {mirror.security}",
            "",
        ]
    )


def ensure_proxy(config: LabConfig, paths: LabPaths, mirror: DebianMirror) -> None:
    """Start the proxy unless it already runs, and wait until it answers."""
    if processes.alive(paths.proxy / "spawned.pid", "apt-cacher-ng"):
        return
    stop_proxy(paths)
    for folder in (paths.proxy / "conf", paths.proxy / "log", paths.apt_cache):
        folder.mkdir(parents=True, exist_ok=True)
    (paths.proxy / "conf" / "acng.conf").write_text(
        _configuration(config, paths, mirror), encoding="utf-8"
    )
    pid = commands.spawn(
        ["apt-cacher-ng", "-c", paths.proxy / "conf"], log=paths.proxy / "console.log"
    )
    (paths.proxy / "spawned.pid").write_text(str(pid), encoding="ascii")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _answers(config):
            return
        time.sleep(0.2)
    log = (paths.proxy / "console.log").read_text(encoding="utf-8", errors="replace").strip()
    reason = log.splitlines()[-1] if log else "no output"
    raise LabError(f"the apt proxy did not start on {config.bridge_address}:{PROXY_PORT}: {reason}")


def _answers(config: LabConfig) -> bool:
    try:
        with socket.create_connection((config.bridge_address, PROXY_PORT), timeout=1):
            return True
    except OSError:
        return False


def stop_proxy(paths: LabPaths) -> None:
    """Stop the proxy this lab started, found by its PID file."""
    processes.terminate(paths.proxy / "spawned.pid", "apt-cacher-ng", grace=5)
