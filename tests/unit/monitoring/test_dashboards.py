"""The Grafana dashboards under monitoring/dashboards/, checked without a Grafana: current
with their generator, laid out on the grid, on one datasource, naming no service, and every
query parsed by promtool and answered by a real Prometheus with data for every service."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from rampart.monitoring.dashboards import main, render
from rampart.monitoring.dashboards.panels import DATASOURCE_UID
from tests.dashboard_queries import (
    Catalog,
    PanelQuery,
    cases,
    documents,
    metric_names,
    panel_queries,
    panels,
)
from tests.unit.monitoring.conftest import MAIL, PORTAL, ROOT, Fleet
from tests.unit.prometheus_server import ask

PROVISIONING = ROOT / "monitoring" / "dashboards" / "provisioning"
UNIT_SERVICES = (PORTAL, MAIL)


def test_the_committed_dashboards_are_what_the_generator_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    assert set(documents()) == {
        "availability-overview",
        "service",
        "backups-and-drills",
        "security-controls",
    }
    assert main(["--check"]) == 0


def test_check_fails_when_a_file_was_edited_by_hand(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    for name, text in render().items():
        (tmp_path / name).write_text(text)
    assert main(["--check", "--output", str(tmp_path)]) == 0
    edited = tmp_path / "service.json"
    edited.write_text(edited.read_text().replace("Checks now", "Checks"))
    assert main(["--check", "--output", str(tmp_path)]) == 1
    assert "service.json not what `make dashboards` generates" in capsys.readouterr().err


def test_the_time_zone_comes_from_the_inventory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    inventory = tmp_path / "inventory"
    shutil.copytree(ROOT / "inventory" / "example", inventory)
    (inventory / "group_vars" / "all" / "zone.yml").write_text(
        "---\nrampart_time_zone: Europe/Berlin\n"
    )
    assert main(["--inventory", str(inventory), "--output", str(tmp_path / "out")]) == 0
    overview = json.loads((tmp_path / "out" / "availability-overview.json").read_text())
    assert overview["timezone"] == "Europe/Berlin"
    assert documents()["availability-overview"]["timezone"] == "utc"


@pytest.mark.parametrize("name", sorted(documents()))
def test_panel_ids_are_unique(name: str) -> None:
    ids = [panel["id"] for panel in panels(documents()[name])]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("name", sorted(documents()))
def test_panels_lie_inside_the_grid_without_overlap(name: str) -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in panels(documents()[name]):
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["h"] > 0
        assert grid["x"] + grid["w"] <= 24, f"{panel['title']} leaves the 24 columns"
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']} overlaps {taken[(x, y)]}"
                taken[(x, y)] = panel["title"]


def datasource_uids(document: Any) -> list[str]:
    """Every datasource uid anywhere in a document (panels, targets, variables)."""
    if isinstance(document, dict):
        found = (
            [document["datasource"]["uid"]] if isinstance(document.get("datasource"), dict) else []
        )
        return found + [uid for value in document.values() for uid in datasource_uids(value)]
    if isinstance(document, list):
        return [uid for value in document for uid in datasource_uids(value)]
    return []


@pytest.mark.parametrize("name", sorted(documents()))
def test_every_panel_and_target_uses_the_one_provisioned_datasource(name: str) -> None:
    document = documents()[name]
    assert set(datasource_uids(document)) == {DATASOURCE_UID}
    for panel in panels(document):
        if panel.get("targets"):
            assert panel["datasource"]["uid"] == DATASOURCE_UID
            assert all(target["datasource"]["uid"] == DATASOURCE_UID for target in panel["targets"])
        if panel["type"] != "row":
            assert panel["options"] is not None, f"{panel['title']}: no options for Grafana"
    provisioned = yaml.safe_load((PROVISIONING / "datasource.yml").read_text())
    assert [source["uid"] for source in provisioned["datasources"]] == [DATASOURCE_UID]
    provider = yaml.safe_load((PROVISIONING / "dashboards.yml").read_text())["providers"][0]
    assert provider["folder"] == "Rampart" and provider["type"] == "file"


def test_no_dashboard_names_a_catalog_service() -> None:
    catalog = yaml.safe_load((ROOT / "inventory/example/group_vars/all/catalog.yml").read_text())
    lab = yaml.safe_load((ROOT / "inventory/lab/group_vars/all/catalog.yml").read_text())
    services = set(catalog["rampart_services"]) | set(lab["rampart_services"])
    text = "\n".join(path.read_text() for path in (ROOT / "monitoring/dashboards").glob("*.json"))
    assert [service for service in services if f'"{service}' in text or f"={service}" in text] == []


def test_the_metric_name_reader_finds_names_not_functions_or_labels() -> None:
    expression = (
        'histogram_quantile(0.95, sum by (service, le) (rate(a_bucket{service="$service"}'
        "[$__range]))) / on (service) max by (service) (b_total) > 1e9 and time() - c"
    )
    assert metric_names(expression) == {"a_bucket", "b_total", "c"}


def produced_names(fleet: Fleet) -> set[str]:
    """Every series name the real collectors and the shipped rules made in Prometheus."""
    url = f"{fleet.prometheus}/api/v1/label/__name__/values"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return set(json.load(answer)["data"])


def test_every_metric_a_dashboard_names_is_produced_by_an_exporter_or_a_rule(
    fleet: Fleet,
) -> None:
    produced = produced_names(fleet)
    named = {name for query in panel_queries() for name in metric_names(query.expression)}
    assert "rampart_availability_down_seconds_total" in named and "ALERTS" in named
    assert sorted(named - produced) == []


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus)")
def test_promtool_parses_every_query(tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:query:{index}", "expr": query.substituted(PORTAL, 3600, "1m")}
        for index, query in enumerate(panel_queries())
    ]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    completed = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"SUCCESS: {len(rules)} rules found" in completed.stdout


@pytest.mark.parametrize(
    "query", panel_queries(), ids=lambda query: f"{query.dashboard}:{query.panel}"
)
def test_every_query_answers_for_every_service(fleet: Fleet, query: PanelQuery) -> None:
    catalog = Catalog(frozenset(UNIT_SERVICES), frozenset({PORTAL}), frozenset({MAIL}))
    for expression, services in cases(query, catalog, 3600, "5s"):
        answer = ask(fleet.prometheus, expression)
        assert answer["status"] == "success", answer
        result = answer["data"]["result"]
        assert result, f"no data for {expression}"
        if services is not None:
            assert {sample["metric"].get("service") for sample in result} == services
