"""roles/monitoring_server's web configs and flags, written by real Ansible from the role's
own tasks (the controller-side bcrypt hash included), checked by real promtool."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import bcrypt
import yaml

from tests.unit.plan.role_playbook import run_role_playbook
from tests.unit.plan.test_prometheus_config import PROMTOOL
from tests.unit.tls import make_certificates

PASSWORD = "oncall-secret-5d1c"

WRITE = """\
  tasks:
    - name: Write the web config as the role does
      ansible.builtin.include_role:
        name: monitoring_server
        tasks_from: web_config.yml
      vars:
        __monitoring_server_web_config_path: "{out}/web.yml"
        __monitoring_server_web_config_group: root
        __monitoring_server_web_config_handler: Written
    - name: Render the flags of Prometheus and Alertmanager as the role does
      ansible.builtin.template:
        src: "{role}/templates/{{{{ item }}}}.j2"
        dest: "{out}/{{{{ item }}}}"
        mode: "0644"
      loop: [prometheus.default, prometheus-alertmanager.default, oncall-client.yml]
  handlers:
    - name: Written
      ansible.builtin.debug:
        msg: written
"""


def run(inventory: Path, out: Path, password: str) -> subprocess.CompletedProcess[str]:
    certificates = make_certificates(out / "pki", address="10.77.0.15")
    out.mkdir(parents=True, exist_ok=True)
    overrides = {
        "monitoring_server_web_password": password,
        "monitoring_server_controller_dir": str(out / "controller"),
        "__monitoring_server_tls_directory": str(certificates.key.parent),
    }
    name = "Write the monitoring_server role's web config and flags"
    return run_role_playbook(inventory, out, name, WRITE, overrides)


def test_the_web_config_serves_tls_and_the_oncall_user_and_passes_promtool(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    completed = run(lab_inventory, out, PASSWORD)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    checked = subprocess.run(
        [PROMTOOL, "check", "web-config", str(out / "web.yml")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = yaml.safe_load((out / "web.yml").read_text(encoding="utf-8"))
    assert config["tls_server_config"]["cert_file"] == str(out / "pki/server.crt")
    [(user, hashed)] = config["basic_auth_users"].items()
    assert user == "oncall"
    assert bcrypt.checkpw(PASSWORD.encode(), hashed.encode())
    assert PASSWORD not in (out / "web.yml").read_text(encoding="utf-8")
    assert PASSWORD not in completed.stdout + completed.stderr


def test_a_second_run_keeps_the_hash_and_a_new_password_changes_it(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(lab_inventory, out, PASSWORD).returncode == 0
    first = (out / "web.yml").read_text(encoding="utf-8")
    again = run(lab_inventory, out, PASSWORD)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "changed=0" in again.stdout
    assert (out / "web.yml").read_text(encoding="utf-8") == first
    assert run(lab_inventory, out, "another-password-77").returncode == 0
    hashed = yaml.safe_load((out / "web.yml").read_text(encoding="utf-8"))["basic_auth_users"]
    assert bcrypt.checkpw(b"another-password-77", hashed["oncall"].encode())


def test_prometheus_and_alertmanager_listen_on_the_fleet_address_with_their_web_config(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(lab_inventory, out, PASSWORD).returncode == 0
    flags = {}
    for name in ("prometheus.default", "prometheus-alertmanager.default"):
        text = (out / name).read_text(encoding="utf-8")
        [line] = [line for line in text.splitlines() if line.startswith("ARGS=")]
        flags[name] = shlex.split(line.removeprefix("ARGS="))[0].split()
    assert "--web.listen-address=10.77.0.15:9090" in flags["prometheus.default"]
    assert "--web.config.file=/etc/prometheus/web.yml" in flags["prometheus.default"]
    assert "--web.listen-address=10.77.0.15:9093" in flags["prometheus-alertmanager.default"]
    assert (
        "--web.config.file=/etc/prometheus/alertmanager-web.yml"
        in flags["prometheus-alertmanager.default"]
    )


def test_promtool_and_amtool_on_the_host_get_an_https_client_config(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(lab_inventory, out, PASSWORD).returncode == 0
    text = (out / "oncall-client.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {
        "basic_auth": {
            "username": "oncall",
            "password_file": "/etc/prometheus/rampart-web-password",
        },
        "tls_config": {"ca_file": "/etc/rampart/tls/ca.crt"},
    }
    assert "https://10.77.0.15:9090/ 'up == 0'" in text
    assert "--alertmanager.url=https://10.77.0.15:9093/" in text
