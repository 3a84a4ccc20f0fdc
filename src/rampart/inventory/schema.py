"""Rampart's inventory schema: every catalog variable, its keys, and the rules across them.

This one description drives the validator and the reference in docs/inventory.md. Each
variable lives in `group_vars/all/`: the catalog is the same for every host.
"""

from __future__ import annotations

import base64
import binascii
import re
from email.utils import parseaddr
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rampart import prometheus_duration
from rampart.checks import CHECK_TYPES, LONGEST_INTERVAL_SECONDS
from rampart.inventory.model import (
    AccessGrant,
    Alerting,
    Antivirus,
    Check,
    Database,
    DataClassPolicy,
    DataSet,
    Encryption,
    LongTermStore,
    MaintenanceWindow,
    Objective,
    Person,
    PlatformPort,
    Port,
    Post,
    Relabel,
    RemoteWriteQueue,
    Retention,
    Service,
    Storage,
)
from rampart.schema.kinds import (
    Boolean,
    Choice,
    Field,
    Integer,
    ListOf,
    MapOf,
    Number,
    Record,
    Text,
    Timestamp,
    is_template,
)
from rampart.schema.problems import Location, Problem

HOST_OR_GROUP = "host or group"
DATA_SET = "data set"
POST = "post"

DATA_CLASSES = ("sensitive", "internal", "public")
SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def identifier(name: str) -> Text:
    """An id used in metric labels, file names and references."""
    return Text(
        pattern=r"[a-z][a-z0-9_-]{0,62}",
        pattern_hint="an id: lower-case letters, digits, '-' and '_', starting with a letter",
        name=name,
    )


def check_absolute_path(path: str) -> str | None:
    """Data set paths are absolute and plain, so backup and storage act on the right tree."""
    if not path.startswith("/"):
        return f"'{path}' is not an absolute path (it must start with /)"
    if ".." in PurePosixPath(path).parts:
        return f"'{path}' must not contain '..'"
    return None


def check_time_zone(name: str) -> str | None:
    """An IANA time zone the machine knows, so calendar months begin where the company's do."""
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return f"'{name}' is no IANA time zone (like Europe/Berlin or UTC)"
    return None


def check_public_key(line: str) -> str | None:
    """An OpenSSH public key line: TYPE BASE64 [COMMENT], with data that matches its type."""
    if line.lstrip().startswith("-----BEGIN"):
        return "this is a private key; give the public key (the line in the .pub file)"
    parts = line.split(None, 2)
    if len(parts) < 2:
        return "is not an OpenSSH public key line (TYPE BASE64 [COMMENT])"
    key_type, encoded = parts[0], parts[1]
    if key_type not in SSH_KEY_TYPES:
        return f"key type '{key_type}' is not one of: {', '.join(SSH_KEY_TYPES)}"
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "the key data is not valid base64"
    fields: list[bytes] = []
    while blob:
        length = int.from_bytes(blob[:4], "big")
        if len(blob) < 4 + length:
            return "the key data is cut short"
        fields.append(blob[4 : 4 + length])
        blob = blob[4 + length :]
    if len(fields) < 2 or fields[0] != key_type.encode():
        return f"the key data is not an {key_type} key"
    return None


def check_store_url(url: str) -> str | None:
    """The long-term store's write endpoint: http(s) with a host, and no password in it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError as error:
        return f"'{url}' is not a URL ({error})"
    if parts.scheme not in ("https", "http"):
        return f"'{url}' is not an https:// or http:// URL"
    if not parts.hostname:
        return f"'{url}' names no host"
    if parts.username is not None or parts.password is not None:
        return "must not hold credentials; give username and password_file instead"
    return None


def check_link_url(url: str) -> str | None:
    """A link people open or Alertmanager calls: http(s) with a host, no credentials in it."""
    message = check_store_url(url)
    if message and message.startswith("must not hold credentials"):
        return "must not hold credentials; a secret never sits in the inventory"
    return message


def check_base_url(url: str) -> str | None:
    """A base URL that runbook file names are appended to, so it ends with /."""
    message = check_link_url(url)
    if message is None and not url.endswith("/"):
        return f"'{url}' must end with / (runbook file names are appended to it)"
    return message


def check_smarthost(value: str) -> str | None:
    """The mail service as host:port, as Alertmanager's smtp_smarthost takes it."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"'{value}' is not host:port (like mail.example.com:25)"
    return None


def check_mail_address(value: str) -> str | None:
    """A mail address, alone or with a name (`Rampart <alerts@example.com>`)."""
    if not mail_address(value):
        return f"'{value}' holds no mail address (like alerts@example.com)"
    return None


