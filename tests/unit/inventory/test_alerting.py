"""rampart_alerting and on-call posts: who Alertmanager tells, checked before anything runs,
and the plan's routes for the monitoring host (maintenance windows as exact mutes)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from rampart.inventory import MaintenanceWindow, load_inventory
from rampart.inventory.model import Alerting
from rampart.plan import host_plan
from rampart.plan.alerting import window_intervals
from tests.unit.inventory.conftest import edit, line_of, problems, write

FILE = "group_vars/all/alerting.yml"
PEOPLE = "group_vars/all/people.yml"
CATALOG = "group_vars/all/catalog.yml"
ALERTING = """\
---
rampart_alerting:
  mail_domain: example.com
  smarthost: oa-01:25
  sender: Rampart <alerts@example.com>
  runbook_base_url: https://mon-01:8443/runbooks/
  prometheus_url: https://monitoring.example.com:9090/
  alertmanager_url: https://monitoring.example.com:9093/
  dead_mans_switch_url: https://heartbeat.example.com/ping/abc
"""


@pytest.fixture
def alerting(inventory: Path) -> Path:
    """The valid inventory with rampart_alerting, owners with addresses, an on-call post."""
    write(inventory, {FILE: ALERTING})
    edit(inventory, CATALOG, "    owner: IT department\n", "    owner: IT <it@example.com>\n")
    edit(inventory, CATALOG, "    owner: HR department\n", "    owner: HR <hr@example.com>\n")
    edit(
        inventory,
        PEOPLE,
        "    title: Administrator\n",
        "    title: Administrator\n    on_call: true\n",
    )
    return inventory


def test_the_settings_are_read_with_their_defaults(alerting: Path) -> None:
    loaded = load_inventory(alerting)
    assert loaded.alerting == Alerting(
        mail_domain="example.com",
        smarthost="oa-01:25",
        smarthost_tls=True,
        sender="Rampart <alerts@example.com>",
        runbook_base_url="https://mon-01:8443/runbooks/",
        prometheus_url="https://monitoring.example.com:9090/",
        alertmanager_url="https://monitoring.example.com:9093/",
        dead_mans_switch_url="https://heartbeat.example.com/ping/abc",
        watchdog_repeat_interval="1m",
    )
    assert loaded.posts["admin"].on_call and not loaded.posts["hr-officer"].on_call


def test_the_plan_routes_by_service_with_addresses_for_inventory_hosts(alerting: Path) -> None:
    plan = host_plan(load_inventory(alerting), "mon-01").alerting
    assert plan is not None
    assert plan.runbook_base_url == "https://10.77.0.15:8443/runbooks/"
    assert plan.prometheus_url == "https://monitoring.example.com:9090/"
    config = plan.alertmanager
    assert config["global"]["smtp_smarthost"] == "10.77.0.11:25"
    routes = {route["receiver"]: route for route in config["route"]["routes"]}
    assert routes["service-records"]["matchers"] == ['service="records"']
    mails = {
        r["name"]: r["email_configs"][0]["to"] for r in config["receivers"] if "email_configs" in r
    }
    assert mails == {
        "on-call": "Alice Admin <alice@example.com>",
        "service-records": "HR <hr@example.com>, Alice Admin <alice@example.com>",
        "service-portal": "IT <it@example.com>, Alice Admin <alice@example.com>",
    }
    assert host_plan(load_inventory(alerting), "hr-01").alerting is None


def test_a_maintenance_window_mutes_its_service_route_only(alerting: Path) -> None:
    # The records service's window: 2025-03-01T22:00:00Z to 2025-03-02T02:00:00Z.
    config = host_plan(load_inventory(alerting), "mon-01").alerting
    assert config is not None
    routes = {route["receiver"]: route for route in config.alertmanager["route"]["routes"]}
    assert routes["service-records"]["mute_time_intervals"] == ["maintenance-records"]
    assert "mute_time_intervals" not in routes["service-portal"]
    [interval] = config.alertmanager["time_intervals"]
    assert interval["name"] == "maintenance-records"
    assert [part["times"] for part in interval["time_intervals"]] == [
        [{"start_time": "22:00", "end_time": "24:00"}],
        [{"start_time": "00:00", "end_time": "02:00"}],
    ]
    assert [part["days_of_month"] for part in interval["time_intervals"]] == [["1"], ["2"]]


def window(start: str, end: str) -> MaintenanceWindow:
    return MaintenanceWindow(datetime.fromisoformat(start), datetime.fromisoformat(end), "work")


def test_a_window_is_one_interval_per_utc_day_rounded_outwards_to_the_minute() -> None:
    parts = window_intervals(window("2026-02-27T21:59:30Z", "2026-03-01T00:00:10Z"))
    assert parts == [
        {
            "times": [{"start_time": "21:59", "end_time": "24:00"}],
            "days_of_month": ["27"],
            "months": ["february"],
            "years": ["2026"],
        },
        {
            "times": [{"start_time": "00:00", "end_time": "24:00"}],
            "days_of_month": ["28"],
            "months": ["february"],
            "years": ["2026"],
        },
        {
            "times": [{"start_time": "00:00", "end_time": "00:01"}],
            "days_of_month": ["1"],
            "months": ["march"],
            "years": ["2026"],
        },
    ]
    assert len(window_intervals(window("2026-03-01T22:00:00Z", "2026-03-02T00:00:00Z"))) == 1


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "  runbook_base_url: https://mon-01:8443/runbooks/\n",
            "  runbook_base_url: https://mon-01:8443/runbooks\n",
            "rampart_alerting.runbook_base_url",
            "'https://mon-01:8443/runbooks' must end with / (runbook file names are appended"
            " to it)",
        ),
        (
            "  smarthost: oa-01:25\n",
            "  smarthost: oa-01\n",
            "rampart_alerting.smarthost",
            "'oa-01' is not host:port (like mail.example.com:25)",
        ),
        (
            "  sender: Rampart <alerts@example.com>\n",
            "  sender: Rampart\n",
            "rampart_alerting.sender",
            "'Rampart' holds no mail address (like alerts@example.com)",
        ),
        (
            "  dead_mans_switch_url: https://heartbeat.example.com/ping/abc\n",
            "  dead_mans_switch_url: https://user:secret@heartbeat.example.com/ping\n",
            "rampart_alerting.dead_mans_switch_url",
            "must not hold credentials; a secret never sits in the inventory",
        ),
        (
            "  dead_mans_switch_url: https://heartbeat.example.com/ping/abc\n",
            "  watchdog_repeat_interval: 0m\n"
            "  dead_mans_switch_url: https://heartbeat.example.com/ping/abc\n",
            "rampart_alerting.watchdog_repeat_interval",
            "'0m' must be above 0",
        ),
    ],
)
def test_a_wrong_setting_is_one_line_at_its_key(
    alerting: Path, old: str, new: str, key: str, message: str
) -> None:
    text = edit(alerting, FILE, old, new)
    line = line_of(text, new.strip().split(":")[0] + ":")
    assert problems(alerting) == [f"{alerting / FILE}:{line}: {key}: {message}"]


def test_an_owner_without_a_mail_address_is_named(alerting: Path) -> None:
    text = edit(alerting, CATALOG, "    owner: HR <hr@example.com>\n", "    owner: HR department\n")
    line = line_of(text, "owner: HR department")
    assert problems(alerting) == [
        f"{alerting / CATALOG}:{line}: rampart_services.records.owner: 'HR department' holds"
        " no mail address, and rampart_alerting mails each service's alerts to its owner"
        " (like HR <hr@example.com>)"
    ]


def test_nobody_on_call_is_refused(alerting: Path) -> None:
    edit(alerting, PEOPLE, "    on_call: true\n", "")
    assert problems(alerting) == [
        f"{alerting / FILE}:2: rampart_alerting: no active person holds a post with on_call:"
        " true, so host alerts would reach nobody; mark a post in rampart_posts as on call"
    ]
