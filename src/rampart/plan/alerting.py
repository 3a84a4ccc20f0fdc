"""Where Alertmanager on a monitoring host sends each alert (REG-9.3.1), from the inventory.

Each catalog service's alerts (label `service`) are mailed to the service's owner and to the
people whose post is on call; every other alert (backup, access, the pipeline) to those
people; the watchdog only to the dead-man's switch, again every `watchdog_repeat_interval`.
A service's maintenance windows mute its route for exactly their time (`time_intervals`):
declarative, so a repeated run writes the same file and nothing is left to clean up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rampart import prometheus_duration
from rampart.inventory import Inventory, MaintenanceWindow, Service
from rampart.inventory.model import Alerting
from rampart.plan.addresses import address
from rampart.plan.model import AlertingPlan, PlanError

MONITORING_GROUP = "monitoring"
WATCHDOG = "RampartWatchdog"
"""The always-firing alert of monitoring/rules/pipeline.yml."""
GROUP_BY = ("alertname", "service")
ON_CALL = "on-call"
DEAD_MANS_SWITCH = "dead-mans-switch"
NOBODY = "nobody"
MAIL_TEMPLATES = {
    "headers": {"Subject": '{{ template "rampart.mail.subject" . }}'},
    "text": '{{ template "rampart.mail.text" . }}',
    "html": '{{ template "rampart.mail.html" . }}',
}
"""The templates of roles/monitoring_server/files/rampart-mail.tmpl each mail is made of."""
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def alerting_plan(inventory: Inventory, host: str) -> AlertingPlan | None:
    """Alertmanager's routes and the external URLs of a monitoring host; None elsewhere."""
    if MONITORING_GROUP not in inventory.hosts[host].groups:
        return None
    settings = inventory.alerting
    if settings is None:
        nobody = {"route": {"receiver": NOBODY, "group_by": list(GROUP_BY)}}
        return AlertingPlan(None, None, None, {**nobody, "receivers": [{"name": NOBODY}]})
    return AlertingPlan(
        runbook_base_url=resolved_url(inventory, settings.runbook_base_url),
        prometheus_url=resolved_url(inventory, settings.prometheus_url),
        alertmanager_url=resolved_url(inventory, settings.alertmanager_url),
        alertmanager=alertmanager_config(inventory, settings),
    )


def watchdog_timing(every: str) -> dict[str, str]:
    """The watchdog route's timing for a call every `every`, neither more nor less often.

    Alertmanager looks at a group only every group_interval and sends it again at the first
    look after repeat_interval has passed since the last send was logged. Set both to the
    period and a call comes every second look (the log is a little after the look: every
    2 minutes for 1m, prometheus/alertmanager#676). So the group is looked at every quarter
    of the period and repeated after 7/8 of it: the fourth look is the first past it, by an
    eighth of the period, a margin far above the send's own delay.
    """
    period = prometheus_duration.seconds(every)
    if period is None:
        raise PlanError(
            f"rampart_alerting.watchdog_repeat_interval: '{every}' is not a duration above 0"
        )
    look = period / 4
    return {
        "group_wait": "0s",
        "group_interval": prometheus_duration.text(look),
        "repeat_interval": prometheus_duration.text(period - look / 2),
    }


def alertmanager_config(inventory: Inventory, settings: Alerting) -> dict[str, Any]:
    """alertmanager.yml without the role's group timing and template path."""
    on_call = on_call_addresses(inventory, settings)
    services = sorted(inventory.services.values(), key=lambda service: service.id)
    watchdog = {
        "matchers": [f'alertname="{WATCHDOG}"'],
        "receiver": DEAD_MANS_SWITCH,
        **watchdog_timing(settings.watchdog_repeat_interval),
    }
    routes: list[dict[str, Any]] = [watchdog]
    receivers: list[dict[str, Any]] = [
        _mail_receiver(ON_CALL, on_call),
        {
            "name": DEAD_MANS_SWITCH,
            "webhook_configs": [
                {
                    "url": resolved_url(inventory, settings.dead_mans_switch_url),
                    "send_resolved": False,
                }
            ],
        },
    ]
    time_intervals = []
    for service in services:
        name = f"service-{service.id}"
        route: dict[str, Any] = {"matchers": [f'service="{service.id}"'], "receiver": name}
        if service.maintenance:
            route["mute_time_intervals"] = [f"maintenance-{service.id}"]
            time_intervals.append(
                {
                    "name": f"maintenance-{service.id}",
                    "time_intervals": [
                        part for window in service.maintenance for part in window_intervals(window)
                    ],
                }
            )
        routes.append(route)
        receivers.append(_mail_receiver(name, _unique([owner_address(service), *on_call])))
    config: dict[str, Any] = {
        "global": {
            "smtp_smarthost": resolved_smarthost(inventory, settings.smarthost),
            "smtp_from": settings.sender,
            "smtp_require_tls": settings.smarthost_tls,
        },
        "route": {"receiver": ON_CALL, "group_by": list(GROUP_BY), "routes": routes},
        "receivers": receivers,
    }
    if time_intervals:
        config["time_intervals"] = time_intervals
    return config


def on_call_addresses(inventory: Inventory, settings: Alerting) -> list[str]:
    """`Full Name <username@mail_domain>` of every active person whose post is on call."""
    return [
        formataddr((person.full_name, f"{person.username}@{settings.mail_domain}"))
        for person in inventory.people
        if person.active and person.post is not None and inventory.posts[person.post].on_call
    ]


def owner_address(service: Service) -> str:
    """The service owner as a mail recipient (`IT department <it@example.com>`)."""
    name, found = parseaddr(service.owner)
    return formataddr((name, found))


def window_intervals(window: MaintenanceWindow) -> list[dict[str, Any]]:
    """A window as Alertmanager time intervals in UTC, one per calendar day it touches.

    Alertmanager counts in whole minutes: a start is rounded down, an end up."""
    start = _minute(window.start, up=False)
    end = _minute(window.end, up=True)
    parts = []
    day = datetime(start.year, start.month, start.day, tzinfo=UTC)
    while day < end:
        following = day + timedelta(days=1)
        begin, finish = max(start, day), min(end, following)
        parts.append(
            {
                "times": [
                    {
                        "start_time": f"{begin:%H:%M}",
                        "end_time": "24:00" if finish == following else f"{finish:%H:%M}",
                    }
                ],
                "days_of_month": [str(day.day)],
                "months": [MONTHS[day.month - 1]],
                "years": [str(day.year)],
            }
        )
        day = following
    return parts


def resolved_url(inventory: Inventory, url: str) -> str:
    """The URL with an inventory host's name replaced by its address, as Ansible reaches it."""
    parts = urlsplit(url)
    host = parts.hostname
    if host is None or host not in inventory.hosts:
        return url
    netloc = address(inventory, host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def resolved_smarthost(inventory: Inventory, smarthost: str) -> str:
    """`host:port` with an inventory host's name replaced by its address."""
    host, _, port = smarthost.rpartition(":")
    if host in inventory.hosts:
        host = address(inventory, host)
    return f"{host}:{port}"


def _minute(moment: datetime, *, up: bool) -> datetime:
    utc = moment.astimezone(UTC)
    floor = utc.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if up and floor != utc else floor


def _mail_receiver(name: str, recipients: list[str]) -> dict[str, Any]:
    """A receiver mailing everyone in `recipients` one mail, resolved notices included;
    without recipients it tells nobody."""
    if not recipients:
        return {"name": name}
    mail = {"to": ", ".join(recipients), "send_resolved": True, **MAIL_TEMPLATES}
    return {"name": name, "email_configs": [mail]}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
