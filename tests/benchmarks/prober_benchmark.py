"""The availability prober's cost (issues 5 and 16), printed as tables; not a pass/fail test.

Run from the repository root: `.venv/bin/python -m tests.benchmarks.prober_benchmark`.
It starts loopback TCP listeners in a child process (so their work is not counted), then:

1. runs the prober's scheduler with 2,000 TCP checks for a while and reports its CPU time
   per 1,000 checks, then the latency of a scrape over HTTP, plain and gzipped (as
   Prometheus asks), in three cases: while results keep arriving (the table says how many
   between two scrapes), steady (no new result: the cached bytes), and after every check changed
   (a scrape interval longer than the checks' interval: a full rebuild);
2. if Debian's prometheus-blackbox-exporter is installed, probes the same targets through
   it and through Rampart's probe, side by side: CPU per probe, and the latency each adds
   over a raw TCP connect.
Every address is on loopback (127.0.0.1).
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from rampart.checks import Outcome, ProbeCheck, run_check
from rampart.exporters.availability.config import ExporterConfig, ProbeService
from rampart.exporters.availability.exposition import AvailabilityExposition
from rampart.exporters.availability.scheduler import Scheduler
from rampart.exporters.availability.state import AvailabilityState
from rampart.exporters.web import MetricsServer, WebConfig

CHECKS = 2000
LISTENERS = 50
INTERVAL_SECONDS = 10.0
RUN_SECONDS = 30.0
SCRAPES = 40
FULL_REBUILDS = 10
SIDE_BY_SIDE_PROBES = 1000
BLACKBOX_PORT = 19115

LISTENER_SCRIPT = """
import selectors, socket, sys
selector = selectors.DefaultSelector()
ports = []
for _ in range(int(sys.argv[1])):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    ports.append(listener.getsockname()[1])
print(" ".join(map(str, ports)), flush=True)
while True:
    for key, _ in selector.select():
        try:
            client, _ = key.fileobj.accept()
            client.close()
        except OSError:
            pass