def mail_address(value: str) -> str:
    """The address in `Name <address>` or a bare address; empty text when there is none."""
    _, found = parseaddr(value)
    local, _, domain = found.rpartition("@")
    return found if local and domain and " " not in found else ""


def check_regex(pattern: str) -> str | None:
    """A relabel regex that compiles (Prometheus anchors it and uses RE2, much the same syntax)."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"'{pattern}' is not a regular expression ({error})"
    return None


HOST_REFERENCE = Text(refers_to=HOST_OR_GROUP, name="host or group name")
ABSOLUTE_PATH = Text(check=check_absolute_path, name="absolute path")
PUBLIC_KEY = Text(check=check_public_key, name="OpenSSH public key line")
PORT_NUMBER = Integer(minimum=1, maximum=65535)

# Which check fields apply to which check types, and which of them each type needs.
CHECK_FIELDS_APPLY_TO = {
    "port": ("http", "https", "tcp", "smtp", "postgresql"),
    "path": ("http", "https"),
    "expect_status": ("http", "https"),
    "expect_body": ("http", "https"),
    "database": ("postgresql",),
    "query": ("postgresql",),
    "command": ("ssh_command",),
}
CHECK_FIELDS_REQUIRED_FOR = {
    "port": ("http", "https", "tcp", "smtp", "postgresql"),
    "database": ("postgresql",),
    "query": ("postgresql",),
    "command": ("ssh_command",),
}


def check_fits_its_type(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """Each check type takes its own keys; http checks default to GET / expecting 200."""
    check_type = values["type"]
    for name, types in CHECK_FIELDS_APPLY_TO.items():
        if values[name] is not None and check_type not in types:
            problems.append(
                where.field(name).problem(
                    f"does not apply to {check_type} checks (only to {', '.join(types)})"
                )
            )
    for name, types in CHECK_FIELDS_REQUIRED_FOR.items():
        if values[name] is None and check_type in types:
            problems.append(where.field(name).problem(f"required for {check_type} checks"))
    if check_type in ("http", "https"):
        values["path"] = values["path"] or "/"
        values["expect_status"] = values["expect_status"] or 200
    if values["timeout_seconds"] >= values["interval_seconds"]:
        problems.append(
            where.field("timeout_seconds").problem(
                f"must be shorter than interval_seconds ({values['interval_seconds']}),"
                " so checks do not overlap"
            )
        )


def check_path_is_absolute_request(
    values: dict[str, Any], where: Location, problems: list[Problem]
) -> None:
    """An http check's path is what goes into the request line, so it starts with /."""
    path = values["path"]
    if isinstance(path, str) and not is_template(path) and not path.startswith("/"):
        problems.append(where.field("path").problem(f"'{path}' must start with /"))


def check_ports_are_probed_ports(
    values: dict[str, Any], where: Location, problems: list[Problem]
) -> None:
    """A check on a port the catalog does not open would be blocked by the firewall."""
    opened = {port.port for port in values["ports"]}
    for index, check in enumerate(values["checks"]):
        if check.port is not None and check.port not in opened:
            listed = ", ".join(str(port) for port in sorted(opened)) or "none"
            problems.append(
                where.field("checks")
                .item(index)
                .field("port")
                .problem(f"port {check.port} is not among the service's ports ({listed})")
            )


