"""A real Prometheus (Debian's package) on loopback for unit tests: given scrape targets
and rule files, started in a temporary folder and stopped after."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from rampart.errors import RampartError


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ask(base: str, query: str) -> Any:
    """The JSON answer of an instant query."""
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


@contextmanager
def running_prometheus(
    folder: Path,
    targets: dict[str, str],
    rule_files: Sequence[Path] = (),
    ready: str = "up",
    timeout: float = 90,
    flags: Sequence[str] = (),
    scheme: str = "http",
    asking: Callable[[str, str], Any] = ask,
) -> Iterator[str]:
    """Prometheus scraping `targets` (job -> host:port; `self` is itself) every second and
    evaluating `rule_files` every second, started with extra `flags`; yields its base URL
    once `ready` has a result (asked with `asking`: give one that speaks TLS and basic auth
    with a web config among the flags). Data already in `folder`/data is kept."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed: run `make system-packages`")
    port = free_port()
    jobs = {**targets, "self": f"127.0.0.1:{port}"}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in jobs.items()
        ],
    }
    config_file = folder / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            *flags,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"{scheme}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if asking(base, ready)["data"]["result"]:
                    break
            except (OSError, RampartError):
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"Prometheus had no result for {ready} within {timeout:.0f} s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
