"""The runbook schema, written in the inventory's schema words (`rampart.schema.kinds`).

One description drives validation (unknown keys rejected, file:line:key in every message)
and the key reference in docs/runbooks.md. A step, a check and a rollback are one record
type; which kinds and keys each place accepts is decided here.
"""

from __future__ import annotations

from typing import Any

import jinja2

from rampart.runbook.model import (
    CHANGING_KINDS,
    CHECK_KINDS,
    MILESTONES,
    MODES,
    ROLLBACK_KINDS,
    SEVERITIES,
    STEP_KINDS,
    Measurement,
    Secret,
    Step,
)
from rampart.schema.kinds import (
    Boolean,
    Choice,
    Field,
    Integer,
    ListOf,
    MapOf,
    Record,
    Text,
    Timestamp,
)
from rampart.schema.problems import Location, Problem

NAME = Text(
    pattern=r"[a-z][a-z0-9_-]{0,62}",
    pattern_hint="a name: lower-case letters, digits, '-' and '_', starting with a letter",
    name="name",
)
ENVIRONMENT_NAME = Text(
    pattern=r"[A-Z_][A-Z0-9_]*",
    pattern_hint="an environment variable name: upper-case letters, digits and '_'",
    name="environment variable name",
)
CLAUSE = Text(pattern=r"REG-[0-9]+(\.[0-9]+)*", pattern_hint="a clause id like REG-9.2")
HOST_PATH = Text(
    pattern=r"\S[^:]*:/.*",
    pattern_hint="a host and an absolute path, e.g. 'oa-01:/var/tmp/evidence.tar.gz'",
    name="host:path",
)
COMPARE = Text(
    pattern=r"\s*(==|!=|<=|>=|<|>)\s*-?[0-9]+(\.[0-9]+)?\s*",
    pattern_hint="an operator and a number, e.g. '== 0' or '> 0.5'",
    name="comparison",
)

# Which keys apply to which kinds, and which of them each kind needs.
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "target": ("playbook", "ssh", "restic", "http", "tcp", "prometheus"),
    "command": ("ssh", "local"),
    "playbook": ("playbook",),
    "tags": ("playbook",),
    "extra_vars": ("playbook",),
    "url": ("http",),
    "service": ("http", "tcp"),
    "check": ("http", "tcp"),
    "port": ("tcp",),
    "expect_status": ("http",),
    "expect_body": ("http",),
    "ca_file": ("http",),
    "query": ("prometheus",),
    "compare": ("prometheus",),
    "prometheus_url": ("prometheus",),
    "restic": ("restic",),
    "repository": ("restic",),
    "prompt": ("manual", "approval"),
    "source": ("copy",),
    "destination": ("copy",),
    "safe_for_automation": ("approval",),
    "until": ("wait",),
    "interval_seconds": ("wait",),
    "secrets": ("ssh", "local", "restic", "playbook"),
}
REQUIRED_FOR: dict[str, tuple[str, ...]] = {
    "target": ("playbook", "ssh", "restic"),
    "command": ("ssh", "local"),
    "playbook": ("playbook",),
    "query": ("prometheus",),
    "compare": ("prometheus",),
    "restic": ("restic",),
    "repository": ("restic",),
    "prompt": ("manual", "approval"),
    "source": ("copy",),
    "destination": ("copy",),
    "until": ("wait",),
}


