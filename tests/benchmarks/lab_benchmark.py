"""The lab's speed and size figures (issue 2), printed as a table; not a pass/fail test.

Run as root from the repository root: `make bench`. It takes the lab down and brings it
up several times, and builds a base image into a temporary cache, so it leaves no lab up.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rampart.lab import container, image
from rampart.lab.config import LabConfig, LabPaths
from rampart.lab.mirror import machine_mirror

ROOT = Path(__file__).resolve().parents[2]
RAMPART = str(Path(sys.executable).with_name("rampart"))
SETTLE_SECONDS = 30


def rampart(*arguments: str) -> float:
    """Run a `rampart` command and return its wall-clock time in seconds."""
    started = time.monotonic()
    subprocess.run([RAMPART, *arguments], cwd=ROOT, check=True, capture_output=True)
    return time.monotonic() - started


def image_build_seconds(release: str) -> float:
    """Build a base image from scratch into a temporary cache."""
    with tempfile.TemporaryDirectory(dir="/var/tmp") as scratch:
        paths = LabPaths(state=Path(scratch) / "state", cache=Path(scratch) / "cache")
        started = time.monotonic()
        image.ensure_image(paths, release, machine_mirror())
        return time.monotonic() - started


def memory_per_host(config: LabConfig) -> tuple[float, float]:
    """Median resident and page-cache MiB per idle host, after the hosts settle."""
    time.sleep(SETTLE_SECONDS)
    readings = [container.memory_bytes(host) for host in config.hosts]
    rss = statistics.median(reading["rss"] for reading in readings) / 1024**2
    cache = statistics.median(reading["cache"] for reading in readings) / 1024**2
    return rss, cache


def main() -> int:
    """Measure, then print one row per figure."""
    if os.geteuid() != 0:
        print("benchmarks need root (the lab)", file=sys.stderr)
        return 2
    release = os.environ.get("RAMPART_LAB_RELEASE", "trixie")
    rows: list[tuple[str, str]] = []
    rows.append(("base image build (debootstrap, cold)", f"{image_build_seconds(release):.1f} s"))
    rampart("lab", "down")
    rows.append(
        (
            "lab up, default fleet (5 hosts), to all SSH",
            f"{rampart('lab', 'up', '--release', release, '--extra', '0'):.1f} s",
        )
    )
    rss, cache = memory_per_host(LabConfig(release=release))
    rows.append(("memory per idle host, resident (median)", f"{rss:.1f} MiB"))
    rows.append(("memory per idle host, page cache (median)", f"{cache:.1f} MiB"))
    rows.append(("lab down, default fleet", f"{rampart('lab', 'down'):.1f} s"))
    rows.append(
        (
            "lab up --extra 20 (25 hosts), to all SSH",
            f"{rampart('lab', 'up', '--extra', '20'):.1f} s",
        )
    )
    rss, cache = memory_per_host(LabConfig(release=release, extra=20))
    rows.append(("memory per idle host of 25, resident (median)", f"{rss:.1f} MiB"))
    rows.append(("lab up again, nothing to start (25 hosts)", f"{rampart('lab', 'up'):.1f} s"))
    rows.append(("lab down, 25 hosts", f"{rampart('lab', 'down'):.1f} s"))
    width = max(len(name) for name, _ in rows)
    print(f"Debian {LabConfig(release=release).version} lab on {os.cpu_count()} cores")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
