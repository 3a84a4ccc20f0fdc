"""`rampart evidence export`: one archive of a month's or quarter's evidence, for the auditor.

The archive (`rampart-evidence-<period>.tar.gz`, one folder of the same name inside) holds
the period's evaluation (REG-7.2), the controls matrix and an access review taken at export
time (REG-6.2.3), each host's restore drills and restores of the period (REG-4.2.5), its
antivirus and integrity journals and the security audit's reports kept on it (REG-4.2.3,
REG-4.2.4), and the runbook runs begun in the period with their evidence reports (REG-9.2),
on the hosts and on this controller; `README.txt` says what each file is and what is
missing, `SHA256SUMS` is checked with `sha256sum -c SHA256SUMS`. It is written whole or
not at all (a partial file is renamed into place only at the end), and an existing archive
is never overwritten.

Anything the export could not collect (a host that did not answer, a journal line with no
time) is listed under "Gaps" in README.txt and on stderr, and the exit status is 1: the
archive is still written, and says it is incomplete.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import shlex
import socket
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from rampart.access.report import document as access_document
from rampart.access.report import review_fleet
from rampart.antivirus.config import DEFAULT_CONFIG as ANTIVIRUS_CONFIG
from rampart.audit.config import DEFAULT_CONFIG as AUDIT_CONFIG
from rampart.audit.run import KEPT_DIR
from rampart.backup.config import DEFAULT_CONFIG
from rampart.errors import ConfigError, RemoteError
from rampart.evidence import host_evidence
from rampart.inventory import Inventory, load_inventory
from rampart.monitoring.controls_report import controls_now
from rampart.monitoring.controls_report import document as controls_document
from rampart.monitoring.evaluation.period import Period
from rampart.monitoring.evaluation.report import choose_period, report_evaluation
from rampart.runbook.journal import DEFAULT_RUNS_DIRECTORY, runs_directory
from rampart.ssh import output_of, target_from_vars

PARALLEL_HOSTS = 8
COLLECT_TIMEOUT_SECONDS = 120
CONTROLLER = "controller"
CONTENTS = """\
evaluation/report.html, .pdf, .json   the period's availability evaluation (REG-7.2)
controls.json                         the controls matrix at export time (rampart report controls)
access/review.json                    the access review, run at export time (REG-6.2.3)
hosts/<host>/backup/drill.jsonl       that host's restore drills in the period (REG-4.2.5)
hosts/<host>/backup/restore.jsonl     that host's restores in the period
hosts/<host>/antivirus/antivirus.jsonl  that host's scans, quarantined and released files in
                                      the period (REG-4.2.4)
hosts/<host>/audit/integrity.jsonl   that host's AIDE baselines and accepted changes (who,
                                      why, which files) in the period (REG-4.2.3)
hosts/<host>/audit/reports/          the security audit's reports kept there (the drill host,
                                      the backup server's copies) for days of the period:
                                      JSON, HTML and their sha256 (REG-4.2.3)
hosts/<host>/runbooks/<run>/          runbook runs begun there in the period: journal.jsonl,
                                      evidence.md (REG-9.2; the drill host runs the drills)
controller/runbooks/<run>/            runbook runs begun on the controller that exported
SHA256SUMS                            every other file's sha256: sha256sum -c SHA256SUMS
"""


@dataclass(frozen=True)
class Collected:
    """What one place gave: archive name -> text, and what it could not give."""

    files: dict[str, str]
    problems: list[str]


def _collected(place: str, document: dict[str, object]) -> Collected:
    files = document.get("files")
    problems = document.get("problems")
    if not isinstance(files, dict) or not isinstance(problems, list):
        return Collected({}, [f"{place}: not collected: the answer is not the expected JSON"])
    return Collected(
        {f"{place}/{name}": str(text) for name, text in files.items()},
        [f"{place}: {problem}" for problem in problems],
    )


def collect_host(inventory: Inventory, host: str, period: Period, script: str) -> Collected:
    """A host's evidence, read by `script` (host_evidence.py) running there."""
    command = shlex.join(
        [
            "python3",
            "-",
            period.start.isoformat(),
            period.end.isoformat(),
            str(DEFAULT_CONFIG),
            str(DEFAULT_RUNS_DIRECTORY),
            str(ANTIVIRUS_CONFIG),
            str(AUDIT_CONFIG),
            str(KEPT_DIR),
        ]
    )
    try:
        target = target_from_vars(host, inventory.hosts[host].vars)
        answer = output_of(target, command, timeout=COLLECT_TIMEOUT_SECONDS, input_text=script)
        return _collected(f"hosts/{host}", json.loads(answer))
    except (RemoteError, ValueError) as error:
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        return Collected({}, [f"hosts/{host}: not collected: {reason}"])


