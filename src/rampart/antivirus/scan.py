"""The scheduled scan: every data set's folders through clamd, infected files into the
quarantine, and the results as metrics and journal lines (REG-4.2.4).

`clamdscan --multiscan --fdpass` has clamd scan with all its threads, handed each file by
descriptor, so clamd needs no read access of its own to the data. clamdscan names each
infected file (`PATH: SIGNATURE FOUND`) and each file it could not scan (`ERROR`); files
and bytes are counted here, on the same walk a scan covers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rampart.antivirus import quarantine
from rampart.antivirus.config import AntivirusConfig, Scan
from rampart.commands import run
from rampart.file_walk import walk_files
from rampart.journal import Journal
from rampart.textfile import Family, render, write_atomically

SCAN_TEXTFILE = "rampart_antivirus_scan.prom"
FOUND = " FOUND"
SCAN_TIMEOUT_SECONDS = 6 * 3600


@dataclass
class ScanResult:
    """What one data set's scan found."""

    scan: Scan
    started: float
    seconds: float = 0.0
    files: int = 0
    bytes: int = 0
    infected: list[tuple[str, str]] = field(default_factory=list)
    """(path, signature) of every infected file found."""
    quarantined: list[quarantine.Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        """Whether every file was scanned (infected or not)."""
        return not self.errors


def count(paths: tuple[str, ...]) -> tuple[int, int, list[str]]:
    """Regular files and their bytes under `paths` (symbolic links not followed), and the
    paths that are missing."""
    missing = [path for path in paths if not Path(path).is_dir()]
    files = size = 0
    for path in walk_files(path for path in paths if path not in missing):
        try:
            size += path.lstat().st_size
        except OSError:
            continue  # gone since the walk saw it
        files += 1
    return files, size, missing


def parse(output: str) -> list[tuple[str, str]]:
    """(path, signature) of each `PATH: SIGNATURE FOUND` line of clamdscan."""
    found = []
    for line in output.splitlines():
        if line.endswith(FOUND) and ": " in line:
            path, signature = line[: -len(FOUND)].rsplit(": ", 1)
            found.append((path, signature))
    return found


def errors_of(stderr: str) -> list[str]:
    """clamdscan's complaints: files it could not scan, a clamd it could not reach."""
    return [line.strip() for line in stderr.splitlines() if line.strip()]


def scan_one(config: AntivirusConfig, scan: Scan) -> ScanResult:
    """Scan one data set and quarantine what is found."""
    result = ScanResult(scan, time.time())
    began = time.monotonic()
    result.files, result.bytes, missing = count(scan.paths)
    result.errors += [f"{path}: the data set's folder is missing" for path in missing]
    present = [path for path in scan.paths if path not in missing]
    if present:
        options = ["--multiscan", "--fdpass", "--no-summary", "--infected"]
        done = run(
            [*config.clamdscan, *options, *present], check=False, timeout=SCAN_TIMEOUT_SECONDS
        )
        result.infected = parse(done.stdout)
        # Exit 1 is "found"; without a FOUND line, or above 1, something else went wrong.
        unexplained = done.returncode > 1 or (done.returncode == 1 and not result.infected)
        fallback = [f"clamdscan exit {done.returncode}"] if unexplained else []
        result.errors += errors_of(done.stderr) or fallback
    for path, signature in result.infected:
        try:
            entry = quarantine.quarantine(
                config.quarantine_dir, Path(path), signature, scan.data_set
            )
        except OSError as error:
            result.errors.append(f"{path}: found {signature}, cannot quarantine it: {error}")
            continue
        result.quarantined.append(entry)
    result.seconds = time.monotonic() - began
    return result


def scan_all(config: AntivirusConfig) -> list[ScanResult]:
    """Scan every data set, journal each and write the metrics."""
    results = []
    with Journal(config.journal, host=config.host) as journal:
        for scan in config.scans:
            result = scan_one(config, scan)
            for entry in result.quarantined:
                journal.write("file_quarantined", **entry.__dict__)
            journal.write(
                "scan_finished",
                data_set=scan.data_set,
                files=result.files,
                bytes=result.bytes,
                seconds=round(result.seconds, 3),
                infected=len(result.infected),
                errors=result.errors,
            )
            results.append(result)
    write_scan_metrics(config, results)
    return results


def write_scan_metrics(config: AntivirusConfig, results: list[ScanResult]) -> None:
    """The scan of each data set, in the node_exporter's textfile folder."""
    write_atomically(config.textfile_dir / SCAN_TEXTFILE, render(scan_families(results)))


def scan_families(results: list[ScanResult]) -> list[Family]:
    """The scan metrics of each data set."""
    last = Family(
        "rampart_antivirus_scan_last_timestamp_seconds", "When the last scan of the data set ended."
    )
    success = Family(
        "rampart_antivirus_scan_success", "1 when the last scan read every file of the data set."
    )
    files = Family("rampart_antivirus_scan_files", "Files the last scan covered.")
    size = Family("rampart_antivirus_scan_bytes", "Bytes the last scan covered.")
    seconds = Family("rampart_antivirus_scan_duration_seconds", "How long the last scan took.")
    infected = Family(
        "rampart_antivirus_scan_infected_files",
        "Infected files the last scan found (each quarantined).",
    )
    for result in results:
        labels = {"data_set": result.scan.data_set, "data_class": result.scan.data_class}
        last.add(result.started + result.seconds, **labels)
        success.add(1 if result.success else 0, **labels)
        files.add(result.files, **labels)
        size.add(result.bytes, **labels)
        seconds.add(round(result.seconds, 3), **labels)
        infected.add(len(result.infected), **labels)
    return [last, success, files, size, seconds, infected]
