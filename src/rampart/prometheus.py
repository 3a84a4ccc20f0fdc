"""The one Prometheus client: instant and range queries, alerts and the server's flags,
from the HTTP API, asked from here (over HTTPS with Rampart's CA and on-call's credentials
when given, as `rampart status` does from an admin source) or from a host over SSH.
Runbook steps, reports and `rampart status` use it.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rampart.errors import RampartError
from rampart.ssh import HostCredentials, SshTarget, http_get_through

LOOPBACK_URL = "http://127.0.0.1:9090"
"""The monitoring host's own Prometheus, asked on that host (`through` it): it listens on
the host's fleet address over HTTPS with basic auth, so the GET goes there with the host's
CA and the password file Prometheus itself uses (roles/monitoring_server)."""
ON_HOST = HostCredentials(
    ca_file="/etc/rampart/tls/ca.crt",
    user="oncall",
    password_file="/etc/prometheus/rampart-web-password",  # noqa: S106 (a path)
)
ON_HOST_PORT = 9090


class PrometheusError(RampartError):
    """Prometheus did not answer, or answered with something that is not a query result."""


@dataclass(frozen=True)
class Credentials:
    """How to reach Prometheus over HTTPS: the CA to trust and the basic auth user, whose
    password is read from a file when asked (never an argument, never printed)."""

    ca_file: Path
    username: str
    password_file: Path

    def context(self) -> ssl.SSLContext:
        """A TLS context trusting only the CA."""
        try:
            return ssl.create_default_context(cafile=str(self.ca_file))
        except (OSError, ssl.SSLError) as error:
            raise PrometheusError(f"{self.ca_file}: cannot read the CA: {error}") from None

    def header(self) -> str:
        """The Authorization header's value."""
        try:
            password = self.password_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise PrometheusError(
                f"{self.password_file}: cannot read the password: {error.strerror}"
            ) from None
        token = base64.b64encode(f"{self.username}:{password}".encode()).decode()
        return f"Basic {token}"


def _get(url: str, timeout: float, credentials: Credentials | None) -> str:
    if not url.startswith(("http://", "https://")):
        raise PrometheusError(f"{url}: not an http(s) URL")
    headers = {} if credentials is None else {"Authorization": credentials.header()}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (checked above)
    context = None if credentials is None else credentials.context()
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
        return str(response.read().decode("utf-8", "replace"))


def api_get(
    base: str,
    path: str,
    parameters: dict[str, str],
    *,
    through: SshTarget | None = None,
    timeout: float = 10.0,
    credentials: Credentials | None = None,
) -> dict[str, Any]:
    """The parsed JSON answer of a GET on the HTTP API (`/api/v1/...`), asked from here
    (with `credentials` over HTTPS) or from the host `through` names."""
    query = f"?{urllib.parse.urlencode(parameters)}" if parameters else ""
    on_host = through is not None and base == LOOPBACK_URL
    if through is not None and on_host:
        base = f"https://{through.address}:{ON_HOST_PORT}"
    url = f"{base.rstrip('/')}{path}{query}"
    where = f"{base} (from {through.name})" if through else base
    try:
        if through is None:
            text = _get(url, timeout, credentials)
        else:
            text = http_get_through(
                through, url, timeout=timeout, credentials=ON_HOST if on_host else None
            )
        answer = json.loads(text)
    except urllib.error.HTTPError as error:
        if error.code == 401:
            raise PrometheusError(
                f"Prometheus at {where} refused the credentials (401 Unauthorized)"
            ) from error
        # Prometheus answers a bad query with 400 and a JSON body naming the problem.
        body = error.read().decode("utf-8", "replace")
        try:
            answer = json.loads(body)
        except ValueError:
            # A TLS server asked in plain HTTP says so in its body.
            said = body.strip().splitlines()[0][:200] if body.strip() else ""
            raise PrometheusError(
                f"Prometheus at {where} refused {path}: {error}" + (f" ({said})" if said else "")
            ) from error
    except urllib.error.URLError as error:
        raise PrometheusError(f"Prometheus at {where} did not answer: {error.reason}") from error
    except PrometheusError:
        raise
    except (OSError, ValueError, RampartError) as error:
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
    credentials: Credentials | None = None,
) -> dict[str, Any]:
    """The parsed answer of an instant query (evaluated `at` a Unix time, default now)."""
    parameters = {"query": query, **({"time": f"{at:.3f}"} if at is not None else {})}
    return api_get(
        base,
        "/api/v1/query",
        parameters,
        through=through,
        timeout=timeout,
        credentials=credentials,
    )


def alerts(base: str, *, credentials: Credentials | None = None) -> list[dict[str, Any]]:
    """The alerts Prometheus holds (pending and firing), with labels and annotations."""
    answer = api_get(base, "/api/v1/alerts", {}, credentials=credentials)
    found = answer.get("data", {}).get("alerts", []) if answer.get("status") == "success" else []
    return [alert for alert in found if isinstance(alert, dict)]


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
