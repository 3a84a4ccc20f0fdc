"""`rampart exporter availability`: load the config, start the prober, serve metrics."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from rampart.exporters.availability.config import ExporterConfig, load_config
from rampart.exporters.availability.exposition import AvailabilityExposition
from rampart.exporters.availability.scheduler import Scheduler
from rampart.exporters.availability.state import AvailabilityState
from rampart.exporters.web import MetricsServer, load_web_config

LOG = logging.getLogger("rampart.availability")


def build(config: ExporterConfig) -> tuple[AvailabilityState, Scheduler, MetricsServer]:
    """Wire state, scheduler and server for a configuration (nothing started yet)."""
    web = load_web_config(config.web_config_file)
    state = AvailabilityState(config)
    address = (config.listen_address, config.listen_port)
    server = MetricsServer(address, AvailabilityExposition(state.snapshot).body, web)
    return state, Scheduler(config.checks, state), server


def check_config(path: Path) -> int:
    """Validate the configuration and its web config without serving; 0 when fine."""
    config = load_config(path)
    load_web_config(config.web_config_file)
    print(f"{path}: {len(config.services)} services, {len(config.checks)} checks")
    return 0


def serve(path: Path) -> int:
    """Run until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    config = load_config(path)
    _state, scheduler, server = build(config)
    stopping = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    LOG.info(
        "probing %d checks of %d services; serving on %s:%d (%s)",
        len(config.checks),
        len(config.services),
        config.listen_address,
        config.listen_port,
        "TLS" if server.tls else "plain HTTP",
    )
    server.serve_forever()
    scheduler.stop()
    server.server_close()
    return 0
