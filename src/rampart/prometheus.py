"""The one Prometheus client: an instant query against the HTTP API, asked from here or,
because Prometheus listens on the monitoring host's loopback (and the SSH hardening
forbids tunnels), from a host over SSH. Runbook steps and reports both use it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from rampart.errors import RampartError
from rampart.ssh import SshTarget, http_get_through

LOOPBACK_URL = "http://127.0.0.1:9090"


class PrometheusError(RampartError):
    """Prometheus did not answer, or answered with something that is not a query result."""


def instant_query(
    base: str,
    query: str,
    *,
    through: SshTarget | None = None,
    timeout: float = 10.0,
    at: float | None = None,
) -> dict[str, Any]:
    """The parsed answer of an instant query (evaluated `at` a Unix time, default now),
    asked from here or from the host `through` names."""
    parameters = {"query": query, **({"time": f"{at:.3f}"} if at is not None else {})}
    url = f"{base.rstrip('/')}/api/v1/query?{urllib.parse.urlencode(parameters)}"
    where = f"{base} (from {through.name})" if through else base
    try:
        if through is None:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                text = response.read().decode("utf-8", "replace")
        else:
            text = http_get_through(through, url, timeout=timeout)
        answer = json.loads(text)
    except (urllib.error.URLError, OSError, ValueError, RampartError) as error:
        raise PrometheusError(f"Prometheus at {where} did not answer: {error}") from error
    if not isinstance(answer, dict):
        raise PrometheusError(f"Prometheus at {where} answered no query result")
    return answer


def vector(answer: dict[str, Any]) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of each sample of an instant vector (a scalar has no labels)."""
    if answer.get("status") != "success":
        return []
    data = answer.get("data", {})
    result = data.get("result", [])
    if data.get("resultType") == "scalar":
        return [({}, float(result[1]))]
    return [(dict(item.get("metric", {})), float(item["value"][1])) for item in result]
