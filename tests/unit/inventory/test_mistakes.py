"""Each kind of mistake gets its own clear message naming the file, the line and the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.inventory.conftest import edit, line_of, problems, public_key, write

CATALOG = "group_vars/all/catalog.yml"
PEOPLE = "group_vars/all/people.yml"


@dataclass(frozen=True)
class Mistake:
    """One edit that breaks the valid inventory, and the one problem it must cause."""

    file: str
    old: str
    new: str
    at: str
    """Text on the line the problem must point at (in the edited file)."""
    key: str
    message: str


MISTAKES = {
    "unknown key with a suggestion": Mistake(
        CATALOG,
        "    data_sets: [portal-content]\n",
        "    data_set: [portal-content]\n    data_sets: [portal-content]\n",
        "data_set:",
        "rampart_services.portal.data_set",
        "unknown key (did you mean 'data_sets'?)",
    ),
    "unknown key without a close name": Mistake(
        CATALOG,
        "    encrypt_at_rest: true\n",
        "    encrypt_at_rest: true\n    offsite: true\n",
        "offsite",
        "rampart_data_classes.sensitive.offsite",
        "unknown key (known keys: encrypt_at_rest, backup, retention, cloud_allowed)",
    ),
    "required key missing": Mistake(
        CATALOG,
        "    owner: IT department\n",
        "",
        "  portal:",
        "rampart_services.portal.owner",
        "required key is missing",
    ),
    "required key empty": Mistake(
        CATALOG,
        "    owner: IT department\n",
        "    owner:\n",
        "owner:",
        "rampart_services.portal.owner",
        "has no value; it is required",
    ),
    "text where a number belongs": Mistake(
        CATALOG,
        "      - port: 80\n",
        "      - port: eighty\n",
        "port: eighty",
        "rampart_services.portal.ports[0].port",
        "expected a whole number, got the text 'eighty'",
    ),
    "port out of range": Mistake(
        CATALOG,
        "      - port: 80\n",
        "      - port: 70000\n",
        "port: 70000",
        "rampart_services.portal.ports[0].port",
        "must be from 1 to 65535, not 70000",
    ),
    "word not among the choices": Mistake(
        CATALOG,
        "        protocol: tcp\n",
        "        protocol: tcpp\n",
        "protocol: tcpp",
        "rampart_services.records.ports[0].protocol",
        "'tcpp' is not one of: tcp, udp (did you mean 'tcp'?)",
    ),
    "availability of 100 percent": Mistake(
        CATALOG,
        "      availability_percent: 99.5\n",
        "      availability_percent: 100\n",
        "availability_percent: 100",
        "rampart_services.portal.objective.availability_percent",
        "must be less than 100, not 100",
    ),
    "true or false expected": Mistake(
        CATALOG,
        "    backup: true\n",
        "    backup: sometimes\n",
        "backup: sometimes",
        "rampart_data_classes.sensitive.backup",
        "expected true or false, got the text 'sometimes'",
    ),
    "check key of another check type": Mistake(
        CATALOG,
        "        command: systemctl is-active nginx\n",
        "        command: systemctl is-active nginx\n        path: /\n",
        "path: /\n",
        "rampart_services.portal.checks[1].path",
        "does not apply to ssh_command checks (only to http, https)",
    ),
    "check key its type needs": Mistake(
        CATALOG,
        "        query: SELECT count(*) FROM employees\n",
        "",
        "      - name: database",
        "rampart_services.records.checks[0].query",
        "required for postgresql checks",
    ),
    "http path without a slash": Mistake(
        CATALOG,
        "        path: /health\n",
        "        path: health\n",
        "path: health",
        "rampart_services.portal.checks[0].path",
        "'health' must start with /",
    ),
    "timeout not shorter than interval": Mistake(
        CATALOG,
        "        path: /health\n",
        "        path: /health\n        interval_seconds: 10\n        timeout_seconds: 10\n",
        "timeout_seconds: 10",
        "rampart_services.portal.checks[0].timeout_seconds",
        "must be shorter than interval_seconds (10), so checks do not overlap",
    ),
    "check on a port the catalog does not open": Mistake(
        CATALOG,
        "        port: 80\n        path: /health\n",
        "        port: 8080\n        path: /health\n",
        "port: 8080",
        "rampart_services.portal.checks[0].port",
        "port 8080 is not among the service's ports (80)",
    ),
    "two checks with one name": Mistake(
        CATALOG,
        "      - name: nginx\n",
        "      - name: health\n",
        "      - name: health\n        type: ssh",
        "rampart_services.portal.checks[1].name",
        "name health is already used at line 11",
    ),
    "one port listed twice": Mistake(
        CATALOG,
        "        clients: [all]\n",
        "        clients: [all]\n"
        "      - port: 80\n        protocol: tcp\n        clients: [office]\n",
        "      - port: 80\n        protocol",
        "rampart_services.portal.ports[1].port",
        "port and protocol 80/tcp is already used at line 8",
    ),
    "maintenance ending before it starts": Mistake(
        CATALOG,
        "        end: 2025-03-02T02:00:00Z\n",
        "        end: 2025-03-01T21:00:00Z\n",
        "end: 2025",
        "rampart_services.records.maintenance[0].end",
        "must be later than start",
    ),
    "maintenance time without a time zone": Mistake(
        CATALOG,
        "        end: 2025-03-02T02:00:00Z\n",
        "        end: 2025-03-02T02:00:00\n",
        "end: 2025",
        "rampart_services.records.maintenance[0].end",
        "give a time zone, e.g. 2025-03-01T22:00:00+01:00 or 2025-03-01T21:00:00Z",
    ),
    "maintenance time that is no time": Mistake(
        CATALOG,
        "        end: 2025-03-02T02:00:00Z\n",
        "        end: tomorrow night\n",
        "end: tomorrow",
        "rampart_services.records.maintenance[0].end",
        "'tomorrow night' is not an ISO-8601 date and time,"
        " e.g. 2025-03-01T22:00:00+01:00 or 2025-03-01T21:00:00Z",
    ),
    "service on an unknown group": Mistake(
        CATALOG,
        "    hosts: [hr]\n",
        "    hosts: [hrr]\n",
        "hosts: [hrr]",
        "rampart_services.records.hosts[0]",
        "no host or group named 'hrr' (did you mean 'hr'?)",
    ),
    "client that does not exist": Mistake(
        CATALOG,
        "        clients: [monitoring, backup_servers]\n",
        "        clients: [monitoring, backups]\n",
        "clients: [monitoring, backups]",
        "rampart_services.records.ports[0].clients[1]",
        "no host or group named 'backups' (did you mean 'backup-01'?)",
    ),
    "service with an unknown data set": Mistake(
        CATALOG,
        "    data_sets: [portal-content]\n",
        "    data_sets: [portal-content, portal-logs]\n",
        "data_sets: [portal-content, portal-logs]",
        "rampart_services.portal.data_sets[1]",
        "no data set named 'portal-logs' (did you mean 'portal-content'?)",
    ),
    "data set no service holds": Mistake(
        CATALOG,
        "    data_sets: [portal-content]\n",
        "",
        "  portal-content:\n    class",
        "rampart_data_sets.portal-content",
        "no service lists this data set in its data_sets",
    ),
    "data set that is nowhere": Mistake(
        CATALOG,
        "    paths: [/srv/portal/www]\n",
        "",
        "  portal-content:\n    class",
        "rampart_data_sets.portal-content",
        "needs paths, a database, or both",
    ),
    "relative data set path": Mistake(
        CATALOG,
        "    paths: [/srv/portal/www]\n",
        "    paths: [srv/portal/www]\n",
        "paths: [srv",
        "rampart_data_sets.portal-content.paths[0]",
        "'srv/portal/www' is not an absolute path (it must start with /)",
    ),
    "data set class that does not exist": Mistake(
        CATALOG,
        "    class: public\n",
        "    class: secret\n",
        "class: secret",
        "rampart_data_sets.portal-content.class",
        "'secret' is not one of: sensitive, internal, public",
    ),
    "policy for an unknown class": Mistake(
        CATALOG,
        "  sensitive:\n    encrypt_at_rest",
        "  sensitiv:\n    encrypt_at_rest",
        "  sensitiv:",
        "rampart_data_classes.sensitiv",
        "'sensitiv' is not one of: sensitive, internal, public (did you mean 'sensitive'?)",
    ),
    "sensitive data unencrypted": Mistake(
        CATALOG,
        "    encrypt_at_rest: true\n",
        "    encrypt_at_rest: false\n",
        "encrypt_at_rest: false",
        "rampart_data_classes.sensitive.encrypt_at_rest",
        "sensitive data must be encrypted at rest (REG-4.2.2)",
    ),
    "sensitive data in the cloud": Mistake(
        CATALOG,
        "    cloud_allowed: false\n",
        "    cloud_allowed: true\n",
        "cloud_allowed: true",
        "rampart_data_classes.sensitive.cloud_allowed",
        "sensitive data must not go to cloud storage (REG-4.1.2)",
    ),
    "backup that keeps nothing": Mistake(
        CATALOG,
        "    retention: {daily: 7, weekly: 4, monthly: 12}\n",
        "    retention: {daily: 0, weekly: 0, monthly: 0}\n",
        "retention:",
        "rampart_data_classes.sensitive.retention",
        "keeps no backup; keep at least one (REG-4.2.5)",
    ),
    "access to an unknown group": Mistake(
        PEOPLE,
        "      - hosts: hr\n",
        "      - hosts: human_resources\n",
        "hosts: human_resources",
        "rampart_posts.hr-officer.access[0].hosts",
        "no host or group named 'human_resources'",
    ),
    "person with an unknown post": Mistake(
        PEOPLE,
        "    post: hr-officer\n",
        "    post: hr-oficer\n",
        "post: hr-oficer",
        "rampart_people[1].post",
        "no post named 'hr-oficer' (did you mean 'hr-officer'?)",
    ),
    "active person without a post": Mistake(
        PEOPLE,
        "    post: admin\n",
        "",
        "  - username: alice",
        "rampart_people[0].post",
        "required for an active person",
    ),
    "user name that is not POSIX": Mistake(
        PEOPLE,
        "  - username: alice\n",
        "  - username: Alice.Admin\n",
        "username: Alice",
        "rampart_people[0].username",
        "'Alice.Admin' is not a POSIX user name (lower-case letters, digits, '_', '-';"
        " at most 32, not starting with a digit or '-')",
    ),
    "two people with one user name": Mistake(
        PEOPLE,
        "  - username: bob\n",
        "  - username: alice\n",
        "  - username: alice\n    full_name: Bob",
        "rampart_people[1].username",
        "username alice is already used at line 13",
    ),
    "status that does not exist": Mistake(
        PEOPLE,
        "    status: left\n",
        "    status: gone\n",
        "status: gone",
        "rampart_people[1].status",
        "'gone' is not one of: active, left",
    ),
    "SSH key that is not base64": Mistake(
        PEOPLE,
        f'    ssh_keys: ["{public_key("bob")}"]\n',
        '    ssh_keys: ["ssh-ed25519 not-base64! bob@laptop"]\n',
        "not-base64",
        "rampart_people[1].ssh_keys[0]",
        "the key data is not valid base64",
    ),
    "SSH key of an unknown type": Mistake(
        PEOPLE,
        f'    ssh_keys: ["{public_key("bob")}"]\n',
        '    ssh_keys: ["ssh-dss AAAAB3NzaC1kc3M= bob@laptop"]\n',
        "ssh-dss",
        "rampart_people[1].ssh_keys[0]",
        "key type 'ssh-dss' is not one of: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256,"
        " ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com,"
        " sk-ecdsa-sha2-nistp256@openssh.com",
    ),
    "SSH key whose data is another type": Mistake(
        PEOPLE,
        f'    ssh_keys: ["{public_key("bob")}"]\n',
        f'    ssh_keys: ["ssh-rsa {public_key("bob").split()[1]} bob@laptop"]\n',
        "ssh-rsa",
        "rampart_people[1].ssh_keys[0]",
        "the key data is not an ssh-rsa key",
    ),
    "private key instead of the public one": Mistake(
        PEOPLE,
        f'    ssh_keys: ["{public_key("bob")}"]\n',
        '    ssh_keys: ["-----BEGIN OPENSSH PRIVATE KEY-----"]\n',
        "BEGIN",
        "rampart_people[1].ssh_keys[0]",
        "this is a private key; give the public key (the line in the .pub file)",
    ),
    "catalog variable misspelt": Mistake(
        CATALOG,
        "rampart_data_classes:\n",
        "rampart_data_class:\n",
        "rampart_data_class:",
        "rampart_data_class",
        "unknown catalog variable (did you mean 'rampart_data_classes'?)",
    ),
    "key written twice in one mapping": Mistake(
        CATALOG,
        "    owner: HR department\n",
        "    owner: HR department\n    owner: Payroll\n",
        "owner: Payroll",
        "rampart_services.records.owner",
        "written twice in one mapping (first at line 23); only this one counts",
    ),
    "template where a number belongs": Mistake(
        CATALOG,
        "      - port: 80\n",
        '      - port: "{{ portal_port }}"\n',
        "portal_port",
        "rampart_services.portal.ports[0].port",
        "expected a whole number, got the text '{{ portal_port }}';"
        " templates are accepted only in text",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_reported_at_its_file_line_and_key(
    inventory: Path, mistake: Mistake
) -> None:
    text = edit(inventory, mistake.file, mistake.old, mistake.new)
    expected = (
        f"{inventory / mistake.file}:{line_of(text, mistake.at)}: {mistake.key}: {mistake.message}"
    )
    assert problems(inventory) == [expected]


def test_every_problem_is_collected_not_only_the_first(inventory: Path) -> None:
    edit(inventory, CATALOG, "      - port: 80\n", "      - port: 0\n")
    edit(inventory, CATALOG, "    class: public\n", "    class: open\n")
    edit(inventory, PEOPLE, "    post: hr-officer\n", "    post: nurse\n")
    found = problems(inventory)
    assert len(found) == 3
    assert [line.split(": ")[1] for line in found] == [
        "rampart_services.portal.ports[0].port",
        "rampart_data_sets.portal-content.class",
        "rampart_people[1].post",
    ]


def test_one_ssh_key_for_two_people(inventory: Path) -> None:
    text = edit(inventory, PEOPLE, public_key("bob"), public_key("alice"))
    alice_line = line_of(text, public_key("alice"))
    bob_line = line_of(text, "status: left") + 1
    assert problems(inventory) == [
        f"{inventory}/{PEOPLE}:{bob_line}: rampart_people[1].ssh_keys[0]:"
        f" the same key as alice's at line {alice_line}; keys are personal"
    ]


def test_catalog_variable_defined_twice(inventory: Path) -> None:
    write(inventory, {"group_vars/all/zz-more.yml": "---\nrampart_posts: {}\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/all/zz-more.yml:2: rampart_posts: defined twice"
        f" (also at {inventory}/{PEOPLE}:2); Ansible keeps only one"
    ]


def test_catalog_variable_outside_group_all(inventory: Path) -> None:
    write(inventory, {"group_vars/hr/vars.yml": "---\nrampart_data_sets: {}\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/hr/vars.yml:2: rampart_data_sets: belongs in"
        " group_vars/all/: the catalog is the same for every host"
    ]


def test_catalog_variable_missing(inventory: Path) -> None:
    (inventory / PEOPLE).unlink()
    assert problems(inventory) == [
        f"{inventory}/group_vars/all: rampart_posts: not defined; define it here",
        f"{inventory}/group_vars/all: rampart_people: not defined; define it here",
    ]


def test_catalog_in_an_encrypted_file_is_named_as_the_likely_cause(inventory: Path) -> None:
    write(inventory, {PEOPLE: "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n"})
    assert problems(inventory)[0] == (
        f"{inventory}/group_vars/all: rampart_posts: not defined; define it here"
        " (vault-encrypted files are not read; keep the catalog plain)"
    )


def test_group_vars_for_a_group_hosts_yml_lacks(inventory: Path) -> None:
    write(inventory, {"group_vars/finanse.yml": "---\nbackup_enabled: true\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/finanse.yml: no group named 'finanse' in hosts.yml,"
        " so Ansible ignores this file (did you mean 'finance'?)"
    ]


def test_host_vars_for_a_host_hosts_yml_lacks(inventory: Path) -> None:
    write(inventory, {"host_vars/oa-02/vars.yml": "---\nansible_port: 2222\n"})
    assert problems(inventory) == [
        f"{inventory}/host_vars/oa-02/vars.yml: no host named 'oa-02' in hosts.yml,"
        " so Ansible ignores this file (did you mean 'oa-01'?)"
    ]


def test_vars_file_that_is_not_a_mapping(inventory: Path) -> None:
    write(inventory, {"group_vars/hr.yml": "---\n- one\n- two\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/hr.yml:1: expected a mapping of variable names to values"
    ]


def test_variable_name_ansible_cannot_use(inventory: Path) -> None:
    write(inventory, {"group_vars/hr.yml": "---\nbackup-enabled: true\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/hr.yml:2: backup-enabled: not a valid variable name"
        " (letters, digits and '_', not starting with a digit)"
    ]


def test_broken_yaml_names_file_and_line(inventory: Path) -> None:
    write(inventory, {"group_vars/all/broken.yml": "---\nfirst: 1\nsecond: [1, 2\nthird: 3\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/all/broken.yml:4: not valid YAML:"
        " expected ',' or ']', but got ':' (while parsing a flow sequence)"
    ]


def test_file_that_is_not_utf8(inventory: Path) -> None:
    (inventory / "group_vars/hr.yml").write_bytes(b"---\nowner: \xff\xfe\n")
    assert problems(inventory) == [f"{inventory}/group_vars/hr.yml:2: the file is not UTF-8 text"]


def test_hosts_yml_missing(inventory: Path) -> None:
    (inventory / "hosts.yml").unlink()
    assert problems(inventory) == [
        f"{inventory}/hosts.yml: missing: every inventory needs hosts.yml"
    ]


def test_hosts_yml_that_cannot_be_read(inventory: Path) -> None:
    (inventory / "hosts.yml").unlink()
    (inventory / "hosts.yml").mkdir()
    assert problems(inventory) == [
        f"{inventory}/hosts.yml: cannot read the file: is a folder, not a file"
    ]


def test_not_a_directory(tmp_path: Path) -> None:
    assert problems(tmp_path / "nowhere") == [
        f"{tmp_path}/nowhere: not a directory;"
        " an inventory is a directory with hosts.yml and group_vars/"
    ]


HOSTS_MISTAKES = {
    "unknown group key": (
        "    office: {hosts: {oa-01: null}}\n",
        "    office: {host: {oa-01: null}}\n",
        "office:",
        "all.children.office.host",
        "unknown key (did you mean 'hosts'?)",
    ),
    "host range": (
        "    mon-01: {ansible_host: 10.77.0.15}\n",
        "    mon-[01:02]: {ansible_host: 10.77.0.15}\n",
        "mon-[01:02]",
        "all.hosts.mon-[01:02]",
        "host ranges are not supported; list each host",
    ),
    "group name with a dash": (
        "    monitoring: {hosts: {mon-01: null}}\n",
        "    monitoring: {hosts: {mon-01: null}}\n    web-servers: {hosts: {oa-01: null}}\n",
        "web-servers",
        "all.children.web-servers",
        "'web-servers' is not a group name (letters, digits and '_' only)",
    ),
    "group that contains itself": (
        "    hr: {hosts: {hr-01: null}}\n",
        "    hr: {hosts: {hr-01: null}, children: {databases: null}}\n",
        "    databases: {children",
        "all.children.databases.children.hr",
        "group 'hr' would contain itself: hr > databases > hr",
    ),
    "name of both a host and a group": (
        "    monitoring: {hosts: {mon-01: null}}\n",
        "    monitoring: {hosts: {mon-01: null}}\n    backup: {hosts: {backup: null}}\n",
        "backup: null",
        "all.children.backup.hosts.backup",
        "'backup' names both a host and a group; rename one",
    ),
    "hosts that are a list": (
        "    office: {hosts: {oa-01: null}}\n",
        "    office: {hosts: [oa-01]}\n",
        "office:",
        "all.children.office.hosts",
        "expected a mapping, got a list",
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "at", "key", "message"), HOSTS_MISTAKES.values(), ids=HOSTS_MISTAKES.keys()
)
def test_each_hosts_yml_mistake_is_reported(
    inventory: Path, old: str, new: str, at: str, key: str, message: str
) -> None:
    text = edit(inventory, "hosts.yml", old, new)
    assert f"{inventory}/hosts.yml:{line_of(text, at)}: {key}: {message}" in problems(inventory)


def test_hosts_yml_that_is_not_a_mapping(inventory: Path) -> None:
    write(inventory, {"hosts.yml": "---\n- oa-01\n"})
    assert problems(inventory) == [
        f"{inventory}/hosts.yml:1: expected a mapping of groups starting with `all:`, got a list"
    ]


def test_a_time_zone_that_is_no_iana_zone(inventory: Path) -> None:
    write(inventory, {"group_vars/all/zone.yml": "---\nrampart_time_zone: Europe/Berlinn\n"})
    assert problems(inventory) == [
        f"{inventory}/group_vars/all/zone.yml:2: rampart_time_zone:"
        " 'Europe/Berlinn' is no IANA time zone (like Europe/Berlin or UTC)"
    ]
