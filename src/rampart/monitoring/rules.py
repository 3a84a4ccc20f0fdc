"""`python -m rampart.monitoring.rules`: write the rule files generated from Python
(availability and controls) into monitoring/rules/, or with --check say which one is not
what its module makes (`make rules` writes them, `make lint` checks them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rampart.monitoring import availability_rules, controls

RULES_DIRECTORY = Path("monitoring/rules")
GENERATED: dict[str, Callable[[], str]] = {
    "availability.yml": availability_rules.render,
    "controls.yml": controls.render,
}
"""Each generated file's name, and the function that makes its text."""


def main(arguments: Sequence[str] | None = None) -> int:
    """Write every generated rule file, or with --check exit 1 naming the stale ones."""
    parser = argparse.ArgumentParser(prog="python -m rampart.monitoring.rules")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    parser.add_argument(
        "--directory", type=Path, default=RULES_DIRECTORY, help="default: %(default)s"
    )
    options = parser.parse_args(arguments)
    stale = []
    for name, render in GENERATED.items():
        path, wanted = options.directory / name, render()
        if not options.check:
            path.write_text(wanted, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != wanted:
            stale.append(path)
    for path in stale:
        print(f"{path}: not what `make rules` generates; run `make rules`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