def collect_controller(period: Period) -> Collected:
    """The runbook runs begun on this machine (the runs folder `rampart runbook` uses)."""
    found = host_evidence.collect(period.start, period.end, runs_directory(None))
    return _collected(CONTROLLER, found)


def readme(period: Period, made: datetime, inventory: Path, problems: list[str]) -> str:
    """What the archive is, who made it when, what each file is, and what is missing."""
    to_date = "" if period.complete else f", to date: as of {period.as_of:%Y-%m-%d %H:%M}"
    gaps = [f"- {problem}" for problem in problems] or ["- none: every host answered"]
    return "\n".join(
        [
            f"Rampart evidence: {period.title} ({period.label})",
            f"Period: {period.start:%Y-%m-%d %H:%M} to {period.end:%Y-%m-%d %H:%M}"
            f" ({period.start.tzinfo}){to_date}",
            f"Made: {made:%Y-%m-%d %H:%M:%S %Z} by {getpass.getuser()}@{socket.gethostname()}"
            f" from the inventory {inventory}",
            "",
            CONTENTS,
            "Gaps (what this archive could not collect):",
            *gaps,
            "",
        ]
    )


def checksums(root: Path) -> str:
    """`sha256sum` lines for every file under `root`, by name."""
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(root).as_posix()}")
    return "\n".join(lines) + "\n"


@contextmanager
def written_whole(destination: Path) -> Iterator[Path]:
    """A partial file beside `destination`, renamed onto it when the block ends well and
    removed when it does not; `destination` never exists half-written."""
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        yield partial
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)


def pack(root: Path, destination: Path, made: datetime) -> None:
    """`root` as a .tar.gz, files sorted, owned by nobody in particular, timed `made`."""
    with written_whole(destination) as partial:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as tar:
            for path in [root, *sorted(root.rglob("*"))]:
                info = tar.gettarinfo(str(path), arcname=path.relative_to(root.parent).as_posix())
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = int(made.timestamp())
                info.mode = 0o755 if path.is_dir() else 0o644
                if path.is_file():
                    tar.addfile(info, io.BytesIO(path.read_bytes()))
                else:
                    tar.addfile(info)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def export_evidence(
    inventory_path: Path,
    *,
    month: str | None,
    quarter: str | None,
    output: Path | None,
    now: datetime | None = None,
) -> int:
    """Write the period's evidence archive; 1 when something could not be collected."""
    inventory = load_inventory(inventory_path)
    zone = ZoneInfo(inventory.time_zone)
    made = (now or datetime.now(zone)).astimezone(zone)
    period = choose_period(month, quarter, made)
    name = f"rampart-evidence-{period.label}"
    archive = output if output is not None else Path(f"{name}.tar.gz")
    if archive.exists():
        raise ConfigError(
            f"{archive}: exists; evidence is never overwritten, give another --output"
        )
    if not archive.parent.is_dir():
        raise ConfigError(f"{archive.parent}: no such folder for the archive")
    with tempfile.TemporaryDirectory(prefix="rampart-evidence-") as staging:
        root = Path(staging) / name
        report_evaluation(
            inventory_path,
            month=month,
            quarter=quarter,
            as_json=False,
            html=None,
            pdf=None,
            output=root / "evaluation",
            now=made,
        )
        rows, as_of = controls_now(inventory)
        write(root / "controls.json", json.dumps(controls_document(rows, as_of), indent=2) + "\n")
        review = review_fleet(inventory, publish_metrics=False)
        write(root / "access/review.json", json.dumps(access_document(review), indent=2) + "\n")
        hosts = sorted(inventory.hosts)
        script = resources.files("rampart.evidence").joinpath("host_evidence.py").read_text("utf-8")
        with ThreadPoolExecutor(max_workers=PARALLEL_HOSTS) as pool:
            places = list(
                pool.map(lambda host: collect_host(inventory, host, period, script), hosts)
            )
        places.append(collect_controller(period))
        problems = [problem for place in places for problem in place.problems]
        for place in places:
            for member, text in place.files.items():
                write(root / member, text)
        write(root / "README.txt", readme(period, made, inventory_path, problems))
        write(root / "SHA256SUMS", checksums(root))
        files = sum(1 for path in root.rglob("*") if path.is_file())
        pack(root, archive, made)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    sys.stdout.write(
        f"evidence {period.label}: {archive} ({files} files, {archive.stat().st_size} bytes,"
        f" sha256 {digest})\n"
    )
    for problem in problems:
        print(f"rampart: warning: {problem}", file=sys.stderr)
    return 1 if problems else 0
