"""Rampart's Grafana dashboards as code (REG-7.1, REG-7.2), built with grafana-foundation-sdk.

No dashboard names a service: per-service panels group `by (service)` or take the `service`
variable, so one JSON file serves any catalog. Only the time zone (where calendar months
begin) comes from the inventory. `monitoring/dashboards/*.json` is this package's output,
committed so a company's Grafana provisions plain files; `make dashboards` writes them and
`make lint` fails when they are not what this package makes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from rampart.errors import RampartError
from rampart.inventory import load_inventory
from rampart.monitoring.dashboards.availability import overview, service
from rampart.monitoring.dashboards.backups import dashboard_of_backups
from rampart.monitoring.dashboards.security import dashboard_of_security

DASHBOARDS_DIRECTORY = Path("monitoring/dashboards")
DASHBOARDS: dict[str, Callable[[str], Dashboard]] = {
    "availability-overview": overview,
    "service": service,
    "backups-and-drills": dashboard_of_backups,
    "security-controls": dashboard_of_security,
}


def build(time_zone: str = "utc") -> dict[str, dict[str, Any]]:
    """Every dashboard as the JSON document Grafana reads, by file stem."""
    return {
        name: json.loads(json.dumps(make(time_zone).build(), cls=JSONEncoder))
        for name, make in DASHBOARDS.items()
    }


def render(time_zone: str = "utc") -> dict[str, str]:
    """Every dashboard file's text, by file name: stable key order, so diffs stay small."""
    return {
        f"{name}.json": json.dumps(document, indent=2, sort_keys=True) + "\n"
        for name, document in build(time_zone).items()
    }


def main(arguments: Sequence[str] | None = None) -> int:
    """Write the dashboard files, or with --check say whether they are what this makes."""
    parser = argparse.ArgumentParser(prog="python -m rampart.monitoring.dashboards")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    parser.add_argument(
        "--output", type=Path, default=DASHBOARDS_DIRECTORY, help="default: %(default)s"
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        help="take the time zone (rampart_time_zone) from this inventory; default UTC",
    )
    options = parser.parse_args(arguments)
    try:
        zone = load_inventory(options.inventory).time_zone if options.inventory else "utc"
    except RampartError as error:
        print(f"{error}".splitlines()[0], file=sys.stderr)
        return 2
    wanted = render(zone)
    if options.check:
        stale = [
            name
            for name, text in wanted.items()
            if not (options.output / name).exists()
            or (options.output / name).read_text(encoding="utf-8") != text
        ]
        if stale:
            print(
                f"{options.output}: {', '.join(stale)} not what `make dashboards` generates;"
                " run `make dashboards`",
                file=sys.stderr,
            )
            return 1
        return 0
    options.output.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        (options.output / name).write_text(text, encoding="utf-8")
    return 0