def check_window_order(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """A maintenance window ends after it starts."""
    if values["end"] <= values["start"]:
        problems.append(where.field("end").problem("must be later than start"))


def check_data_set_location(
    values: dict[str, Any], where: Location, problems: list[Problem]
) -> None:
    """A data set is somewhere: in directories, in a database, or both."""
    if not values["paths"] and values["database"] is None:
        problems.append(where.problem("needs paths, a database, or both"))


def check_class_policy(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """Sensitive data is encrypted and stays off the cloud; a backup keeps something."""
    if values["name"] == "sensitive":
        if not values["encrypt_at_rest"]:
            problems.append(
                where.field("encrypt_at_rest").problem(
                    "sensitive data must be encrypted at rest (REG-4.2.2)"
                )
            )
        if values["cloud_allowed"]:
            problems.append(
                where.field("cloud_allowed").problem(
                    "sensitive data must not go to cloud storage (REG-4.1.2)"
                )
            )
    retention = values["retention"]
    if values["backup"] and retention.daily + retention.weekly + retention.monthly == 0:
        problems.append(
            where.field("retention").problem("keeps no backup; keep at least one (REG-4.2.5)")
        )


def check_active_person_has_post(
    values: dict[str, Any], where: Location, problems: list[Problem]
) -> None:
    """Access follows posts, so a person who works here has one."""
    if values["status"] == "active" and values["post"] is None:
        problems.append(where.field("post").problem("required for an active person"))


PORT = Record(
    model=Port,
    fields=(
        Field("port", PORT_NUMBER, "Port number the service listens on.", 443),
        Field(
            "protocol",
            Choice(("tcp", "udp")),
            "Transport protocol.",
            "tcp",
            required=False,
            default="tcp",
        ),
        Field(
            "clients",
            ListOf(HOST_REFERENCE, min_items=1),
            "Hosts or groups the firewall lets connect; `all` opens the port to any address.",
            ["office", "monitoring"],
        ),
    ),
)

CHECK = Record(
    model=Check,
    rules=(check_fits_its_type, check_path_is_absolute_request),
    fields=(
        Field(
            "name",
            identifier("check name"),
            "Name of the check, unique in the service; a label on the probe metrics.",
            "health",
        ),
        Field(
            "type",
            Choice(CHECK_TYPES),
            "What the prober does: an HTTP(S) request, a TCP connect, an SMTP greeting,"
            " a PostgreSQL query, or a command over SSH (exit status 0 means up).",
            "http",
        ),
        Field(
            "port",
            PORT_NUMBER,
            "Port to probe; required for every type but ssh_command, and one of the"
            " service's ports.",
            8080,
            required=False,
        ),
        Field(
            "path",
            Text(),
            "http and https only: the path to request, starting with /. Default /.",
            "/health",
            required=False,
        ),
        Field(
            "expect_status",
            Integer(minimum=100, maximum=599),
            "http and https only: the HTTP status the answer must have. Default 200.",
            200,
            required=False,
        ),
        Field(
            "expect_body",
            Text(),
            "http and https only: text the answer's body must contain.",
            "ok",
            required=False,
        ),
        Field(
            "database",
            Text(),
            "postgresql only, required: the database to connect to.",
            "hr",
            required=False,
        ),
        Field(
            "query",
            Text(),
            "postgresql only, required: a read-only query that must succeed.",
            "SELECT count(*) FROM employees",
            required=False,
        ),
        Field(
            "command",
            Text(),
            "ssh_command only, required: a shell command run on each host over SSH.",
            "systemctl is-active --quiet nginx",
            required=False,
        ),
        Field(
            "critical",
            Boolean(),
            "Whether a failure makes the service count as down; a non-critical one only warns.",
            True,
            required=False,
            default=True,
        ),
        Field(
            "interval_seconds",
            Integer(minimum=1, maximum=LONGEST_INTERVAL_SECONDS),
            "How often the check runs.",
            15,
            required=False,
            default=15,
        ),
        Field(
            "timeout_seconds",
            Integer(minimum=1, maximum=LONGEST_INTERVAL_SECONDS),
            "How long the check may take before it fails; shorter than interval_seconds.",
            5,
            required=False,
            default=5,
        ),
    ),
)

OBJECTIVE = Record(
    model=Objective,
    fields=(
        Field(
            "availability_percent",
            Number(above=0, below=100),
            "Share of time the service must be up over a month and a quarter (REG-7.1.1).",
            99.5,
        ),
        Field(
            "response_time_seconds",
            Number(above=0),
            "Longest acceptable answer time of the checks (REG-7.1.3).",
            0.5,
            required=False,
        ),
    ),
)

MAINTENANCE_WINDOW = Record(
    model=MaintenanceWindow,
    rules=(check_window_order,),
    fields=(
        Field(
            "start",
            Timestamp(),
            "When the planned downtime starts; quoted, so YAML keeps it as text for Ansible.",
            "2025-03-01T22:00:00Z",
        ),
        Field("end", Timestamp(), "When it ends; later than start.", "2025-03-02T02:00:00Z"),
        Field("reason", Text(), "Why, for the availability report.", "PostgreSQL upgrade"),
    ),
)

SERVICE = Record(
    model=Service,
    rules=(check_ports_are_probed_ports,),
    fields=(
        Field(
            "description",
            Text(),
            "What the service is for, as dashboards and reports show it.",
            "Office portal: intranet pages and shared documents",
        ),
        Field(
            "owner",
            Text(),
            "Who answers for the service: a team or person and how to reach them.",
            "IT department <it@example.com>",
        ),
        Field(
            "hosts",
            ListOf(HOST_REFERENCE, min_items=1),
            "Hosts or groups the service runs on; checks run against each of their hosts.",
            ["office"],
        ),
        Field(
            "ports",
            ListOf(PORT, unique_by=("port", "protocol")),
            "Ports the firewall opens on the service's hosts, each to its clients.",
            [{"port": 80, "protocol": "tcp", "clients": ["all"]}],
        ),
        Field(
            "checks",
            ListOf(CHECK, unique_by=("name",), min_items=1),
            "Health checks the availability prober runs; their results make availability.",
            [{"name": "health", "type": "http", "port": 80, "path": "/health"}],
        ),
        Field(
            "objective",
            OBJECTIVE,
            "The availability (and response time) the service promises.",
            {"availability_percent": 99.5},
        ),
        Field(
            "data_sets",
            ListOf(Text(refers_to=DATA_SET, name="data set id")),
            "Ids of the data sets (rampart_data_sets) the service holds.",
            ["portal-content"],
            required=False,
            default=(),
        ),
        Field(
            "maintenance",
            ListOf(MAINTENANCE_WINDOW),
            "Planned downtimes that do not count against the objective.",
            [{"start": "2025-03-01T22:00:00Z", "end": "2025-03-02T02:00:00Z", "reason": "Upgrade"}],
            required=False,
            default=(),
        ),
    ),
)

DATABASE = Record(
    model=Database,
    fields=(
        Field("engine", Choice(("postgresql",)), "Database engine.", "postgresql"),
        Field("name", Text(), "Name of the database on the service's hosts.", "hr"),
    ),
)

DATA_SET_RECORD = Record(
    model=DataSet,
    rules=(check_data_set_location,),
    fields=(
        Field(
            "class",
            Choice(DATA_CLASSES),
            "Classification; its policy (rampart_data_classes) decides encryption at rest,"
            " backup, retention and cloud storage.",
            "sensitive",
            attribute="data_class",
        ),
        Field("description", Text(), "What the data is.", "Staff records and payroll"),
        Field(
            "paths",
            ListOf(ABSOLUTE_PATH),
            "Directories (absolute paths) that hold the data.",
            ["/srv/hr/documents"],
            required=False,
            default=(),
        ),
        Field(
            "database",
            DATABASE,
            "A database that holds the data.",
            {"engine": "postgresql", "name": "hr"},
            required=False,
        ),
    ),
)

RETENTION = Record(
    model=Retention,
    fields=(
        Field("daily", Integer(minimum=0), "Daily backups to keep.", 7),
        Field("weekly", Integer(minimum=0), "Weekly backups to keep.", 4),
        Field("monthly", Integer(minimum=0), "Monthly backups to keep.", 12),
    ),
)

DATA_CLASS_POLICY = Record(
    model=DataClassPolicy,
    rules=(check_class_policy,),
    fields=(
        Field(
            "encrypt_at_rest",
            Boolean(),
            "Whether data of this class is encrypted on disk; sensitive data must be.",
            True,
        ),
        Field("backup", Boolean(), "Whether data of this class is backed up.", True),
        Field(
            "retention",
            RETENTION,
            "How many backups to keep.",
            {"daily": 7, "weekly": 4, "monthly": 12},
        ),
        Field(
            "cloud_allowed",
            Boolean(),
            "Whether data of this class may be stored in a cloud; never for sensitive data.",
            False,
        ),
    ),
)

ACCESS_GRANT = Record(
    model=AccessGrant,
    fields=(
        Field(
            "hosts",
            HOST_REFERENCE,
            "Host or group whose hosts people of the post may log in to; `all` for every host.",
            "finance",
        ),
        Field(
            "sudo",
            Boolean(),
            "Whether they may run commands as root there.",
            False,
            required=False,
            default=False,
        ),
    ),
)

POST_RECORD = Record(
    model=Post,
    fields=(
        Field("title", Text(), "The post's name as people know it.", "Finance officer"),
        Field(
            "access",
            ListOf(ACCESS_GRANT),
            "Where people of this post may log in, and with sudo or not (REG-6.2.1).",
            [{"hosts": "finance", "sudo": False}],
        ),
        Field(
            "on_call",
            Boolean(),
            "Whether the active people of this post are mailed every alert, beside the"
            " owner of the service it is about (rampart_alerting, REG-9.3.1).",
            True,
            required=False,
            default=False,
        ),
        Field(
            "reads",
            ListOf(Text(refers_to=DATA_SET, name="data set id")),
            "Data sets whose folders people of this post may read on the hosts they log in"
            " to: their accounts join each data set's group (rampart_storage, REG-4.1.1).",
            ["finance-reports"],
            required=False,
            default=(),
        ),
    ),
)

PERSON = Record(
    model=Person,
    rules=(check_active_person_has_post,),
    fields=(
        Field(
            "username",
            Text(
                pattern=r"[a-z_][a-z0-9_-]{0,31}",
                pattern_hint="a POSIX user name (lower-case letters, digits, '_', '-';"
                " at most 32, not starting with a digit or '-')",
                name="user name",
            ),
            "Login name on the hosts; unique.",
            "carol",
        ),
        Field("full_name", Text(), "The person's name, for the access review.", "Carol Jones"),
        Field(
            "post",
            Text(refers_to=POST, name="post id"),
            "Id of the person's post (rampart_posts); required while active, kept for the"
            " record after leaving.",
            "finance-officer",
            required=False,
        ),
        Field(
            "status",
            Choice(("active", "left")),
            "`active` gets the post's access; `left` loses every account and key (REG-6.2.2).",
            "active",
        ),
        Field(
            "ssh_keys",
            ListOf(PUBLIC_KEY),
            "OpenSSH public key lines the person logs in with.",
            [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFF2At0OaFYKXhr7a/puOmBNU0/gF+iJt4Vj+yeH+8N0"
                " carol@laptop"
            ],
            required=False,
            default=(),
        ),
    ),
)

PLATFORM_PORT = Record(
    model=PlatformPort,
    fields=(
        Field(
            "name",
            identifier("platform port name"),
            "What needs the port, as rule comments and reports show it.",
            "node-exporter",
        ),
        Field("port", PORT_NUMBER, "Port number.", 9100),
        Field(
            "protocol",
            Choice(("tcp", "udp")),
            "Transport protocol.",
            "tcp",
            required=False,
            default="tcp",
        ),
        Field(
            "hosts",
            ListOf(HOST_REFERENCE, min_items=1),
            "Hosts or groups the port is opened on; `all` for every host.",
            ["all"],
        ),
        Field(
            "clients",
            ListOf(HOST_REFERENCE, min_items=1),
            "Hosts or groups the firewall lets connect; `all` opens the port to any address.",
            ["monitoring"],
        ),
    ),
)


def check_store_settings(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """Basic auth is a username with a password file; a CA file is for https; queue defaults."""
    if values["username"] is not None and values["password_file"] is None:
        problems.append(
            where.field("password_file").problem(
                "required with username: a file on the monitoring host holding the password"
            )
        )
    if values["password_file"] is not None and values["username"] is None:
        problems.append(where.field("username").problem("required with password_file"))
    url = values["url"]
    if values["ca_file"] is not None and not is_template(url) and not url.startswith("https:"):
        problems.append(where.field("ca_file").problem("applies to https:// URLs only"))
    values["queue"] = values["queue"] or DEFAULT_QUEUE


RELABEL_KEYS = {
    "keep": (("source_labels", "regex"), ()),
    "drop": (("source_labels", "regex"), ()),
    "replace": (("target_label",), ("source_labels", "regex", "replacement")),
    "labeldrop": (("regex",), ()),
    "labelkeep": (("regex",), ()),
}
"""Each relabel action: the keys it needs, and the further keys it takes."""


def check_relabel_fits_action(
    values: dict[str, Any], where: Location, problems: list[Problem]
) -> None:
    """Each action takes its own keys, so a rule does what it reads as."""
    action = values["action"]
    needed, optional = RELABEL_KEYS[action]
    for key in ("source_labels", "regex", "target_label", "replacement"):
        given = bool(values[key])
        if key in needed and not given:
            problems.append(where.field(key).problem(f"required for action {action}"))
        elif given and key not in needed and key not in optional:
            problems.append(where.field(key).problem(f"does not apply to action {action}"))


LABEL_NAME = Text(
    pattern=r"[a-zA-Z_][a-zA-Z0-9_]*",
    pattern_hint="a Prometheus label name (letters, digits and '_', not starting with a digit)",
    name="label name",
)
DURATION = Text(
    pattern=r"([0-9]+(ms|s|m|h|d|w|y))+",
    pattern_hint="a Prometheus duration like 5s, 1m or 1m30s",
    check=lambda text: None if prometheus_duration.seconds(text) else f"'{text}' must be above 0",
    name="duration",
)

REMOTE_WRITE_QUEUE = Record(
    model=RemoteWriteQueue,
    fields=(
        Field(
            "capacity",
            Integer(minimum=1),
            "Samples queued per shard before reading the write-ahead log waits.",
            10000,
            required=False,
            default=10000,
        ),
        Field(
            "max_shards",
            Integer(minimum=1),
            "Most parallel senders; lower it to spare a small store.",
            50,
            required=False,
            default=50,
        ),
        Field(
            "max_samples_per_send",
            Integer(minimum=1),
            "Most samples in one request.",
            2000,
            required=False,
            default=2000,
        ),
        Field(
            "batch_send_deadline",
            DURATION,
            "Longest a sample waits for its batch to fill.",
            "5s",
            required=False,
            default="5s",
        ),
    ),
)
DEFAULT_QUEUE = RemoteWriteQueue(10000, 50, 2000, "5s")
"""Prometheus' own defaults, written out so the configuration says what it does."""

RELABEL = Record(
    model=Relabel,
    rules=(check_relabel_fits_action,),
    fields=(
        Field(
            "action",
            Choice(tuple(RELABEL_KEYS)),
            "keep or drop series whose source labels match regex; replace sets target_label;"
            " labeldrop or labelkeep drop or keep the labels whose name matches regex.",
            "drop",
            required=False,
            default="replace",
        ),
        Field(
            "source_labels",
            ListOf(LABEL_NAME),
            "Labels whose values (joined with ;) are matched; required for keep and drop.",
            ["__name__"],
            required=False,
            default=(),
        ),
        Field(
            "regex",
            Text(check=check_regex, name="regular expression"),
            "What the joined values (or, for labeldrop and labelkeep, label names) must match"
            " whole; for replace, default (.*).",
            "go_.*",
            required=False,
        ),
        Field(
            "target_label",
            LABEL_NAME,
            "replace only, required: the label to set.",
            "region",
            required=False,
        ),
        Field(
            "replacement",
            Text(),
            "replace only: the new value, with $1 for the regex's first group; default $1.",
            "eu-$1",
            required=False,
        ),
    ),
)

LONG_TERM_STORE = Record(
    model=LongTermStore,
    rules=(check_store_settings,),
    fields=(
        Field(
            "url",
            Text(check=check_store_url, name="URL"),
            "The store's remote-write endpoint: Thanos receive's /api/v1/receive, Mimir's"
            " /api/v1/push. No credentials in it.",
            "https://thanos-receive.corp.example.com:19291/api/v1/receive",
        ),
        Field(
            "site",
            Text(
                pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}",
                pattern_hint="a site name: letters, digits, '.', '_' and '-', at most 63,"
                " starting with a letter or digit",
                name="site name",
            ),
            "The `site` label on every sample and alert this inventory's Prometheus sends,"
            " so one store holds many sites apart.",
            "berlin",
        ),
        Field(
            "username",
            Text(),
            "Basic auth user at the store; with password_file.",
            "rampart-berlin",
            required=False,
        ),
        Field(
            "password_file",
            ABSOLUTE_PATH,
            "Basic auth password: a file on the monitoring host, never the password itself"
            " (roles/monitoring_server writes it from monitoring_server_long_term_store_password"
            " when that is set).",
            "/etc/prometheus/long-term-store-password",
            required=False,
        ),
        Field(
            "ca_file",
            ABSOLUTE_PATH,
            "https only: a CA certificate file on the monitoring host the store's certificate"
            " must chain to; default the system's trusted CAs.",
            "/etc/ssl/certs/corp-ca.pem",
            required=False,
        ),
        Field(
            "queue",
            REMOTE_WRITE_QUEUE,
            "How samples are batched and sent (Prometheus' queue_config).",
            {"max_shards": 10},
            required=False,
        ),
        Field(
            "write_relabel",
            ListOf(RELABEL),
            "Rules choosing and rewriting the series sent (write_relabel_configs), in order;"
            " default: send everything.",
            [{"action": "drop", "source_labels": ["__name__"], "regex": "go_.*"}],
            required=False,
            default=(),
        ),
    ),
)

ALERTING = Record(
    model=Alerting,
    fields=(
        Field(
            "mail_domain",
            Text(
                pattern=r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+",
                pattern_hint="a mail domain like example.com",
                name="mail domain",
            ),
            "The domain of people's mail: a person's address is `<username>@<mail_domain>`.",
            "example.com",
        ),
        Field(
            "smarthost",
            Text(check=check_smarthost, name="host:port"),
            "The company's mail service Alertmanager hands its mail to, as host:port; an"
            " inventory host's name stands for its address.",
            "mail.example.com:25",
        ),
        Field(
            "smarthost_tls",
            Boolean(),
            "Whether the mail service must offer STARTTLS; Alertmanager then sends nothing"
            " over a plain connection. false only for a mail service on a trusted network.",
            True,
            required=False,
            default=True,
        ),
        Field(
            "sender",
            Text(check=check_mail_address, name="mail address"),
            "The From of alert mail.",
            "Rampart alerts <alerts@example.com>",
        ),
        Field(
            "runbook_base_url",
            Text(check=check_base_url, name="URL"),
            "Where the runbooks are served: every alert's runbook_url is this URL followed"
            " by the runbook's file name. An inventory host's name stands for its address.",
            "https://mon-01.example.com:8443/runbooks/",
        ),
        Field(
            "prometheus_url",
            Text(check=check_link_url, name="URL"),
            "Prometheus' address for people (--web.external-url): an alert's link to its"
            " expression starts with it.",
            "https://mon-01.example.com:9090/",
        ),
        Field(
            "alertmanager_url",
            Text(check=check_link_url, name="URL"),
            "Alertmanager's address for people (--web.external-url): the mail's link to"
            " the firing alerts starts with it.",
            "https://mon-01.example.com:9093/",
        ),
        Field(
            "dead_mans_switch_url",
            Text(check=check_link_url, name="URL"),
            "The webhook the always-firing watchdog alert goes to, and nothing else: a"
            " heartbeat service that pages when the calls stop (docs/monitoring.md).",
            "https://hc-ping.com/0b3c4f1e-8d2a-4c8e-9f4e-2a7b6c5d4e3f",
        ),
        Field(
            "watchdog_repeat_interval",
            DURATION,
            "How often the watchdog is sent again; shorter than the heartbeat service's"
            " grace period.",
            "1m",
            required=False,
            default="1m",
        ),
    ),
)

ANTIVIRUS = Record(
    model=Antivirus,
    fields=(
        Field(
            "mirror",
            HOST_REFERENCE,
            "The host (a group: its first host) that serves ClamAV signatures to the fleet;"
            " no other host fetches signatures from anywhere else.",
            "monitoring",
        ),
        Field(
            "mirror_port",
            PORT_NUMBER,
            "The mirror's HTTPS port; the firewall opens it to the hosts that scan.",
            8873,
            required=False,
            default=8873,
        ),
        Field(
            "signature_max_age",
            DURATION,
            "Signatures older than this on a host are stale, and an alert fires.",
            "1d",
            required=False,
            default="1d",
        ),
        Field(
            "scan_interval",
            DURATION,
            "How often each data set's files are scanned; no scan for two intervals alerts.",
            "1d",
            required=False,
            default="1d",
        ),
        Field(
            "official_databases",
            Boolean(),
            "Whether the mirror serves ClamAV's official databases (main, daily, bytecode)"
            " as well as Rampart's own signatures. true in production, where the mirror"
            " is fed from upstream (cvdupdate); false without internet.",
            True,
            required=False,
            default=True,
        ),
    ),
)

MOUNT_OPTIONS = ("nodev", "nosuid", "noexec")

STORAGE = Record(
    model=Storage,
    fields=(
        Field(
            "volume",
            ABSOLUTE_PATH,
            "Mount point of each host's data volume: the data sets' folders below it are"
            " managed (owner, group, mode by class) and measured.",
            "/srv",
            required=False,
            default="/srv",
        ),
        Field(
            "volume_options",
            ListOf(Choice(MOUNT_OPTIONS)),
            "Mount options the data volume must have; Rampart remounts it with them and"
            " keeps them at boot. Leave out noexec where a program runs from the volume.",
            ["nodev", "nosuid", "noexec"],
            required=False,
            default=MOUNT_OPTIONS,
        ),
        Field(
            "full_warning",
            DURATION,
            "Alert when the volume, at its free space's trend over the last 6 hours, is"
            " full within this.",
            "7d",
            required=False,
            default="7d",
        ),
    ),
)

ENCRYPTION = Record(
    model=Encryption,
    fields=(
        Field(
            "tang",
            HOST_REFERENCE,
            "The host (a group: its first host) that runs tang: each host's data set keys"
            " are bound to it with clevis and unlock at boot only while it answers. The"
            " firewall lets only the hosts that encrypt reach it.",
            "monitoring",
        ),
        Field(
            "tang_port",
            PORT_NUMBER,
            "The port tang listens on.",
            7500,
            required=False,
            default=7500,
        ),
    ),
)

ADMIN_SOURCE = Text(
    refers_to=HOST_OR_GROUP,
    name="address, network, host or group name",
    addresses_allowed=True,
)

VARIABLES = (
    Field(
        "rampart_services",
        MapOf(identifier("service id"), SERVICE, key_label="service-id"),
        "The service catalog (REG-2): each information service by id. The firewall,"
        " prober, dashboards and reports read it.",
        None,
    ),
    Field(
        "rampart_data_sets",
        MapOf(identifier("data set id"), DATA_SET_RECORD, key_label="data-set-id"),
        "The data sets by id, each with its class (REG-3.3, REG-4.1); every data set is"
        " held by some service.",
        None,
    ),
    Field(
        "rampart_data_classes",
        MapOf(Choice(DATA_CLASSES), DATA_CLASS_POLICY, key_label="class", key_attribute="name"),
        "The policy of each data class; a class left out gets the default policy below.",
        None,
        required=False,
    ),
    Field(
        "rampart_posts",
        MapOf(identifier("post id"), POST_RECORD, key_label="post-id"),
        "The posts (jobs) by id and the access each one gives (REG-6.2.1).",
        None,
    ),
    Field(
        "rampart_people",
        ListOf(PERSON, unique_by=("username",)),
        "The people directory: who has which post, and their SSH keys (REG-4.2.1, REG-6.2).",
        None,
    ),
    Field(
        "rampart_platform_ports",
        ListOf(PLATFORM_PORT, unique_by=("name",)),
        "Ports Rampart's own services need (metrics exporters, backup transfer); the firewall"
        " opens each on its hosts to its clients, beside the catalog's ports (REG-4.2.4).",
        None,
        required=False,
    ),
    Field(
        "rampart_admin_sources",
        ListOf(ADMIN_SOURCE, min_items=1),
        "Where administrators (and Ansible) connect from: IP addresses, networks (CIDR),"
        " hosts or groups. The firewall lets SSH in from these only (REG-4.2.4).",
        ["10.20.0.0/24", "monitoring"],
        required=False,
    ),
    Field(
        "rampart_time_zone",
        Text(check=check_time_zone, name="time zone"),
        "The company's time zone (IANA name): the calendar months and quarters of the"
        " availability reports and dashboards begin at midnight there.",
        "Europe/Berlin",
        required=False,
        default="UTC",
    ),
    Field(
        "rampart_long_term_store",
        LONG_TERM_STORE,
        "Where Prometheus on the monitoring hosts also sends every sample (remote_write), for"
        " keeping and querying past one server and one site: Thanos receive or Mimir."
        " Unset: Prometheus keeps its data locally only (docs/scale.md).",
        None,
        required=False,
    ),
    Field(
        "rampart_alerting",
        ALERTING,
        "Who Alertmanager tells and how (REG-9.3.1): each service's alerts are mailed to its"
        " owner and to the people of on-call posts, other alerts to those people, the"
        " watchdog to a dead-man's switch (docs/monitoring.md). Unset: nobody is told.",
        None,
        required=False,
    ),
    Field(
        "rampart_antivirus",
        ANTIVIRUS,
        "ClamAV on every host holding a data set's files, signatures from Rampart's"
        " private mirror, scheduled scans and quarantine (REG-4.2.4, docs/antivirus.md)."
        " Unset: no antivirus is installed.",
        None,
        required=False,
    ),
    Field(
        "rampart_storage",
        STORAGE,
        "Each host's data volume (REG-4.1.1): its mount point and options, the folders of"
        " the data sets on it (owner root, a group per data set holding the people whose"
        " post reads it, mode by class), usage metrics and the full-soon alert"
        " (docs/storage.md). Unset: folders are left as they are.",
        None,
        required=False,
    ),
    Field(
        "rampart_encryption",
        ENCRYPTION,
        "Encryption at rest (REG-4.2.2, docs/encryption.md): every folder of a data set"
        " whose class says encrypt_at_rest is put under fscrypt with a key per host and"
        " data set, bound to the tang server named here and escrowed in the controller's"
        " vault. Needs rampart_storage. Unset: nothing is encrypted at rest.",
        None,
        required=False,
    ),
)

DEFAULT_DATA_CLASSES = {
    "sensitive": DataClassPolicy("sensitive", True, True, Retention(14, 8, 12), False),
    "internal": DataClassPolicy("internal", False, True, Retention(7, 4, 6), False),
    "public": DataClassPolicy("public", False, True, Retention(7, 4, 3), True),
}
