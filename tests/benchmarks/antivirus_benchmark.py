"""Antivirus figures (issue 12), printed as a table; not a pass/fail test.

On the controller, with a real clamd on a socket of its own and Rampart's signature
database (built with sigtool, as the mirror builds it): a data set of many small files,
medium files and a few large random ones is scanned
  - by `clamdscan --multiscan --fdpass` (what the scan timer runs; signatures already
    loaded in clamd),
  - by `clamscan -r` (loads the signatures itself on every run: that time is given apart),
  - by `rampart antivirus scan` (clamdscan plus the file count, the quarantine check and
    the metrics),
with MB/s and files/s each, clamd's signature load time and its resident memory.

With Rampart's two signatures the figures show the scanners' own cost (reading, file-type
detection, archive and document parsing), not the matching of ClamAV's official
databases, which also takes about 1.2 GiB of memory per clamd.

Run as root from the repository root (no lab needed):
  .venv/bin/python -m tests.benchmarks.antivirus_benchmark [--small 5000] [--medium 100]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rampart.antivirus import signatures

RAMPART = str(Path(sys.executable).with_name("rampart"))


def make_data(root: Path, small: int, medium: int, large: int) -> tuple[int, int]:
    """Small text files (4 KiB), medium ones (1 MiB, half text, half random), a few large
    random ones (32 MiB); returns (files, bytes)."""
    text = (b"Quarterly report line, figures and notes. " * 100)[:4096]
    for index in range(small):
        folder = root / f"team-{index % 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{index}.txt").write_bytes(text)
    for index in range(medium):
        body = (text * 128) if index % 2 else os.urandom(1 << 20)
        (root / f"doc-{index}.bin").write_bytes(body)
    for index in range(large):
        (root / f"archive-{index}.dat").write_bytes(os.urandom(32 << 20))
    files = small + medium + large
    return files, small * 4096 + medium * (1 << 20) + large * (32 << 20)


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--medium", type=int, default=100)
    parser.add_argument("--large", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rampart-av-bench."))
    try:
        mirror, database = work / "mirror", work / "clamav"
        database.mkdir()
        built = time.perf_counter()
        signatures.build(mirror)
        build_seconds = time.perf_counter() - built
        shutil.copy2(mirror / signatures.DATABASE, database)
        data = work / "data"
        files, size = make_data(data, options.small, options.medium, options.large)
        socket, config = work / "clamd.ctl", work / "clamd.conf"
        settings_text = (
            f"LocalSocket {socket}\nDatabaseDirectory {database}\nForeground yes\n"
            f"MaxThreads {options.threads}\nLogFile {work / 'clamd.log'}\n"
        )
        # clamd remembers the files it found clean: the scans below run without that
        # cache (every byte read and parsed), and once more with it (an unchanged data set
        # scanned again by the same clamd, as the daily scan mostly is).
        config.write_text(settings_text + "DisableCache yes\n")
        started = time.perf_counter()
        clamd = subprocess.Popen(
            ["clamd", f"--config-file={config}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not socket.exists():
            time.sleep(0.01)
        load_seconds = time.perf_counter() - started
        try:
            rows = []
            multiscan = ["clamdscan", f"--config-file={config}", "--multiscan", "--fdpass"]
            seconds, _ = timed([*multiscan, "--no-summary", str(data)])
            rows.append(("clamdscan --multiscan --fdpass", seconds, 0.0))
            empty = work / "empty"
            empty.mkdir()
            base = ["clamscan", f"--database={database}", "--no-summary", "-r"]
            load, _ = timed([*base, str(empty)])
            seconds, _ = timed([*base, str(data)])
            rows.append(("clamscan -r (minus its signature load)", seconds - load, load))
            settings = work / "antivirus.json"
            settings.write_text(
                json.dumps(
                    {
                        "host": "bench",
                        "scans": [
                            {"data_set": "bench", "data_class": "internal", "paths": [str(data)]}
                        ],
                        "signature_max_age_seconds": 86400,
                        "scan_interval_seconds": 86400,
                        "quarantine_dir": str(work / "quarantine"),
                        "database_dir": str(database),
                        "textfile_dir": str(work / "textfile"),
                        "journal": str(work / "antivirus.jsonl"),
                        "clamd_config": str(config),
                    }
                )
            )
            seconds, done = timed([RAMPART, "antivirus", "--config", str(settings), "scan"])
            assert done.returncode == 0, done.stdout + done.stderr
            rows.append(("rampart antivirus scan", seconds, 0.0))
            memory = rss_mb(clamd.pid)
        finally:
            clamd.terminate()
            clamd.wait(timeout=30)
        config.write_text(settings_text)
        clamd = subprocess.Popen(
            ["clamd", f"--config-file={config}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not socket.exists():
                time.sleep(0.01)
            timed([*multiscan, "--no-summary", str(data)])
            seconds, _ = timed([*multiscan, "--no-summary", str(data)])
            rows.append(("clamdscan again, clamd's clean-file cache", seconds, 0.0))
        finally:
            clamd.terminate()
            clamd.wait(timeout=30)
        print(f"data set: {files} files, {size / 1e6:.1f} MB; {options.threads} clamd threads")
        print(f"Rampart's database built and checked against EICAR in {build_seconds:.2f} s")
        print(f"clamd: signatures loaded in {load_seconds:.2f} s, resident memory {memory:.1f} MB")
        print(f"{'scanner':<42} {'seconds':>8} {'MB/s':>8} {'files/s':>9} {'load s':>7}")
        for name, seconds, load in rows:
            print(
                f"{name:<42} {seconds:8.2f} {size / 1e6 / seconds:8.1f}"
                f" {files / seconds:9.0f} {load:7.2f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
