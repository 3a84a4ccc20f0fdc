"""Alerts reach people (REG-9.3.1): the watchdog reaches the lab's dead-man's switch
(oa-01's portal logs each call). The mails an outage sends, firing and resolved, are
checked by test_monitoring.py's portal outage, in the same outage it measures.
"""

from __future__ import annotations

import time

import pytest
import testinfra

pytestmark = pytest.mark.lab

SWITCH_LOG = "/var/log/nginx/dead-mans-switch.log"
WATCHDOG_REPEAT = 60.0  # rampart_alerting.watchdog_repeat_interval in the lab


def test_the_watchdog_reaches_the_dead_mans_switch(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    office = hosts["oa-01"]

    def calls() -> int:
        counted = office.run(f"cat {SWITCH_LOG} 2>/dev/null | wc -l").stdout.strip()
        return int(counted or 0)

    before = calls()
    deadline = time.monotonic() + WATCHDOG_REPEAT + 15
    while calls() <= before:
        if time.monotonic() > deadline:
            pytest.fail(f"no POST in {SWITCH_LOG} within {WATCHDOG_REPEAT + 15:.0f} s")
        time.sleep(5)
