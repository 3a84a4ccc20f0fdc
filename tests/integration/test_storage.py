"""Storage on the lab (REG-4.1.1): each host's data volume mounted nodev, nosuid, noexec;
the data sets' folders owned, grouped and opened by class, readable by the posts that read
them and by nobody else; a folder opened too far is seen by Prometheus and put right.
"""

from __future__ import annotations

import urllib.parse

import pytest
import testinfra

from tests.integration.backup_helpers import metrics
from tests.integration.test_antivirus import wait_for
from tests.integration.test_monitoring import api

pytestmark = pytest.mark.lab
HR_DOCUMENTS = "/srv/hr/documents"


def alert_states(mon: testinfra.host.Host, alert: str, instance: str) -> set[str]:
    query = f'ALERTS{{alertname="{alert}",instance="{instance}"}}'
    url = f"http://127.0.0.1:9090/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    return {sample["metric"]["alertstate"] for sample in api(mon, url)["data"]["result"]}


def test_every_data_volume_refuses_devices_setuid_and_programs(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    for name, host in hosts.items():
        options = host.check_output("findmnt --noheadings --output OPTIONS /srv").split(",")
        assert {"nodev", "nosuid", "noexec"} <= set(options), f"{name}: {options}"
        ran = host.run(
            "printf '#!/bin/sh\\necho ran\\n' > /srv/.try && chmod 700 /srv/.try; /srv/.try"
        )
        host.run("rm -f /srv/.try")
        assert ran.rc == 126 and "ran" not in ran.stdout, name


def test_hr_documents_are_readable_by_the_hr_officer_and_nobody_else(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    hr = hosts["hr-01"]
    folder = hr.file(HR_DOCUMENTS)
    assert (folder.user, folder.group, folder.mode) == ("root", "data-hr-documents", 0o2750)
    assert hr.check_output("getent group data-hr-documents").split(":")[3] == "bob"
    document = f"{HR_DOCUMENTS}/leave-policy.txt"
    # bob is the lab's HR officer; alice an IT administrator, erin the auditor: both log in
    # on hr-01, and neither's post reads HR documents.
    assert hr.run(f"runuser -u bob -- head -c 1 {document}").rc == 0
    for other in ("alice", "erin"):
        refused = hr.run(f"runuser -u {other} -- head -c 1 {document}")
        assert refused.rc != 0 and "Permission denied" in refused.stderr, other
    # The public portal is readable by everyone, the web server included.
    portal = hosts["oa-01"].file("/srv/portal/www")
    assert (portal.group, portal.mode) == ("data-portal-content", 0o2755)


def test_a_document_opened_to_everyone_is_seen_then_closed_again(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    hr, mon = hosts["hr-01"], hosts["mon-01"]
    leaked = f"{HR_DOCUMENTS}/rampart-test-open.txt"
    series = (
        f'rampart_storage_data_set_problems{{data_set="hr-documents",path="{HR_DOCUMENTS}",'
        'problem="too_open"}'
    )
    hr.check_output(f"echo salaries > {leaked} && chmod 0644 {leaked}")
    try:
        hr.check_output("systemctl start rampart-storage-status.service")
        assert metrics(hr, "rampart_storage")[series] == 1
        wait_for(
            lambda: alert_states(mon, "RampartStorageFolderNotAsPlanned", "hr-01"),
            "Prometheus did not see hr-documents open to others",
        )
        checked = hr.check_output("rampart storage apply --check")
        assert f"would change: hr-documents: {leaked} mode 0644 -> 0640" in checked
        assert hr.file(leaked).mode == 0o644, "--check changed nothing"
        applied = hr.check_output("rampart storage apply")
        assert f"changed: hr-documents: {leaked} mode 0644 -> 0640" in applied
        assert hr.file(leaked).mode == 0o640
        assert hr.check_output("rampart storage apply") == "storage: as planned, nothing to change"
        hr.check_output("systemctl start rampart-storage-status.service")
        assert metrics(hr, "rampart_storage")[series] == 0
        wait_for(
            lambda: not alert_states(mon, "RampartStorageFolderNotAsPlanned", "hr-01"),
            "the alert did not clear once the document was closed",
        )
    finally:
        hr.run(f"rm -f {leaked}")


def test_the_boot_unit_gives_a_remounted_volume_its_options_back(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    oa = hosts["oa-01"]
    assert oa.service("rampart-storage.service").is_enabled
    oa.check_output("mount -o remount,bind,nodev,nosuid,exec /srv")
    assert "noexec" not in oa.check_output("findmnt --noheadings --output OPTIONS /srv")
    # What the host runs at boot (the lab's hosts cannot reboot: nspawn would end).
    restarted = oa.run("systemctl restart rampart-storage.service")
    assert restarted.rc == 0, oa.run("journalctl -u rampart-storage -n 20").stdout
    assert "noexec" in oa.check_output("findmnt --noheadings --output OPTIONS /srv")
    status = oa.check_output("systemctl show -p ActiveState,Result rampart-storage.service")
    assert "ActiveState=active" in status and "Result=success" in status
