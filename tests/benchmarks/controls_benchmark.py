"""Access-control figures (issue 3), printed as a table; not a pass/fail test.

On a lab whose hosts nothing has converged yet: the first and a repeat run of
playbooks/access.yml, ssh.yml and firewall.yml, then the lockout drill (a ruleset that
blocks SSH; the host reverts by itself) and how long the play takes to report it.

Run as root from the repository root, on a fresh lab (`rampart lab up` without site.yml;
RAMPART_LAB_INSTANCE set as for the lab): `.venv/bin/python -m tests.benchmarks.controls_benchmark`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from tests.integration.conftest import PlaybookRun, playbook

PLAYBOOKS = ("access.yml", "ssh.yml", "firewall.yml")
REVERT_SECONDS = 15


def timed(name: str, *arguments: str) -> tuple[float, PlaybookRun]:
    """Seconds and result of one playbook run on the lab inventory."""
    started = time.monotonic()
    run = playbook(name, *arguments)
    return time.monotonic() - started, run


def main() -> int:
    rows = []
    for round_name in ("first run", "repeat run"):
        for name in PLAYBOOKS:
            seconds, run = timed(name)
            if run.returncode != 0:
                print(f"{name} failed on the {round_name}", file=sys.stderr)
                return 1
            rows.append((round_name, name, seconds))
    with tempfile.TemporaryDirectory() as scratch:
        variables = Path(scratch) / "lockout.json"
        variables.write_text(
            json.dumps(
                {
                    "firewall_input_extra_rules": ["tcp dport 22 drop"],
                    "firewall_revert_seconds": REVERT_SECONDS,
                }
            )
        )
        seconds, lockout = timed("firewall.yml", "--limit", "fin-01", "-e", f"@{variables}")
    reverted = lockout.returncode != 0 and "reverted after" in lockout.output
    restored, back = timed("firewall.yml", "--limit", "fin-01")
    print("| run | playbook | seconds |\n| --- | --- | --- |")
    for round_name, name, value in rows:
        print(f"| {round_name} | {name} | {value:.1f} |")
    print(
        f"\nlockout drill (revert timer {REVERT_SECONDS} s): play reported the revert:"
        f" {reverted}, after {seconds:.1f} s; normal ruleset back in {restored:.1f} s"
        f" (exit {back.returncode})"
    )
    return 0 if reverted and back.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
