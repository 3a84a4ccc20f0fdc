"""roles/monitoring_server's prometheus.yml, rendered by real Ansible, checked by real promtool.

The role's own template, defaults and vars render for the lab's monitoring host (connection
local, into a temporary folder); every file the configuration names (rules, CA, password
files) is made there too, so `promtool check config` checks the whole configuration.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.unit.inventory.conftest import ROOT
from tests.unit.plan.role_playbook import run_role_playbook

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
PASSWORD = "not-in-the-config-3f9a"

RENDER = """\
  tasks:
    - name: Render prometheus.yml as the role does
      ansible.builtin.template:
        src: {role}/templates/prometheus.yml.j2
        dest: {out}/prometheus.yml
        mode: "0644"
"""


def render(inventory: Path, out: Path) -> Path:
    """prometheus.yml for mon-01, with the files it names placed under `out`."""
    rules = out / "rules"
    rules.mkdir(parents=True)
    for rule_file in sorted((ROOT / "monitoring/rules").glob("*.yml")):
        shutil.copy(rule_file, rules)
    (out / "ca.crt").write_text("", encoding="utf-8")
    (out / "scrape-password").write_text("scrape\n", encoding="utf-8")
    (out / "web-password").write_text(PASSWORD + "\n", encoding="utf-8")
    overrides = {
        "__monitoring_server_rules_directory": str(rules),
        "__monitoring_server_ca": str(out / "ca.crt"),
        "__monitoring_server_scrape_password": str(out / "scrape-password"),
        "__monitoring_server_web_password_file": str(out / "web-password"),
    }
    name = "Render the monitoring_server role's Prometheus configuration"
    completed = run_role_playbook(inventory, out, name, RENDER, overrides)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out / "prometheus.yml"


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, "check", "config", str(path)], capture_output=True, text=True, check=False
    )


def loaded(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_the_lab_config_has_no_remote_write_and_no_site_label(
    lab_inventory: Path, tmp_path: Path
) -> None:
    path = render(lab_inventory, tmp_path / "out")
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = loaded(path)
    assert "remote_write" not in config
    assert config["global"]["external_labels"] == {"monitor": "mon-01"}
    assert [job["job_name"] for job in config["scrape_configs"]][:3] == [
        "prometheus",
        "alertmanager",
        "node",
    ]


def test_a_long_term_store_is_written_to_with_the_site_label_and_passes_promtool(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    password_file = out / "store-password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    ca_file = out / "store-ca.pem"
    ca_file.write_text("", encoding="utf-8")
    store = {
        "url": "https://thanos-receive.corp.example.com:19291/api/v1/receive",
        "site": "berlin-1",
        "username": "rampart-berlin",
        "password_file": str(password_file),
        "ca_file": str(ca_file),
        "queue": {"max_shards": 10, "batch_send_deadline": "10s"},
        "write_relabel": [
            {"action": "drop", "source_labels": ["__name__"], "regex": "go_.*"},
            {"action": "keep", "source_labels": ["job"], "regex": "node|rampart-.*"},
            {"target_label": "region", "replacement": "eu"},
            {"action": "labeldrop", "regex": "pod_template_hash"},
        ],
    }
    (lab_inventory / "group_vars/all/long_term_store.yml").write_text(
        yaml.safe_dump({"rampart_long_term_store": store}), encoding="utf-8"
    )
    path = render(lab_inventory, out / "rendered")
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout + checked.stderr
    config = loaded(path)
    assert config["global"]["external_labels"] == {"monitor": "mon-01", "site": "berlin-1"}
    [remote_write] = config["remote_write"]
    assert remote_write["url"] == store["url"]
    assert remote_write["basic_auth"] == {
        "username": "rampart-berlin",
        "password_file": str(password_file),
    }
    assert remote_write["tls_config"] == {"ca_file": str(ca_file)}
    assert remote_write["queue_config"] == {
        "capacity": 10000,
        "max_shards": 10,
        "max_samples_per_send": 2000,
        "batch_send_deadline": "10s",
    }
    assert remote_write["write_relabel_configs"] == [
        {"action": "drop", "source_labels": ["__name__"], "regex": "go_.*"},
        {"action": "keep", "source_labels": ["job"], "regex": "node|rampart-.*"},
        {"action": "replace", "target_label": "region", "replacement": "eu"},
        {"action": "labeldrop", "regex": "pod_template_hash"},
    ]
    assert PASSWORD not in path.read_text(encoding="utf-8")


def test_a_store_without_credentials_sends_without_them(
    lab_inventory: Path, tmp_path: Path
) -> None:
    url = "http://mimir.corp.example.com:9009/api/v1/push"
    (lab_inventory / "group_vars/all/long_term_store.yml").write_text(
        yaml.safe_dump({"rampart_long_term_store": {"url": url, "site": "hq"}}), encoding="utf-8"
    )
    path = render(lab_inventory, tmp_path / "out")
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    [remote_write] = loaded(path)["remote_write"]
    assert remote_write["url"] == url
    assert "basic_auth" not in remote_write and "tls_config" not in remote_write


def test_prometheus_reaches_itself_and_alertmanager_over_https_on_the_fleet_address(
    lab_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    path = render(lab_inventory, out)
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = loaded(path)
    client = {
        "scheme": "https",
        "basic_auth": {"username": "oncall", "password_file": str(out / "web-password")},
        "tls_config": {"ca_file": str(out / "ca.crt")},
    }
    [alertmanager] = config["alerting"]["alertmanagers"]
    assert alertmanager["static_configs"] == [{"targets": ["10.77.0.15:9093"]}]
    assert {key: alertmanager[key] for key in client} == client
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name, port in (("prometheus", 9090), ("alertmanager", 9093)):
        assert {key: jobs[name][key] for key in client} == client
        assert jobs[name]["static_configs"][0]["targets"] == [f"10.77.0.15:{port}"]
    assert PASSWORD not in path.read_text(encoding="utf-8")
