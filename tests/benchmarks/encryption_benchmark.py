"""Encryption at rest figures (issue 11), printed as tables; not a pass/fail test.

On the controller, on a real ext4 data volume like a lab host's (a sparse 2 GiB image with
the `encrypt` feature, loop-mounted): write and read throughput of a folder under fscrypt
against a plain folder on the same volume, for one large file and for many small files
(page cache dropped before each read); and the migration of plaintext into an encrypted
folder (copy, sha256 of every file, swap, overwrite) in seconds per GiB. With the lab up,
on hr-01: the unlock with tang (clevis and a round trip to mon-01) and the boot unit's time
after `rampart lab restart hr-01`.

Run as root from the repository root:
  .venv/bin/python -m tests.benchmarks.encryption_benchmark [--mib 256] [--files 5000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rampart.encryption import fscrypt, migrate
from rampart.lab import volume
from rampart.lab.config import LabHost, LabPaths

CHUNK = 1 << 20
SMALL = 4096
UNLOCK_TIMED = (
    'python3 -c "import subprocess, time; started = time.monotonic();'
    " subprocess.run(['rampart', 'encryption', 'unlock', '--data-set', 'hr-documents'],"
    " check=True, capture_output=True);"
    ' print(time.monotonic() - started)"'
)


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def write_large(folder: Path, mib: int) -> None:
    block = os.urandom(CHUNK)
    with (folder / "large.bin").open("wb") as output:
        for _ in range(mib):
            output.write(block)
        output.flush()
        os.fsync(output.fileno())


def read_large(folder: Path) -> None:
    with (folder / "large.bin").open("rb") as source:
        while source.read(CHUNK):
            pass


def write_small(folder: Path, files: int) -> None:
    block = os.urandom(SMALL)
    (folder / "small").mkdir()
    for index in range(files):
        (folder / "small" / f"f{index:06d}").write_bytes(block)
    os.sync()


def read_small(folder: Path) -> None:
    for path in (folder / "small").iterdir():
        path.read_bytes()


def throughput(mounted: Path, mib: int, files: int) -> None:
    identifier = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    plain, secret = mounted / "plain", mounted / "secret"
    plain.mkdir()
    secret.mkdir()
    fscrypt.encrypt_folder(secret, identifier)
    rows = []
    works: tuple[tuple[str, Callable[[Path], None], int, str], ...] = (
        (f"write one {mib} MiB file (fsync)", lambda f: write_large(f, mib), mib, "MiB/s"),
        (f"read one {mib} MiB file (cold)", read_large, mib, "MiB/s"),
        (
            f"write {files:,} files of 4 KiB (sync)",
            lambda f: write_small(f, files),
            files,
            "files/s",
        ),
        (f"read {files:,} files of 4 KiB (cold)", read_small, files, "files/s"),
    )
    for label, work, amount, unit in works:
        seconds = {}
        for name, folder in (("plain", plain), ("encrypted", secret)):
            drop_caches()
            started = time.monotonic()
            work(folder)
            seconds[name] = time.monotonic() - started
        rows.append((label, amount, unit, seconds["plain"], seconds["encrypted"]))
    print("\nThroughput, plain folder and fscrypt folder on the same volume")
    print("| work | plain | encrypted | encrypted / plain time |")
    print("| --- | --- | --- | --- |")
    for label, amount, unit, plain_s, secret_s in rows:
        print(
            f"| {label} | {amount / plain_s:,.0f} {unit} | {amount / secret_s:,.0f} {unit} |"
            f" {secret_s / plain_s:.2f}x |"
        )
    shutil.rmtree(plain)
    shutil.rmtree(secret)
    fscrypt.remove_key(mounted, identifier)


def migration(mounted: Path, mib: int) -> None:
    folder = mounted / "hr" / "documents"
    folder.mkdir(parents=True)
    block = os.urandom(CHUNK)
    for index in range(mib // 8):
        with (folder / f"doc{index:04d}.bin").open("wb") as output:
            for _ in range(8):
                output.write(block)
    drop_caches()
    identifier = fscrypt.add_key(mounted, os.urandom(fscrypt.KEY_BYTES))
    seconds = timed(lambda: migrate.migrate(folder, identifier))
    print(f"\nMigration of {mib} MiB in {mib // 8} files (copy, sha256 each, swap, overwrite)")
    print("| seconds | seconds per GiB |")
    print("| --- | --- |")
    print(f"| {seconds:.2f} | {seconds * 1024 / mib:.1f} |")


def lab_unlock() -> None:
    """On hr-01 of a running lab: unlock with tang, and the boot unit after a restart."""
    rampart = str(Path(".venv/bin/rampart"))

    def on_hr(command: str) -> str:
        return subprocess.run(
            [rampart, "lab", "ssh", "hr-01", command], capture_output=True, text=True, check=True
        ).stdout

    if subprocess.run([rampart, "lab", "status"], capture_output=True).returncode != 0:
        print("\n(the lab is not up: no unlock figures)")
        return
    tries = []
    for _ in range(5):
        on_hr("rampart encryption lock --data-set hr-documents")
        took = on_hr(UNLOCK_TIMED)
        tries.append(float(took))
    restart = timed(
        lambda: subprocess.run(
            [rampart, "lab", "restart", "hr-01"], check=True, capture_output=True
        )
    )
    shown = on_hr(
        "systemctl show rampart-encryption-unlock -p ExecMainStartTimestampMonotonic"
        " -p ExecMainExitTimestampMonotonic"
    )
    stamps = dict(line.split("=", 1) for line in shown.split())
    boot = (
        int(stamps["ExecMainExitTimestampMonotonic"])
        - int(stamps["ExecMainStartTimestampMonotonic"])
    ) / 1e6
    tries.sort()
    print("\nUnlock on hr-01 (clevis decrypt against tang on mon-01, key added to the volume)")
    print("| `rampart encryption unlock` (median of 5) | boot unit at a restart | restart to SSH |")
    print("| --- | --- | --- |")
    print(f"| {tries[2]:.2f} s | {boot:.2f} s | {restart:.1f} s |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=5000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rampart-encryption-bench-") as scratch:
        paths = LabPaths(state=Path(scratch), cache=Path(scratch) / "cache")
        host = LabHost("bench-01", "10.0.0.1", ())
        paths.host(host.name).mkdir(parents=True)
        mounted = volume.attach(paths, host)
        try:
            throughput(mounted, arguments.mib, arguments.files)
            migration(mounted, arguments.mib)
        finally:
            subprocess.run(["umount", str(mounted)], check=True)
            volume.detach(paths.state)
    lab_unlock()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
