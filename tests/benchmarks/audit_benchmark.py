"""File integrity figures (issue 12), printed as a table; not a pass/fail test.

On the controller, with the real AIDE through Rampart's own settings (`rampart.audit.
integrity`, the attributes the hosts use): a tree of N files (4 KiB each, in folders of
1,000) is baselined, checked unchanged, checked after 1% of the files changed, and the
changes accepted; each step's wall time and files/s. Then, if the lab is up, the time each
host's last scheduled check took (`rampart_integrity_check_duration_seconds` in its
textfile) and the paths its baseline covers.

Run as root from the repository root:
  .venv/bin/python -m tests.benchmarks.audit_benchmark [--files 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rampart.audit import integrity
from rampart.audit.config import AuditConfig

LAB_HOSTS = ("oa-01", "hr-01", "fin-01", "backup-01", "mon-01")
TEXTFILE = "/var/lib/prometheus/node-exporter/rampart_integrity.prom"


def make_tree(root: Path, files: int) -> None:
    """`files` files of 4 KiB, 1,000 to a folder."""
    block = b"x" * 4096
    for index in range(files):
        folder = root / f"d{index // 1000:04d}"
        if index % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"f{index:06d}").write_bytes(block)


def timed(step: str, action: Callable[[], object]) -> tuple[str, float]:
    """The step's name and how long `action` took."""
    started = time.monotonic()
    action()
    return step, time.monotonic() - started


def lab_figures() -> list[str]:
    """Each lab host's last check: seconds and entries, from its textfile."""
    rows = []
    for host in LAB_HOSTS:
        shown = subprocess.run(
            [".venv/bin/ansible", host, "-m", "ansible.builtin.command", "-a", f"cat {TEXTFILE}"],
            capture_output=True,
            text=True,
            check=False,
        )
        values = {}
        for line in shown.stdout.splitlines():
            if line.startswith("rampart_integrity_check_duration_seconds "):
                values["seconds"] = float(line.split()[-1])
            if line.startswith("rampart_integrity_entries "):
                values["entries"] = float(line.split()[-1])
        if values:
            rows.append(
                f"| {host} | {values.get('entries', 0):,.0f} | {values.get('seconds', 0):.1f} |"
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rampart-aide-bench-") as scratch:
        root = Path(scratch)
        tree = root / "tree"
        make_tree(tree, arguments.files)
        config = AuditConfig(
            host="bench",
            integrity_paths=(str(tree),),
            integrity_excludes=(),
            check_interval_seconds=86400,
            state_dir=root / "state",
            textfile_dir=root / "textfile",
            journal=root / "integrity.jsonl",
            rule_keys=(),
        )
        rows = [timed("baseline (aide --init)", lambda: integrity.baseline(config, "bench"))]
        rows.append(timed("check, nothing changed", lambda: integrity.check(config)))
        for index in range(0, arguments.files, 100):
            (tree / f"d{index // 1000:04d}" / f"f{index:06d}").write_bytes(b"changed")
        rows.append(timed("check, 1% changed", lambda: integrity.check(config)))
        rows.append(
            timed("accept (aide --update)", lambda: integrity.accept(config, "bench", "bench"))
        )
    print(f"AIDE on {arguments.files:,} files of 4 KiB (SHA-256 and attributes)")
    print("| step | seconds | files/s |")
    print("| --- | --- | --- |")
    for step, seconds in rows:
        print(f"| {step} | {seconds:.1f} | {arguments.files / seconds:,.0f} |")
    lab = lab_figures()
    if lab:
        print("\nThe lab's last scheduled checks (rampart_integrity_check_duration_seconds)")
        print("| host | paths in the baseline | seconds |")
        print("| --- | --- | --- |")
        print("\n".join(lab))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
