"""The plan of the lab and the example inventories, one reviewed golden file per consumer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rampart.exporters.availability.catalog import ProbeCredentials, exporter_config
from rampart.inventory import load_inventory
from rampart.plan import HostPlan, backup_config, host_plans, plan_data
from tests.unit.plan.conftest import EXAMPLE, UPDATE, matches_golden


def firewall(plan: HostPlan) -> dict[str, Any]:
    """What roles/firewall writes into the ruleset: ports with their clients, admin SSH."""
    data = plan_data(plan)
    return {"port_rules": data["port_rules"], "admin_addresses": data["admin_addresses"]}


def access(plan: HostPlan) -> dict[str, Any]:
    """What roles/access and the access review read: who logs in (sudo, keys), who is locked."""
    return {
        "login": {
            a.username: {
                "sudo": a.sudo,
                "ssh_keys": list(a.ssh_keys),
                "groups": list(a.data_groups),
            }
            for a in plan.accounts
        },
        "revoke": [account.username for account in plan.revoked],
    }


def scrape(plan: HostPlan) -> list[dict[str, Any]]:
    """What Prometheus on a monitoring host scrapes (prometheus.yml.j2)."""
    jobs: list[dict[str, Any]] = plan_data(plan)["scrape_jobs"]
    return jobs


def remote_write(plan: HostPlan) -> dict[str, Any] | None:
    """Where Prometheus on a monitoring host also sends its samples, and its site label."""
    store: dict[str, Any] | None = plan_data(plan)["long_term_store"]
    return store


def alerting(plan: HostPlan) -> dict[str, Any] | None:
    """Who Alertmanager on a monitoring host tells, and the links (alertmanager.yml.j2)."""
    routing: dict[str, Any] | None = plan_data(plan)["alerting"]
    return routing


def antivirus(plan: HostPlan) -> dict[str, Any]:
    """What roles/antivirus reads: the host's scans and limits, or the mirror it serves."""
    data = plan_data(plan)
    return {"antivirus": data["antivirus"], "signature_mirror": data["signature_mirror"]}


def audit(plan: HostPlan) -> dict[str, Any]:
    """What roles/audit writes: the kernel rules' lines, AIDE's paths, the digest's keeper."""
    assert plan.audit is not None
    return {
        "rules": [f"{rule.clause} {rule.topic}: {rule.line}" for rule in plan.audit.rules],
        "integrity_paths": list(plan.audit.integrity_paths),
        "integrity_excludes": list(plan.audit.integrity_excludes),
        "digest_host": plan.audit.digest_host,
    }


def storage(plan: HostPlan) -> dict[str, Any] | None:
    """What roles/storage applies: the volume, its options, each folder's group and mode."""
    managed: dict[str, Any] | None = plan_data(plan)["storage"]
    return managed


PER_HOST = {
    "alerting": alerting,
    "audit": audit,
    "antivirus": antivirus,
    "firewall": firewall,
    "access": access,
    "backup": backup_config,
    "scrape": scrape,
    "remote_write": remote_write,
    "storage": storage,
}
CREDENTIALS = ProbeCredentials(
    postgresql_password_file="/etc/rampart/availability/postgresql-password",
    ssh_key_file="/etc/rampart/availability/id_ed25519",
    known_hosts_file="/etc/rampart/availability/known_hosts",
    ca_file="/etc/rampart/tls/ca.crt",
)


def directory_of(name: str, lab_inventory: Path) -> Path:
    return lab_inventory if name == "lab" else EXAMPLE


@pytest.mark.parametrize("inventory_name", ["lab", "example"])
@pytest.mark.parametrize("consumer", sorted(PER_HOST))
def test_each_consumer_gets_the_reviewed_plan(
    lab_inventory: Path, inventory_name: str, consumer: str
) -> None:
    plans = host_plans(load_inventory(directory_of(inventory_name, lab_inventory)))
    view = PER_HOST[consumer]
    found = {host: view(plan) for host, plan in plans.items() if view(plan)}
    matches_golden(f"{inventory_name}/{consumer}.json", found)


@pytest.mark.parametrize("inventory_name", ["lab", "example"])
def test_the_prober_gets_the_reviewed_checks(lab_inventory: Path, inventory_name: str) -> None:
    inventory = load_inventory(directory_of(inventory_name, lab_inventory))
    document = exporter_config(inventory, CREDENTIALS, "0.0.0.0:9470", "/etc/rampart/tls/web.yml")
    matches_golden(f"{inventory_name}/prober.json", document)


def test_a_golden_file_is_rewritten_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE, raising=False)
    (tmp_path / "ports.json").write_text('{"ssh": 22}\n', encoding="utf-8")
    with pytest.raises(AssertionError, match=f"rerun with {UPDATE}=1"):
        matches_golden("ports.json", {"ssh": 2222}, tmp_path)
    assert (tmp_path / "ports.json").read_text(encoding="utf-8") == '{"ssh": 22}\n'
    with pytest.raises(AssertionError, match="no golden file"):
        matches_golden("new.json", {"ssh": 22}, tmp_path)
    monkeypatch.setenv(UPDATE, "1")
    matches_golden("ports.json", {"ssh": 2222}, tmp_path)
    assert (tmp_path / "ports.json").read_text(encoding="utf-8") == '{\n  "ssh": 2222\n}\n'
