"""rampart_admin_sources and rampart_platform_ports: the firewall's inputs beside the catalog."""

from __future__ import annotations

from pathlib import Path

from rampart.inventory import PlatformPort, load_inventory
from tests.unit.inventory.conftest import problems, write

PLATFORM = """\
---
rampart_admin_sources: [10.20.0.0/24, "2001:db8::/64", "{{ controller }}", monitoring, oa-01]
rampart_platform_ports:
  - name: node-exporter
    port: 9100
    hosts: [all]
    clients: [monitoring]
"""


def test_admin_sources_take_networks_templates_hosts_and_groups(inventory: Path) -> None:
    write(inventory, {"group_vars/all/platform.yml": PLATFORM})
    loaded = load_inventory(inventory)
    assert loaded.admin_sources == (
        "10.20.0.0/24",
        "2001:db8::/64",
        "{{ controller }}",
        "monitoring",
        "oa-01",
    )
    assert loaded.platform_ports == (
        PlatformPort("node-exporter", 9100, "tcp", ("all",), ("monitoring",)),
    )


def test_both_are_optional(inventory: Path) -> None:
    loaded = load_inventory(inventory)
    assert loaded.admin_sources == () and loaded.platform_ports == ()


def test_unknown_names_and_bad_ports_are_reported_with_their_key(inventory: Path) -> None:
    text = (
        PLATFORM.replace("monitoring, oa-01]", "monitorin, oa-01]")
        .replace("port: 9100", "port: 91000")
        .replace("clients: [monitoring]", "clients: [nobody]")
    )
    write(inventory, {"group_vars/all/platform.yml": text})
    found = problems(inventory)
    assert any("rampart_admin_sources[3]: no host or group named 'monitorin'" in p for p in found)
    assert any("rampart_platform_ports[0].port: " in p for p in found)
    assert any(
        "rampart_platform_ports[0].clients[0]: no host or group named 'nobody'" in p for p in found
    )


def test_an_empty_admin_list_is_refused(inventory: Path) -> None:
    write(inventory, {"group_vars/all/platform.yml": "---\nrampart_admin_sources: []\n"})
    assert any("rampart_admin_sources" in p for p in problems(inventory))
