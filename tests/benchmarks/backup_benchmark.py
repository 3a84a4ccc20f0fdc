"""Backup and restore-drill figures (issue 4), printed as tables; not a pass/fail test.

1. On a lab host (restic 0.18 is there, not on the Debian 12 controller): about 1 GB of
   mixed files (many small text files, medium files, a few large random ones) is
   - copied with `cp -a` (the disk's own limit),
   - backed up with raw `restic backup` into a local repository, and with `rampart backup
     run` (manifest of every file with sha256, then restic backup) into another,
   - restored with raw `restic restore` followed by `sha256sum -c`, and with `rampart
     backup drill` (restore into scratch, verify every file against the manifest).
   Ratios are against raw restic and against `cp -a`.
2. On the controller: the backup-server exporter's scrape time with 10, 1,000 and 10,000
   snapshots in a repository (and the background refresh time, which a scrape never pays).

Run as root from the repository root with the lab up and converged:
  RAMPART_LAB_INSTANCE=N .venv/bin/python -m tests.benchmarks.backup_benchmark \
      [--megabytes 1024] [--host oa-01]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from rampart.exporters.backup_server import Cache, make_server
from rampart.exporters.web import WebConfig

ROOT = Path(__file__).resolve().parents[2]
RAMPART = str(Path(sys.executable).with_name("rampart"))
BENCH = "/srv/rampart-bench"

# Shell that makes the data set: 40 % small text files, 30 % 1-4 MiB files, 30 % large
# random files; text compresses, random does not, as on a real file server.
MAKE_DATA = r"""
set -e
rm -rf {bench} && mkdir -p {bench}/data/small {bench}/data/medium {bench}/data/large
python3 - <<'PY'
import os, random
random.seed(4)
total = {megabytes} * 1024 * 1024
words = [b"ledger", b"invoice", b"staff", b"leave", b"policy", b"quarter", b"report", b"audit"]
small, medium, large = int(total * 0.4), int(total * 0.3), int(total * 0.3)
n = 0
while small > 0:
    size = random.randint(2_000, 60_000)
    with open(f"{bench}/data/small/f{{n:06d}}.txt", "wb") as out:
        out.write(b" ".join(random.choice(words) for _ in range(size // 7))[:size])
    small -= size; n += 1
m = 0
while medium > 0:
    size = random.randint(1 << 20, 4 << 20)
    with open(f"{bench}/data/medium/m{{m:04d}}.bin", "wb") as out:
        out.write(os.urandom(size // 2) + bytes(size - size // 2))
    medium -= size; m += 1
l = 0
while large > 0:
    size = min(large, 100 << 20)
    with open(f"{bench}/data/large/l{{l:02d}}.bin", "wb") as out:
        for _ in range(size >> 20):
            out.write(os.urandom(1 << 20))
    large -= size; l += 1
PY
sync
"""


def ssh(host: str, command: str) -> str:
    """Run a shell command on a lab host and return its output."""
    completed = subprocess.run(
        [RAMPART, "lab", "ssh", host, command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{host}: {command[:80]}... failed: {completed.stderr.strip()[-500:]}")
    return completed.stdout


def timed(host: str, command: str) -> float:
    """Seconds a shell command takes on the host (measured there, caches dropped first)."""
    output = ssh(
        host,
        f"sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; "
        f"start=$(date +%s.%N); {command} >/dev/null; end=$(date +%s.%N); "
        f'python3 -c "print($end - $start)"',
    )
    return float(output.strip().splitlines()[-1])


def backup_figures(host: str, megabytes: int) -> list[tuple[str, float]]:
    """cp -a, raw restic and rampart, backup and restore+verify, on one host."""
    ssh(host, MAKE_DATA.format(bench=BENCH, megabytes=megabytes))
    size = int(ssh(host, f"du -sb {BENCH}/data | cut -f1").split()[0])
    files = int(ssh(host, f"find {BENCH}/data -type f | wc -l").strip())
    config = {
        "host": host, "repository": f"{BENCH}/repo-rampart",
        "password_file": f"{BENCH}/password", "cache_dir": f"{BENCH}/cache",
        "state_dir": f"{BENCH}/state", "scratch_dir": f"{BENCH}/scratch",
        "textfile_dir": f"{BENCH}/textfile", "journal": f"{BENCH}/drill.jsonl",
        "data_sets": [{"name": "bench", "class": "internal", "paths": [f"{BENCH}/data"]}],
        "retention": {},
    }  # fmt: skip
    ssh(host, f"head -c 32 /dev/urandom | base64 > {BENCH}/password && chmod 400 {BENCH}/password")
    ssh(host, f"cat > {BENCH}/config.json <<'EOF'\n{json.dumps(config)}\nEOF")
    raw = (
        f"RESTIC_PASSWORD_FILE={BENCH}/password RESTIC_CACHE_DIR={BENCH}/cache "
        f"restic -q -r {BENCH}/repo-raw"
    )
    rampart = f"rampart backup --config {BENCH}/config.json"
    ssh(host, f"{raw} init && {rampart} init")
    rows = [("data set", float(size)), ("files", float(files))]
    rows.append(("cp -a", timed(host, f"cp -a {BENCH}/data {BENCH}/copy")))
    rows.append(("restic backup (raw)", timed(host, f"{raw} backup {BENCH}/data")))
    rows.append(("rampart backup run", timed(host, f"{rampart} run")))
    ssh(host, f"cd {BENCH} && find data -type f -print0 | xargs -0 sha256sum > sums")
    verify = f"cd {BENCH}/out{BENCH} && sha256sum --quiet -c {BENCH}/sums"
    rows.append(
        (
            "restic restore + sha256sum -c (raw)",
            timed(host, f"{raw} restore latest --target {BENCH}/out && {verify}"),
        )
    )
    rows.append(("rampart backup drill", timed(host, f"{rampart} drill")))
    ssh(host, f"rm -rf {BENCH}")
    return rows


def exporter_figures(
    counts: tuple[int, ...] = (10, 1_000, 10_000),
) -> list[tuple[int, float, float]]:
    """(snapshots, median scrape seconds, refresh seconds) for each snapshot count."""
    figures = []
    for count in counts:
        with tempfile.TemporaryDirectory() as scratch:
            snapshots = Path(scratch) / "hr-01" / "repo" / "snapshots"
            snapshots.mkdir(parents=True)
            (snapshots.parent / "config").write_bytes(b"c")
            for number in range(count):
                (snapshots / f"{number:064x}").write_bytes(b"s" * 300)
            cache = Cache(Path(scratch), "repo")
            started = time.monotonic()
            cache.refresh()
            refresh = time.monotonic() - started
            server = make_server(cache, "127.0.0.1", 0, WebConfig())
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
            scrapes = []
            for _ in range(50):
                begun = time.monotonic()
                with urllib.request.urlopen(url, timeout=10) as response:
                    response.read()
                scrapes.append(time.monotonic() - begun)
            server.shutdown()
            server.server_close()
            figures.append((count, statistics.median(scrapes), refresh))
    return figures


def main() -> int:
    """Print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="oa-01")
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--skip-backup", action="store_true")
    arguments = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 shared cores)")
    if not arguments.skip_backup:
        rows = dict(backup_figures(arguments.host, arguments.megabytes))
        print(
            f"\nBackup and restore+verify on {arguments.host}: "
            f"{rows['data set'] / 1e9:.2f} GB, {int(rows['files'])} files"
        )
        print(f"{'operation':40} {'seconds':>8} {'MB/s':>8} {'x raw':>7} {'x cp -a':>8}")
        pairs = {
            "cp -a": "cp -a",
            "restic backup (raw)": "restic backup (raw)",
            "rampart backup run": "restic backup (raw)",
            "restic restore + sha256sum -c (raw)": "restic restore + sha256sum -c (raw)",
            "rampart backup drill": "restic restore + sha256sum -c (raw)",
        }
        for name, reference in pairs.items():
            seconds = rows[name]
            print(
                f"{name:40} {seconds:8.1f} {rows['data set'] / 1e6 / seconds:8.1f} "
                f"{seconds / rows[reference]:7.2f} {seconds / rows['cp -a']:8.2f}"
            )
    print("\nBackup-server exporter (served from its cache; refresh runs in the background)")
    print(f"{'snapshots':>10} {'scrape ms (median of 50)':>26} {'refresh ms':>11}")
    for count, scrape, refresh in exporter_figures():
        print(f"{count:>10} {scrape * 1000:>26.2f} {refresh * 1000:>11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
