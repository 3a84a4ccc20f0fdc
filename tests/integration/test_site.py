"""The whole of playbooks/site.yml, right after the first converge: a second run changes
nothing on any host (and, at -vvv, shows no repository password); check mode on the
converged fleet changes nothing. One site-wide run replaces a rerun per area: site.yml
imports access, ssh, monitoring, backup, drills and firewall, so these two also prove each
of those playbooks idempotent and check-mode clean on its own hosts."""

from __future__ import annotations

import pytest
import testinfra

from tests.integration.backup_helpers import password_of
from tests.integration.conftest import FLEET, PlaybookRun, playbook, rampart

pytestmark = pytest.mark.lab
BACKED_UP = ("oa-01", "hr-01", "fin-01")


def changed_hosts(run: PlaybookRun) -> dict[str, int]:
    """Hosts whose recap says changed>0, with the count."""
    recap = run.changed()
    assert set(FLEET) <= set(recap), recap
    return {host: count for host, count in recap.items() if count}


def changed_tasks(run: PlaybookRun) -> str:
    """The output lines that name a changed task, to say which tasks were not idempotent."""
    lines = run.output.splitlines()
    found = [
        f"{lines[index - 1]} {line}" if index else line
        for index, line in enumerate(lines)
        if line.startswith("changed:")
    ]
    return "\n".join(found)[-4000:]


def test_a_second_run_changes_nothing_and_shows_no_password(lab: PlaybookRun) -> None:
    again = playbook("site.yml", "-vvv")
    assert again.returncode == 0, again.output[-3000:]
    assert changed_hosts(again) == {}, changed_tasks(again)
    for name in BACKED_UP:
        assert password_of(name) not in again.output
        assert password_of(name) not in lab.output


def test_check_mode_on_the_converged_fleet_changes_nothing(lab: PlaybookRun) -> None:
    checked = playbook("site.yml", "--check")
    assert checked.returncode == 0, checked.output[-3000:]
    assert changed_hosts(checked) == {}, changed_tasks(checked)


def test_the_summary_make_up_ends_with_finds_every_endpoint_answering(lab: PlaybookRun) -> None:
    # Each endpoint is tried from a host the catalog lets in: the firewall keeps the
    # controller out of the databases and web fronts.
    summary = rampart("summary", check=False)
    assert summary.returncode == 0, summary.stdout + summary.stderr
    assert "6 of 6 catalog endpoints answer" in summary.stdout, summary.stdout


def test_an_hour_old_package_list_is_refreshed_once_per_run_not_once_per_task(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    # access.yml installs two packages, each with cache_valid_time: an hour after the
    # last refresh the first task refreshes the lists and the second must see them fresh.
    hr = hosts["hr-01"]
    # A lab up within the hour has lists too fresh for any refresh to have written it yet.
    stamp = "/var/lib/apt/periodic/update-success-stamp"
    assert hr.run(f"mkdir -p {stamp.rsplit('/', 1)[0]} && touch -d '2 hours ago' {stamp}").rc == 0
    run = playbook("access.yml", "--limit", "hr-01", "-v")
    assert run.returncode == 0, run.output[-3000:]
    assert run.output.count("cache_updated: true") == 1, run.output[-3000:]
