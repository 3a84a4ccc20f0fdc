"""roles/monitoring_server's alertmanager.yml, rendered by real Ansible from the lab's plan,
checked by real amtool, and run by a real Alertmanager that mails a loopback SMTP sink.

On-call meets this as mail: an hr-records alert reaches HR's owner and the on-call people
with an absolute runbook link and links to the alert; a resolved notice follows; inside a
maintenance window of the service no mail comes; the watchdog goes to the dead-man's
switch only.
"""

from __future__ import annotations

import email
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import yaml

from rampart.inventory import load_inventory
from rampart.monitoring.runbook_links import absolute_runbook_links
from rampart.plan import host_plan
from tests.unit.inventory.conftest import ROOT
from tests.unit.plan.role_playbook import ROLE, run_role_playbook

AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
RUNBOOKS = "https://10.77.0.15:8443/runbooks/"
"""The lab's runbook_base_url, https://mon-01:8443/runbooks/, with mon-01's address."""
ALICE = "Alice Admin <alice@rampart.internal>"
HR = "HR department <hr@rampart.internal>"

pytestmark = pytest.mark.skipif(
    not Path(AMTOOL).exists(), reason="amtool missing: apt-get install prometheus-alertmanager"
)

RENDER = """\
  tasks:
    - name: Render alertmanager.yml as the role does
      ansible.builtin.template:
        src: {role}/templates/alertmanager.yml.j2
        dest: {out}/alertmanager.yml
        mode: "0644"
"""


def render(inventory: Path, out: Path) -> Path:
    """alertmanager.yml for mon-01, with the role's mail template in `out`/templates."""
    templates = out / "templates"
    templates.mkdir(parents=True)
    shutil.copy(ROLE / "files/rampart-mail.tmpl", templates)
    overrides = {
        "__monitoring_server_alertmanager_templates": str(templates),
        # The lab's monitoring.yml values, which this play's vars_files would hide.
        "monitoring_server_alertmanager_group_wait": "1s",
        "monitoring_server_alertmanager_group_interval": "5s",
    }
    name = "Render the monitoring_server role's Alertmanager configuration"
    completed = run_role_playbook(inventory, out, name, RENDER, overrides)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out / "alertmanager.yml"


def amtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMTOOL, *arguments], capture_output=True, text=True, check=False)


def receivers_of(config: Path, *labels: str) -> list[str]:
    """The receivers `amtool config routes test` says an alert with `labels` goes to."""
    tested = amtool("config", "routes", "test", f"--config.file={config}", *labels)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    return tested.stdout.strip().split(",")


def receiver(config: Path, name: str) -> dict[str, Any]:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    [found] = [entry for entry in document["receivers"] if entry["name"] == name]
    return dict(found)


