"""Storage figures (issue 11), printed as a table; not a pass/fail test.

On the controller, on a real ext4 data volume like a lab host's (a sparse image with the
`encrypt` feature, loop-mounted): how long the lab takes to make and attach one host's
volume and what it costs on disk; then a data set folder of N files (4 KiB each, in
folders of 1,000) created open to everyone and in the wrong group, and the wall time and
entries/s of `rampart storage status`'s judgement (nothing changed), the first `apply`
(every entry put right) and a repeat `apply` (nothing to do), which the boot unit runs.

Run as root from the repository root:
  .venv/bin/python -m tests.benchmarks.storage_benchmark [--files 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rampart.lab import volume
from rampart.lab.config import LabHost, LabPaths
from rampart.storage import folders
from rampart.storage.config import Folder

GROUP = "adm"


def timed(step: str, action: Callable[[], object]) -> tuple[str, float, object]:
    """The step's name, how long `action` took, and what it returned."""
    started = time.monotonic()
    result = action()
    return step, time.monotonic() - started, result


def make_tree(root: Path, files: int) -> None:
    """`files` files of 4 KiB, 1,000 to a folder, open to everyone, in root's group."""
    block = b"x" * 4096
    for index in range(files):
        folder = root / f"d{index // 1000:04d}"
        if index % 1000 == 0:
            folder.mkdir(parents=True)
            folder.chmod(0o777)
        path = folder / f"f{index:06d}"
        path.write_bytes(block)
        path.chmod(0o666)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rampart-storage-bench-") as scratch:
        paths = LabPaths(state=Path(scratch), cache=Path(scratch) / "cache")
        host = LabHost("bench-01", "10.0.0.1", ())
        paths.host(host.name).mkdir(parents=True)
        step, seconds, mounted = timed("make and attach", lambda: volume.attach(paths, host))
        assert isinstance(mounted, Path)
        used = os.stat(volume.image(paths, host)).st_blocks * 512
        print("One lab host's data volume (2 GiB sparse ext4, -O encrypt)")
        print("| step | seconds | image on disk |")
        print("| --- | --- | --- |")
        print(f"| {step} | {seconds:.2f} | {used / 1024**2:.1f} MiB |")
        try:
            data = Folder("bench", "sensitive", mounted / "bench" / "data", GROUP, 0o2750)
            make_tree(data.path, arguments.files)
            entries = arguments.files + arguments.files // 1000
            rows = [
                timed("status (judge only)", lambda: folders.examine(mounted, data, fix=False)),
                timed(
                    "first apply (every entry put right)",
                    lambda: folders.examine(mounted, data, fix=True),
                ),
                timed(
                    "repeat apply (nothing to do)", lambda: folders.examine(mounted, data, fix=True)
                ),
            ]
            print(
                f"\nA sensitive data set of {arguments.files:,} files of 4 KiB"
                f" ({entries:,} entries)"
            )
            print("| step | seconds | entries/s | changes |")
            print("| --- | --- | --- | --- |")
            for name, took, finding in rows:
                assert isinstance(finding, folders.Finding)
                print(f"| {name} | {took:.2f} | {entries / took:,.0f} | {len(finding.changes):,} |")
        finally:
            subprocess.run(["umount", str(mounted)], check=True)
            volume.detach(paths.state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
