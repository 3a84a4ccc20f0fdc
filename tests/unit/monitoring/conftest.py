"""A small monitored fleet in one process, for the dashboards' and the report's unit tests:
Rampart's real availability exporter (its exposition and web server) with results for two
services (the portal up, mail down), the real backup, drill, backup-server, access and
storage metric families served as a textfile would be, and a real Prometheus scraping both and
evaluating monitoring/rules/.
"""

from __future__ import annotations

import grp
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from rampart.access.report import metrics_text
from rampart.backup.drill import drill_families
from rampart.backup.state import backup_families
from rampart.checks import Outcome, ProbeCheck
from rampart.exporters.availability.config import ExporterConfig, ProbeService
from rampart.exporters.availability.exposition import AvailabilityExposition
from rampart.exporters.availability.state import AvailabilityState
from rampart.exporters.backup_server import BackupServerCollector, CacheState, RepositoryFacts
from rampart.exporters.web import MetricsServer, WebConfig
from rampart.storage.config import Folder, StorageConfig
from rampart.storage.status import status_families
from rampart.textfile import render
from tests.unit.prometheus_server import running_prometheus

ROOT = Path(__file__).resolve().parents[3]
RULES = sorted((ROOT / "monitoring" / "rules").glob("*.yml"))
PORTAL, MAIL = "office-portal", "mail"
PROBE_SECONDS = 0.2


def _check(service: str, name: str, kind: str) -> ProbeCheck:
    return ProbeCheck(service, "oa-01", "127.0.0.1", name, kind, 80, True, 5, 1)


STORAGE_VOLUME = Path(tempfile.gettempdir(), "rampart-dashboard-volume")
"""The fleet's data volume: a small tmpfs the fixture mounts, so its free space stays still
(a trend on this machine's own disk could make the full-soon alert fire)."""
STORAGE = StorageConfig(
    STORAGE_VOLUME,
    ("nodev",),
    7 * 86400.0,
    (Folder("portal-content", "public", STORAGE_VOLUME / "portal", "adm", 0o2755),),
    (),
    STORAGE_VOLUME,
)
CHECKS = {PORTAL: _check(PORTAL, "health", "http"), MAIL: _check(MAIL, "smtp", "smtp")}
CONFIG = ExporterConfig(
    "127.0.0.1",
    0,
    None,
    (
        ProbeService(PORTAL, 0.995, 1.0, (), (CHECKS[PORTAL],)),
        ProbeService(MAIL, 0.995, None, (), (CHECKS[MAIL],)),
    ),
)


def textfile_metrics(now: float) -> str:
    """What node_exporter's textfile collector and the backup server would serve."""
    backup_state: dict[str, Any] = {
        "classes": {
            "internal": {
                "last_success": now - 3600,
                "last_run": now - 3600,
                "exit_status": 0,
                "duration": 12.5,
                "bytes_added": 2048,
                "files": 3,
                "snapshots": 2,
            }
        },
        "check": {"time": now - 1800, "ok": True, "exit_status": 0},
        "locks": {"count": 0, "oldest_age": 0},
    }
    drills = {
        "internal": {
            "last_run": now - 600,
            "last_success": now - 600,
            "success": 1,
            "rto_seconds": 42.0,
            "rpo_seconds": 3000.0,
            "files_verified": 3,
            "bytes_verified": 2048,
            "mismatches": 0,
            "outcome": "passed",
            "reason": "",
        }
    }
    server = CacheState((RepositoryFacts("oa-01", 2, now - 3600, 4096, 0, None),), True, now)
    registry = CollectorRegistry()
    registry.register(BackupServerCollector(lambda: server, clock=lambda: now))
    families = backup_families(backup_state) + drill_families(drills)
    families += status_families(STORAGE)
    return render(families) + generate_latest(registry).decode() + metrics_text(0, now - 120)


class _Textfile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = textfile_metrics(time.time()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def rules_without_waiting(folder: Path) -> list[Path]:
    """The shipped rules, with every alert's `for` removed so alerts fire at once."""
    copies = []
    for path in RULES:
        document = yaml.safe_load(path.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                rule.pop("for", None)
        copy = folder / path.name
        copy.write_text(yaml.safe_dump(document))
        copies.append(copy)
    return copies


@dataclass
class Fleet:
    """The running pieces: Prometheus' URL and the prober's state."""

    prometheus: str
    state: AvailabilityState

    def down_seconds(self, service: str) -> float:
        """The prober's own count of a service's downtime so far."""
        return next(
            status.down_seconds
            for status in self.state.snapshot().services
            if status.service.id == service
        )


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """The fleet, once Prometheus has several scrapes and RampartServiceDown fires for mail."""
    state = AvailabilityState(CONFIG)
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            state.record(CHECKS[PORTAL], Outcome(True, 0.02, "ok"))
            state.record(CHECKS[MAIL], Outcome(False, 0.3, "refused"))
            stop.wait(PROBE_SECONDS)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    exposition = AvailabilityExposition(state.snapshot)
    exporter = MetricsServer(("127.0.0.1", 0), exposition.body, WebConfig())
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    textfile = ThreadingHTTPServer(("127.0.0.1", 0), _Textfile)
    threading.Thread(target=textfile.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("fleet")
    STORAGE_VOLUME.mkdir(exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755,nodev", "rampart-test", STORAGE_VOLUME],
        check=True,
    )
    (STORAGE_VOLUME / "portal").mkdir()
    os.chown(STORAGE_VOLUME / "portal", 0, grp.getgrnam("adm").gr_gid)
    (STORAGE_VOLUME / "portal").chmod(0o2755)
    targets = {
        "rampart-availability": f"127.0.0.1:{exporter.server_address[1]}",
        "node": f"127.0.0.1:{textfile.server_address[1]}",
    }
    firing = f'ALERTS{{alertname="RampartServiceDown", alertstate="firing", service="{MAIL}"}}'
    try:
        with running_prometheus(folder, targets, rules_without_waiting(folder), firing) as base:
            time.sleep(3)  # a few more scrapes: increase() and rate() need two samples
            yield Fleet(base, state)
    finally:
        stop.set()
        exporter.shutdown()
        textfile.shutdown()
        subprocess.run(["umount", STORAGE_VOLUME], check=True)
        STORAGE_VOLUME.rmdir()