def test_the_lab_config_passes_amtool_and_routes_by_service(
    lab_inventory: Path, tmp_path: Path
) -> None:
    config = render(lab_inventory, tmp_path / "out")
    checked = amtool("check-config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout

    assert receivers_of(config, "alertname=RampartServiceDown", "service=hr-records") == [
        "service-hr-records"
    ]
    [mail] = receiver(config, "service-hr-records")["email_configs"]
    assert mail["to"] == f"{HR}, {ALICE}"
    assert mail["send_resolved"] is True

    assert receivers_of(config, "alertname=RampartWatchdog", "severity=none") == [
        "dead-mans-switch"
    ]
    switch = receiver(config, "dead-mans-switch")
    assert "email_configs" not in switch
    assert switch["webhook_configs"] == [
        {"url": "http://10.77.0.11/dead-mans-switch", "send_resolved": False}
    ]

    backup = receivers_of(config, "alertname=RampartBackupTooOld", "instance=hr-01")
    assert backup == ["on-call"]
    [on_call_mail] = receiver(config, "on-call")["email_configs"]
    assert on_call_mail["to"] == ALICE


def test_without_rampart_alerting_alertmanager_tells_nobody(
    lab_inventory: Path, tmp_path: Path
) -> None:
    monitoring = lab_inventory / "group_vars/all/monitoring.yml"
    settings = yaml.safe_load(monitoring.read_text(encoding="utf-8"))
    del settings["rampart_alerting"]
    monitoring.write_text("---\n" + yaml.safe_dump(settings), encoding="utf-8")
    config = render(lab_inventory, tmp_path / "out")
    assert amtool("check-config", str(config)).returncode == 0
    assert receivers_of(config, "service=hr-records") == ["nobody"]
    assert receiver(config, "nobody") == {"name": "nobody"}


def test_every_runbook_url_is_absolute_after_the_role_rewrites_the_rules(
    lab_inventory: Path,
) -> None:
    plan = host_plan(load_inventory(lab_inventory), "mon-01")
    assert plan.alerting is not None and plan.alerting.runbook_base_url == RUNBOOKS
    for rule_file in sorted((ROOT / "monitoring/rules").glob("*.yml")):
        rewritten = absolute_runbook_links(rule_file.read_text(encoding="utf-8"), RUNBOOKS)
        for group in yaml.safe_load(rewritten)["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    link = rule["annotations"]["runbook_url"]
                    assert link.startswith(RUNBOOKS), (rule_file.name, rule["alert"], link)
                    assert (ROOT / "runbooks" / link.removeprefix(RUNBOOKS)).is_file(), link


INSTALL_RULES = """\
  tasks:
    - name: Install them with the role's own tasks
      ansible.builtin.import_tasks: {role}/tasks/rules.yml
  handlers:
    - name: Reload Prometheus
      ansible.builtin.debug:
        msg: reload
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the role's tasks make root-owned files")
def test_the_role_installs_rules_with_absolute_runbook_links_that_promtool_passes(
    lab_inventory: Path, tmp_path: Path
) -> None:
    installed = tmp_path / "rules.d"
    overrides = {
        "__monitoring_server_rules_directory": str(installed),
        "monitoring_server_rules_source": str(ROOT / "monitoring/rules"),
    }
    name = "Install the rule files as the monitoring_server role does"
    completed = run_role_playbook(lab_inventory, tmp_path / "play", name, INSTALL_RULES, overrides)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    sources = sorted((ROOT / "monitoring/rules").glob("*.yml"))
    assert sorted(path.name for path in installed.iterdir()) == [path.name for path in sources]
    for source in sources:
        text = (installed / source.name).read_text(encoding="utf-8")
        assert text == absolute_runbook_links(source.read_text(encoding="utf-8"), RUNBOOKS)
    down = (installed / "availability.yml").read_text(encoding="utf-8")
    assert f"runbook_url: {RUNBOOKS}service-outage.yml" in down
    assert "summary: Service {{ $labels.service }} is down" in down


# --- A real Alertmanager mailing a loopback SMTP sink --------------------------------------


class Sink(socketserver.ThreadingTCPServer):
    """Takes every mail offered (no TLS, no auth) and keeps it, for the tests to read."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpSession)
        self.mails: list[Message] = []
        self.lock = threading.Lock()

    def received(self) -> list[Message]:
        with self.lock:
            return list(self.mails)


class SmtpSession(socketserver.StreamRequestHandler):
    """The SMTP a mail client speaks to hand over one or more mails."""

    server: Sink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command == "DATA":
                self.reply("354 end with .")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body.append(data[1:] if data.startswith(b"..") else data)
                with self.server.lock:
                    self.server.mails.append(email.message_from_bytes(b"".join(body)))
                self.reply("250 kept")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_alertmanager(config: Path, sink: Sink, storage: Path) -> tuple[subprocess.Popen[str], str]:
    """A real Alertmanager on loopback, mailing the sink; its API base URL once it answers."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["global"]["smtp_smarthost"] = f"127.0.0.1:{sink.server_address[1]}"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--web.external-url=https://10.77.0.15:9093/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1):
                return process, base
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                _, errors = process.communicate()
                pytest.fail(f"alertmanager did not start: {errors[-2000:]}")
            time.sleep(0.2)


class Harness:
    """The lab inventory a test may change, then a real Alertmanager started for it."""

    def __init__(self, inventory: Path, out: Path, sink: Sink) -> None:
        self.inventory, self.out, self.sink = inventory, out, sink
        self.processes: list[subprocess.Popen[str]] = []

    def start(self) -> str:
        """Render alertmanager.yml for the inventory as it is now, run it; its API base URL."""
        config = render(self.inventory, self.out / "rendered")
        process, base = run_alertmanager(config, self.sink, self.out / "storage")
        self.processes.append(process)
        return base


@pytest.fixture
def alertmanager(lab_inventory: Path, tmp_path: Path, sink: Sink) -> Iterator[Harness]:
    harness = Harness(lab_inventory, tmp_path, sink)
    yield harness
    for process in harness.processes:
        process.terminate()
        process.wait(timeout=10)


def post_alert(base: str, labels: dict[str, str], *, resolved: bool = False) -> None:
    """Send one alert as Prometheus does, its annotations from the installed rule file."""
    [rule] = [
        rule
        for rule_file in sorted((ROOT / "monitoring/rules").glob("*.yml"))
        for group in yaml.safe_load(
            absolute_runbook_links(rule_file.read_text(encoding="utf-8"), RUNBOOKS)
        )["groups"]
        for rule in group["rules"]
        if rule.get("alert") == labels["alertname"]
    ]
    service = labels.get("service", "")
    annotations = {
        key: value.replace("{{ $labels.service }}", service)
        for key, value in rule["annotations"].items()
    }
    now = datetime.now(UTC)
    alert: dict[str, Any] = {
        "labels": {**labels, "severity": rule["labels"]["severity"]},
        "annotations": annotations,
        "generatorURL": "https://10.77.0.15:9090/graph?g0.expr=rampart_availability_up",
        "startsAt": (now - timedelta(minutes=2)).isoformat(),
    }
    if resolved:
        alert["endsAt"] = now.isoformat()
    request = urllib.request.Request(
        f"{base}/api/v2/alerts",
        data=json.dumps([alert]).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def wait_for_mails(sink: Sink, count: int, timeout: float) -> list[Message]:
    deadline = time.monotonic() + timeout
    while len(mails := sink.received()) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(mails)} of {count} mails within {timeout:.0f} s")
        time.sleep(0.2)
    return mails


def text_of(mail: Message) -> str:
    parts = [part for part in mail.walk() if part.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_a_service_alert_mails_its_owner_and_on_call_with_the_runbook_link_then_resolves(
    alertmanager: Harness,
) -> None:
    sink = alertmanager.sink
    base = alertmanager.start()
    labels = {"alertname": "RampartServiceDown", "service": "hr-records"}
    post_alert(base, labels)
    [mail] = wait_for_mails(sink, 1, timeout=15)
    assert mail["To"] == f"{HR}, {ALICE}"
    assert mail["From"] == "Rampart alerts <alertmanager@rampart.internal>"
    assert mail["Subject"].startswith("[FIRING:1] RampartServiceDown hr-records")
    text = text_of(mail)
    assert "Service hr-records is down" in text
    assert "A critical check of hr-records has failed" in text
    assert f"Runbook: {RUNBOOKS}service-outage.yml" in text
    assert "Alert: https://10.77.0.15:9090/graph?" in text
    assert "https://10.77.0.15:9093/#/alerts?receiver=service-hr-records" in text

    post_alert(base, labels, resolved=True)
    resolved = wait_for_mails(sink, 2, timeout=15)[1]
    assert resolved["Subject"].startswith("[RESOLVED] RampartServiceDown hr-records")
    assert f"Runbook: {RUNBOOKS}service-outage.yml" in text_of(resolved)


def test_no_mail_for_a_service_inside_its_maintenance_window(
    alertmanager: Harness,
) -> None:
    sink = alertmanager.sink
    catalog = alertmanager.inventory / "group_vars/all/catalog.yml"
    document = yaml.safe_load(catalog.read_text(encoding="utf-8"))
    now = datetime.now(UTC).replace(microsecond=0)
    document["rampart_services"]["hr-records"]["maintenance"] = [
        {
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "reason": "PostgreSQL upgrade",
        }
    ]
    catalog.write_text("---\n" + yaml.safe_dump(document), encoding="utf-8")
    base = alertmanager.start()
    post_alert(base, {"alertname": "RampartServiceDown", "service": "hr-records"})
    post_alert(base, {"alertname": "RampartServiceDown", "service": "finance-records"})
    [mail] = wait_for_mails(sink, 1, timeout=15)
    assert "finance-records" in mail["Subject"]
    time.sleep(3)  # group_wait 1s, group_interval 5s in the lab: hr-records had its turn
    subjects = [received["Subject"] for received in sink.received()]
    assert not any("hr-records" in subject for subject in subjects), subjects


class Switch(http.server.ThreadingHTTPServer):
    """A dead-man's switch on loopback: keeps the time of each call."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SwitchCall)
        self.calls: list[float] = []


class SwitchCall(http.server.BaseHTTPRequestHandler):
    server: Switch

    def do_POST(self) -> None:
        self.server.calls.append(time.monotonic())
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the times."""


def test_the_watchdog_calls_the_switch_once_every_repeat_interval(
    alertmanager: Harness,
) -> None:
    """Alertmanager, given both intervals equal to the period, calls every second period
    (prometheus/alertmanager#676): a heartbeat service with a grace shorter than two periods
    would page for nothing. The calls must come once a period, neither fewer nor more."""
    switch = Switch()
    threading.Thread(target=switch.serve_forever, daemon=True).start()
    monitoring = alertmanager.inventory / "group_vars/all/monitoring.yml"
    settings = yaml.safe_load(monitoring.read_text(encoding="utf-8"))
    period = 4.0
    settings["rampart_alerting"]["watchdog_repeat_interval"] = f"{period:.0f}s"
    settings["rampart_alerting"]["dead_mans_switch_url"] = (
        f"http://127.0.0.1:{switch.server_address[1]}/dead-mans-switch"
    )
    monitoring.write_text("---\n" + yaml.safe_dump(settings), encoding="utf-8")
    try:
        post_alert(alertmanager.start(), {"alertname": "RampartWatchdog"})
        deadline = time.monotonic() + 5 * period + 2
        while len(switch.calls) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        switch.shutdown()
        switch.server_close()
    gaps = [later - earlier for earlier, later in zip(switch.calls, switch.calls[1:], strict=False)]
    assert len(gaps) >= 4, f"{len(switch.calls)} calls in {5 * period + 2:.0f} s"
    assert all(period - 0.5 < gap < period + 0.5 for gap in gaps), gaps
