"""The queries of the generated dashboards, as the unit and lab tests run them: every
target of every panel, Grafana's variables substituted, and the services each must cover."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = sorted((ROOT / "monitoring" / "dashboards").glob("*.json"))
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
NAME = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel."""

    dashboard: str
    panel: str
    expression: str
    time_from: str | None

    @property
    def by_service(self) -> bool:
        """Whether the answer is labelled by service (grouped by it)."""
        return bool(re.search(r"\bby \([^)]*\bservice\b", self.expression))

    @property
    def alerts(self) -> bool:
        """Whether the query reads firing alerts (data only while something is down)."""
        return "ALERTS{" in self.expression

    @property
    def response_objective(self) -> bool:
        """Whether the query reads the response-time objective (only services with one)."""
        return "response_time_objective_seconds" in self.expression

    def substituted(self, service: str, range_seconds: int, rate_interval: str) -> str:
        """The expression as Grafana sends it: variables replaced by real values."""
        return (
            self.expression.replace("$__range", f"{range_seconds}s")
            .replace("$__rate_interval", rate_interval)
            .replace("$service", service)
        )


@dataclass(frozen=True)
class Catalog:
    """What the tests know of the services: all, those with a response-time objective,
    and those down now (alerts firing)."""

    services: frozenset[str]
    with_response_objective: frozenset[str]
    down: frozenset[str]


def cases(
    query: PanelQuery, catalog: Catalog, range_seconds: int, rate_interval: str
) -> list[tuple[str, set[str] | None]]:
    """The expressions to run for a query, each with the services its answer must hold
    (None when the answer is not labelled by service): one per service for `$service`."""
    if query.response_objective:
        pool = catalog.with_response_objective
    elif query.alerts:
        pool = catalog.down
    else:
        pool = catalog.services
    if "$service" in query.expression:
        return [
            (
                query.substituted(service, range_seconds, rate_interval),
                {service} if query.by_service else None,
            )
            for service in sorted(pool)
        ]
    expression = query.substituted(min(pool), range_seconds, rate_interval)
    return [(expression, set(pool) if query.by_service else None)]


def documents() -> dict[str, dict[str, Any]]:
    """Every committed dashboard file by stem."""
    return {path.stem: json.loads(path.read_text()) for path in DASHBOARDS}


def panels(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, also those inside rows."""
    found = []
    for panel in document["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def panel_queries() -> list[PanelQuery]:
    """Every target of every panel of every dashboard."""
    return [
        PanelQuery(name, panel["title"], target["expr"], panel.get("timeFrom"))
        for name, document in documents().items()
        for panel in panels(document)
        for target in panel.get("targets", [])
    ]


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, labels or keywords)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = GROUPING.sub(" ", text)
    names = set()
    for match in NAME.finditer(text):
        if text[match.end() :].lstrip().startswith("(") or match.group().lower() in KEYWORDS:
            continue
        names.add(match.group())
    return names
