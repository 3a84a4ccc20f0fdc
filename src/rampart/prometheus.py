"""The one Prometheus client: instant and range queries and the server's flags, from the
HTTP API, asked from here or, because Prometheus listens on the monitoring host's loopback
(and the SSH hardening forbids tunnels), from a host over SSH. Runbook steps and reports
both use it.
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


def api_get(
    base: str,
    path: str,
    parameters: dict[str, str],
    *,
    through: SshTarget | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """The parsed JSON answer of a GET on the HTTP API (`/api/v1/...`), asked from here or
    from the host `through` names."""
    query = f"?{urllib.parse.urlencode(parameters)}" if parameters else ""
    url = f"{base.rstrip('/')}{path}{query}"
    where = f"{base} (from {through.name})" if through else base
    try:
        if through is None:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                text = response.read().decode("utf-8", "replace")
        else:
            text = http_get_through(through, url, timeout=timeout)
        answer = json.loads(text)
    except urllib.error.HTTPError as error:
        # Prometheus answers a bad query with 400 and a JSON body naming the problem.
        try:
            answer = json.loads(error.read().decode("utf-8", "replace"))
        except ValueError:
            raise PrometheusError(f"Prometheus at {where} refused {path}: {error}") from error
    except (urllib.error.URLError, OSError, ValueError, RampartError) as error:
        raise PrometheusError(f"Prometheus at {where} did not answer: {error}") from error
    if not isinstance(answer, dict):
        raise PrometheusError(f"Prometheus at {where} answered no query result")
    return answer


def instant_query(
    base: str,
    query: str,
    *,
    through: SshTarget | None = None,
    timeout: float = 10.0,
    at: float | None = None,
) -> dict[str, Any]:
    """The parsed answer of an instant query (evaluated `at` a Unix time, default now)."""
    parameters = {"query": query, **({"time": f"{at:.3f}"} if at is not None else {})}
    return api_get(base, "/api/v1/query", parameters, through=through, timeout=timeout)


def range_query(
    base: str,
    query: str,
    start: float,
    end: float,
    step_seconds: int,
    *,
    through: SshTarget | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """The parsed answer of a range query: `query` evaluated every `step_seconds` from
    `start` to `end` (Unix times; Prometheus allows at most 11,000 steps per query)."""
    parameters = {
        "query": query,
        "start": f"{start:.3f}",
        "end": f"{end:.3f}",
        "step": str(step_seconds),
    }
    return api_get(base, "/api/v1/query_range", parameters, through=through, timeout=timeout)


def flags(base: str, *, through: SshTarget | None = None) -> dict[str, str]:
    """The command-line flags Prometheus runs with (`storage.tsdb.retention.time`, ...)."""
    answer = api_get(base, "/api/v1/status/flags", {}, through=through)
    data = answer.get("data")
    return {str(key): str(value) for key, value in data.items()} if isinstance(data, dict) else {}


def matrix(answer: dict[str, Any]) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """(labels, [(time, value), ...]) of each series of a range query's answer."""
    if answer.get("status") != "success":
        return []
    return [
        (
            dict(item.get("metric", {})),
            [(float(time), float(value)) for time, value in item.get("values", [])],
        )
        for item in answer.get("data", {}).get("result", [])
    ]


def vector(answer: dict[str, Any]) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of each sample of an instant vector (a scalar has no labels)."""
    if answer.get("status") != "success":
        return []
    data = answer.get("data", {})
    result = data.get("result", [])
    if data.get("resultType") == "scalar":
        return [({}, float(result[1]))]
    return [(dict(item.get("metric", {})), float(item["value"][1])) for item in result]