def check_fits_its_kind(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """Each kind takes its own keys; http and tcp need a URL/port or a catalog check."""
    kind = values["kind"]
    for name, kinds in APPLIES_TO.items():
        if name in values and values[name] not in (None, ()) and kind not in kinds:
            problems.append(
                where.field(name).problem(
                    f"does not apply to {kind} steps (only to {', '.join(kinds)})"
                )
            )
    for name, kinds in REQUIRED_FOR.items():
        if name in values and values[name] in (None, ()) and kind in kinds:
            problems.append(where.field(name).problem(f"required for {kind} steps"))
    by_catalog = values.get("service") is not None
    if by_catalog and values.get("check") is None:
        problems.append(where.field("check").problem("required with service: which catalog check"))
    if kind == "http" and not by_catalog and values.get("url") is None:
        problems.append(where.problem("an http step needs a url, or a service and its check"))
    if (
        kind == "tcp"
        and not by_catalog
        and (values.get("port") is None or not values.get("target"))
    ):
        problems.append(
            where.problem("a tcp step needs a target and a port, or a service and its check")
        )


def fill_kind_defaults(values: dict[str, Any]) -> None:
    """Turn the keys left out into the model's defaults (None in the schema means 'not given')."""
    for name, default in (
        ("tags", ()),
        ("extra_vars", ()),
        ("restic", ()),
        ("secrets", ()),
        ("safe_for_automation", False),
        ("interval_seconds", 2),
        ("outcome", "success"),
        ("timeout_seconds", 60),
        ("retries", 0),
        ("retry_delay_seconds", 2),
    ):
        if name in values and values[name] is None:
            values[name] = default


TEMPLATES = jinja2.Environment(autoescape=False)  # noqa: S701 - commands, not HTML


def check_templates(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """Templates must parse, so a shell `${#x}` (a Jinja comment) is caught before a run."""
    for name, value in values.items():
        texts = value if isinstance(value, tuple) else (value,)
        for text in texts:
            if not isinstance(text, str) or not ("{{" in text or "{%" in text or "{#" in text):
                continue
            try:
                TEMPLATES.parse(text)
            except jinja2.TemplateSyntaxError as error:
                problems.append(where.field(name).problem(f"template does not parse: {error}"))


def check_and_fill(values: dict[str, Any], where: Location, problems: list[Problem]) -> None:
    """The kind rule, then defaults; for steps also the destructive rule."""
    check_fits_its_kind(values, where, problems)
    check_templates(values, where, problems)
    fill_kind_defaults(values)
    if "destructive" not in values:
        return
    if values["destructive"] is None:
        values["destructive"] = values["kind"] in CHANGING_KINDS
    elif values["destructive"] and values["kind"] not in CHANGING_KINDS:
        problems.append(
            where.field("destructive").problem(f"{values['kind']} steps change nothing")
        )
    if values["destructive"] and values["rollback"] is None and values["approval"] is None:
        problems.append(
            where.problem(
                f"step '{values['name']}' may change things (kind {values['kind']}): give it a"
                " rollback, an approval (the name of an earlier approval step), or say"
                " destructive: false"
            )
        )


def _action_fields(kinds: tuple[str, ...]) -> tuple[Field, ...]:
    """The keys that say what to do, with `kind` limited to `kinds`."""
    return (
        Field("kind", Choice(kinds), "What the step does.", kinds[0]),
        Field(
            "target",
            Text(name="host or group"),
            "Host or group of the inventory the step acts on (or a template); prometheus:"
            " the host to query from, over SSH (Prometheus on its loopback).",
            "office",
            required=False,
        ),
        Field(
            "timeout_seconds",
            Integer(minimum=1, maximum=86400),
            "Longest one attempt may take. Default 60.",
            30,
            required=False,
        ),
        Field(
            "retries",
            Integer(minimum=0, maximum=100),
            "Further attempts after a failure. Default 0.",
            2,
            required=False,
        ),
        Field(
            "retry_delay_seconds",
            Integer(minimum=0, maximum=3600),
            "Pause between attempts. Default 2.",
            5,
            required=False,
        ),
        Field(
            "command",
            Text(),
            "ssh: shell command run on each target host; local: command run on the"
            " controller (split like a shell would, no shell).",
            "systemctl restart nginx",
            required=False,
        ),
        Field(
            "playbook",
            Text(),
            "playbook: path from the repository root.",
            "playbooks/site.yml",
            required=False,
        ),
        Field(
            "tags",
            ListOf(Text()),
            "playbook: only tasks with these tags.",
            ["REG-4.2.4"],
            required=False,
        ),
        Field(
            "extra_vars",
            ListOf(
                Text(
                    pattern=r"[A-Za-z_][A-Za-z0-9_]*=.*",
                    pattern_hint="NAME=VALUE",
                    name="extra variable",
                )
            ),
            "playbook: extra variables, NAME=VALUE each (`ansible-playbook -e`).",
            ["firewall_quarantine=true"],
            required=False,
        ),
        Field(
            "url", Text(), "http: the URL to request.", "http://10.77.0.11/health", required=False
        ),
        Field(
            "service",
            Text(name="service id"),
            "http, tcp: a catalog service whose check to run on each of its hosts.",
            "office-portal",
            required=False,
        ),
        Field(
            "check",
            Text(),
            "http, tcp: the name of that service's check.",
            "health",
            required=False,
        ),
        Field(
            "port",
            Integer(minimum=1, maximum=65535),
            "tcp: port to connect to.",
            5432,
            required=False,
        ),
        Field(
            "expect_status",
            Integer(minimum=100, maximum=599),
            "http: status the answer must have. Default the catalog check's, else any 2xx"
            " or 3xx (redirects are not followed, as the prober does not follow them).",
            200,
            required=False,
        ),
        Field("expect_body", Text(), "http: text the body must contain.", "ok", required=False),
        Field(
            "ca_file",
            Text(),
            "http: CA certificates to verify an https answer with. Default the system's.",
            "/etc/rampart/ca.pem",
            required=False,
        ),
        Field("query", Text(), "prometheus: an instant PromQL query.", "up", required=False),
        Field(
            "compare", COMPARE, "prometheus: how each sample must compare.", "== 1", required=False
        ),
        Field(
            "prometheus_url",
            Text(),
            "prometheus: the server's base URL. Default $RAMPART_PROMETHEUS_URL, or"
            " http://127.0.0.1:9090 with a target.",
            "http://10.77.0.15:9090",
            required=False,
        ),
        Field(
            "restic", ListOf(Text()), "restic: the restic arguments.", ["snapshots"], required=False
        ),
        Field(
            "repository",
            Text(),
            "restic: the repository.",
            "sftp:backup@backup-01:/srv/restic/hr",
            required=False,
        ),
        Field(
            "prompt",
            Text(),
            "manual, approval: what to ask the person.",
            "Is the host back?",
            required=False,
        ),
        Field(
            "source",
            HOST_PATH,
            "copy: the file to copy, as host:path.",
            "oa-01:/var/tmp/rampart-evidence.tar.gz",
            required=False,
        ),
        Field(
            "destination",
            HOST_PATH,
            "copy: where the copy goes, as host:path; the runner carries it (the hosts need"
            " no connection to each other) and never overwrites a file.",
            "backup-01:/srv/evidence/oa-01/evidence.tar.gz",
            required=False,
        ),
        Field(
            "safe_for_automation",
            Boolean(),
            "approval: whether `run --yes` may approve this gate. Default false.",
            True,
            required=False,
        ),
        Field(
            "outcome",
            Choice(("success", "failure")),
            "Whether the step passes when its check succeeds (default) or when it fails.",
            "failure",
            required=False,
        ),
        Field(
            "secrets",
            ListOf(ENVIRONMENT_NAME),
            "Declared secrets this step gets as environment variables.",
            ["RESTIC_PASSWORD"],
            required=False,
        ),
    )


CHECK = Record(
    model=Step,
    rules=(check_and_fill,),
    fields=(
        Field("name", NAME, "Name of the check.", "portal-health", required=False, default=""),
        *_action_fields(CHECK_KINDS),
    ),
)

ROLLBACK = Record(
    model=Step,
    rules=(check_and_fill,),
    fields=(
        Field(
            "description",
            Text(),
            "What the rollback undoes.",
            "Start nginx again",
            required=False,
            default="",
        ),
        *_action_fields(ROLLBACK_KINDS),
        Field(
            "when",
            Choice(MODES),
            "Undo always (default), only in a drill, or only in an incident: a containment"
            " step's rollback is for drills, an incident keeps the host contained.",
            "drill",
            required=False,
            default="always",
        ),
    ),
)

STEP = Record(
    model=Step,
    rules=(check_and_fill,),
    fields=(
        Field("name", NAME, "Name of the step, unique in the runbook.", "restart-service"),
        Field(
            "description",
            Text(),
            "What the step does and why, for on-call.",
            "Restart the unit",
            required=False,
            default="",
        ),
        Field(
            "expected",
            Text(),
            "What on-call should see when the step worked.",
            "nginx is active",
            required=False,
            default="",
        ),
        *_action_fields(STEP_KINDS),
        Field(
            "until",
            CHECK,
            "wait: the check polled until it passes or timeout_seconds ends.",
            {"kind": "http", "url": "http://10.77.0.11/health"},
            required=False,
        ),
        Field(
            "interval_seconds",
            Integer(minimum=1, maximum=3600),
            "wait: time between polls. Default 2.",
            1,
            required=False,
        ),
        Field(
            "destructive",
            Boolean(),
            "Whether the step changes something. Default true for playbook, ssh, local and restic.",
            False,
            required=False,
        ),
        Field(
            "approval",
            NAME,
            "The name of an earlier approval step that must have been granted.",
            "approve-restart",
            required=False,
        ),
        Field(
            "milestone",
            Choice(MILESTONES),
            "Time to note when the step passes: fault_injected, detected or recovered (RTO).",
            "recovered",
            required=False,
        ),
        Field(
            "when",
            Choice(MODES),
            "Run always (default), only in a drill (fault injection) or only in an incident.",
            "drill",
            required=False,
            default="always",
        ),
        Field(
            "verify",
            CHECK,
            "A check that must pass after the step.",
            {"kind": "http", "url": "http://x/"},
            required=False,
        ),
        Field(
            "rollback",
            ROLLBACK,
            "What undoes the step, run in reverse order on failure.",
            {"kind": "ssh", "target": "oa-01", "command": "systemctl start nginx"},
            required=False,
        ),
    ),
)

SECRET = Record(
    model=Secret,
    fields=(
        Field(
            "env",
            ENVIRONMENT_NAME,
            "Read from this environment variable of the controller.",
            "RAMPART_RESTIC_PASSWORD",
            required=False,
        ),
        Field(
            "vault_file",
            Text(),
            "Or from this variables file (ansible-vault encrypted or not).",
            "inventory/example/group_vars/all/vault.yml",
            required=False,
        ),
        Field(
            "vault_key",
            Text(),
            "The variable to read in vault_file.",
            "vault_restic_password",
            required=False,
        ),
    ),
)

MEASUREMENT = Record(
    model=Measurement,
    fields=(
        Field(
            "service",
            Text(),
            "The catalog service whose prober series (`rampart_availability_up`) show the outage.",
            "office-portal",
        ),
        Field(
            "alert",
            Text(),
            "The alert whose firing is the detection (its `service` label is the service).",
            "RampartServiceDown",
            required=False,
        ),
        Field(
            "target",
            Text(),
            "The monitoring host to query Prometheus from (over SSH), as prometheus steps do.",
            "mon-01",
            required=False,
        ),
        Field(
            "prometheus_url",
            Text(),
            "Or Prometheus' URL as the runner reaches it.",
            "http://127.0.0.1:9090",
            required=False,
        ),
        Field(
            "timeout_seconds",
            Integer(minimum=1),
            "How long to wait after the run for Prometheus to show the recovery.",
            180,
            required=False,
            default=180,
        ),
    ),
)

RUNBOOK_FIELDS: tuple[Field, ...] = (
    Field("id", NAME, "Id of the runbook; the file is runbooks/<id>.yml.", "service-outage"),
    Field("title", Text(), "One line saying what went wrong.", "A catalog service is down"),
    Field("owner", Text(), "Who keeps the runbook true.", "IT department <it@rampart.internal>"),
    Field(
        "description", Text(), "When to use it and what it does.", "...", required=False, default=""
    ),
    Field("clauses", ListOf(CLAUSE, min_items=1), "Clauses the runbook serves.", ["REG-9.2"]),
    Field(
        "alerts",
        ListOf(Text()),
        "Alerts that link here.",
        ["RampartServiceDown"],
        required=False,
        default=(),
    ),
    Field("severity", Choice(SEVERITIES), "How bad the incident is.", "critical"),
    Field("rto_seconds", Integer(minimum=1), "Recovery time objective.", 300),
    Field(
        "last_drilled",
        Timestamp(),
        "When it was last drilled.",
        "2026-11-29T20:00:00Z",
        required=False,
    ),
    Field(
        "secrets",
        MapOf(key=ENVIRONMENT_NAME, value=SECRET, key_label="<NAME>", key_attribute="name"),
        "Secrets steps may receive as environment variables.",
        {"RESTIC_PASSWORD": {"env": "RAMPART_RESTIC_PASSWORD"}},
        required=False,
        default={},
    ),
    Field(
        "steady_state",
        ListOf(CHECK),
        "Checks that hold when all is well.",
        [],
        required=False,
        default=(),
    ),
    Field("steps", ListOf(STEP, unique_by=("name",), min_items=1), "The steps, in order.", []),
    Field(
        "exit_criteria", ListOf(CHECK, min_items=1), "Checks that prove the incident is over.", []
    ),
    Field(
        "measure",
        MEASUREMENT,
        "Drills: take the fault's detection and recovery from monitoring (the prober's"
        " series and the alert in Prometheus), not from the runbook's own steps.",
        {"service": "office-portal", "alert": "RampartServiceDown", "target": "mon-01"},
        required=False,
    ),
)
RUNBOOK = Record(model=dict, fields=RUNBOOK_FIELDS)
"""The document without `vars`, which `load.py` checks itself (a free mapping of values)."""