"""


def start_listeners() -> tuple[subprocess.Popen[str], list[int]]:
    """Loopback listeners that accept and close, in a child process."""
    child = subprocess.Popen(
        [sys.executable, "-c", LISTENER_SCRIPT, str(LISTENERS)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    return child, [int(port) for port in child.stdout.readline().split()]


def tcp_checks(ports: list[int], count: int) -> tuple[ProbeCheck, ...]:
    """`count` TCP checks spread over 100 services and the listeners."""
    return tuple(
        ProbeCheck(
            service=f"service-{index % 100:03d}",
            host=f"host-{index % 20:02d}",
            address="127.0.0.1",
            name=f"check-{index:04d}",
            type="tcp",
            port=ports[index % len(ports)],
            critical=True,
            interval_seconds=INTERVAL_SECONDS,
            timeout_seconds=2.0,
        )
        for index in range(count)
    )


def config_for(checks: tuple[ProbeCheck, ...]) -> ExporterConfig:
    """One service per distinct service name."""
    services = sorted({check.service for check in checks})
    return ExporterConfig(
        "127.0.0.1",
        0,
        None,
        tuple(
            ProbeService(name, 0.999, 1.0, (), tuple(c for c in checks if c.service == name))
            for name in services
        ),
    )


def cpu_seconds() -> float:
    """User plus system CPU time of this process (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], fraction: float) -> float:
    """A simple nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scrape(url: str, compressed: bool) -> tuple[float, int, float]:
    """One GET of /metrics: seconds until its last byte, bytes received, and the process's
    CPU seconds meanwhile (server and client; probes too while they run)."""
    headers = {"Accept-Encoding": "gzip"} if compressed else {}
    cpu, begun = cpu_seconds(), time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        size = len(response.read())
    return time.perf_counter() - begun, size, cpu_seconds() - cpu


def print_latencies(case: str, compressed: bool, figures: list[tuple[float, int, float]]) -> None:
    """One table row: median, p95 and max scrape time, median CPU, and size on the wire."""
    times = [seconds for seconds, _, _ in figures]
    print(
        f"{case:<24} {'gzip' if compressed else 'plain':>5}"
        f" {1000 * statistics.median(times):>9.1f} {1000 * percentile(times, 0.95):>9.1f}"
        f" {1000 * max(times):>9.1f} {1000 * statistics.median(c for _, _, c in figures):>7.1f}"
        f" {statistics.median(s for _, s, _ in figures) / 1024:>7.0f}"
    )


def prober_figures(ports: list[int]) -> None:
    """CPU per 1,000 checks and scrape latency with 2,000 checks configured."""
    checks = tcp_checks(ports, CHECKS)
    config = config_for(checks)
    state = AvailabilityState(config)
    probes = 0

    def counted(check: ProbeCheck) -> Outcome:
        nonlocal probes
        probes += 1
        return run_check(check)

    exposition = AvailabilityExposition(state.snapshot)
    server = MetricsServer(("127.0.0.1", 0), exposition.body, WebConfig())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
    scheduler = Scheduler(checks, state, probe=counted)
    scheduler.start()
    time.sleep(INTERVAL_SECONDS + 1)  # every check has run once: the state is full
    cpu_before, probes_before, started = cpu_seconds(), probes, time.monotonic()
    time.sleep(RUN_SECONDS)
    cpu_used, probes_done = cpu_seconds() - cpu_before, probes - probes_before
    elapsed = time.monotonic() - started
    changing: dict[bool, list[tuple[float, int, float]]] = {False: [], True: []}
    generations = []  # at each scrape's start: the results recorded between two scrapes
    for index in range(2 * SCRAPES):
        generations.append(state.snapshot().generation)
        changing[index % 2 == 1].append(scrape(url, index % 2 == 1))
        time.sleep(0.2)
    changed_between = [later - earlier for earlier, later in itertools.pairwise(generations)]
    scheduler.stop()
    steady = {
        compressed: [scrape(url, compressed) for _ in range(SCRAPES)]
        for compressed in (False, True)
    }
    full: dict[bool, list[tuple[float, int, float]]] = {False: [], True: []}
    for index in range(2 * FULL_REBUILDS):
        for check in checks:
            state.record(check, Outcome(True, 0.001, "ok"))
        full[index % 2 == 1].append(scrape(url, index % 2 == 1))
    server.shutdown()
    failures = sum(1 for result in state.snapshot().results if not result.outcome.success)
    print(f"\nRampart prober: {CHECKS} TCP checks every {INTERVAL_SECONDS:.0f} s on loopback")
    print(f"{'figure':<44} {'value':>12}")
    print(f"{'probes run in the measured window':<44} {probes_done:>12}")
    print(f"{'probes per second':<44} {probes_done / elapsed:>12.1f}")
    print(f"{'CPU seconds per 1,000 checks (process)':<44} {1000 * cpu_used / probes_done:>12.3f}")
    print(f"{'CPU share of one core':<44} {100 * cpu_used / elapsed:>11.1f}%")
    between = statistics.median(changed_between)
    print(f"{'new results between two scrapes (median)':<44} {between:>12.0f}")
    print(f"{'failed checks (should be 0)':<44} {failures:>12}")
    print(f"\nScrapes over HTTP, {SCRAPES} each ({FULL_REBUILDS} after every check changed);")
    print("CPU ms: the whole process during the scrape (client and server; probes too while")
    print("results arrive), the load-independent part of the figure")
    columns = ("median ms", "p95 ms", "max ms")
    print(f"{'case':<24} {'body':>5} " + " ".join(f"{c:>9}" for c in columns) + "  CPU ms     KiB")
    for case, figures in [
        ("results arriving", changing),
        ("steady (no new result)", steady),
        ("every check changed", full),
    ]:
        for compressed in (False, True):
            print_latencies(case, compressed, figures[compressed])


def raw_connect_seconds(port: int) -> float:
    """One plain TCP connect and close."""
    begun = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), 2):
        pass
    return time.perf_counter() - begun


def blackbox_probe(port: int) -> float:
    """One probe through blackbox_exporter; its own probe_duration_seconds."""
    url = f"http://127.0.0.1:{BLACKBOX_PORT}/probe?module=tcp_connect&target=127.0.0.1:{port}"
    with urllib.request.urlopen(url) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("probe_duration_seconds "):
                return float(line.split()[1])
    raise RuntimeError("blackbox_exporter returned no probe_duration_seconds")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def side_by_side(ports: list[int]) -> None:
    """Rampart's probe and blackbox_exporter's tcp_connect on the same targets."""
    binary = shutil.which("prometheus-blackbox-exporter")
    if binary is None:
        print("\n(prometheus-blackbox-exporter not installed: side-by-side skipped)")
        return
    folder = Path(tempfile.mkdtemp())
    (folder / "blackbox.yml").write_text(
        "modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 2s\n"
    )
    blackbox = subprocess.Popen(
        [binary, f"--config.file={folder / 'blackbox.yml'}",
         f"--web.listen-address=127.0.0.1:{BLACKBOX_PORT}", "--log.level=error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                blackbox_probe(ports[0])
                break
            except OSError:
                time.sleep(0.1)
        checks = tcp_checks(ports, SIDE_BY_SIDE_PROBES)
        raw = [raw_connect_seconds(check.port or 0) for check in checks]
        before = cpu_seconds()
        rampart = [run_check(check).duration_seconds for check in checks]
        rampart_cpu = cpu_seconds() - before
        before = process_cpu(blackbox.pid)
        blackbox_durations = [blackbox_probe(check.port or 0) for check in checks]
        blackbox_cpu = process_cpu(blackbox.pid) - before
    finally:
        blackbox.terminate()
        blackbox.wait()
        shutil.rmtree(folder)
    raw_median = statistics.median(raw)
    print(f"\nSide by side: {SIDE_BY_SIDE_PROBES} TCP probes each on the same loopback targets")
    print(f"{'prober':<28} {'CPU ms/probe':>13} {'median ms':>10} {'added over raw connect':>24}")
    print(f"{'raw TCP connect (Python)':<28} {'-':>13} {1000 * raw_median:>10.3f} {'-':>24}")
    for name, cpu, durations in [
        ("Rampart run_check (tcp)", rampart_cpu, rampart),
        ("blackbox_exporter tcp", blackbox_cpu, blackbox_durations),
    ]:
        median = statistics.median(durations)
        print(
            f"{name:<28} {1000 * cpu / SIDE_BY_SIDE_PROBES:>13.3f} {1000 * median:>10.3f}"
            f" {1000 * (median - raw_median):>21.3f} ms"
        )
    print("(blackbox CPU is its process only, HTTP handling of each /probe request included;")
    print(" Rampart CPU is the probe in-process, without the scheduler)")


def main() -> None:
    """Run both measurements against one set of loopback listeners."""
    child, ports = start_listeners()
    try:
        prober_figures(ports)
        side_by_side(ports)
    finally:
        child.terminate()
        child.wait()


if __name__ == "__main__":
    main()
