"""Run a parsed command line and turn Rampart's errors into one line and an exit code.

Standard library only: hosts that carry just a part of Rampart (the backup runner) use it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rampart.errors import RampartError


def run(
    build_parser: Callable[[], argparse.ArgumentParser],
    dispatch: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None = None,
) -> int:
    """Build the parser (defaults may read configuration), parse `argv`, call `dispatch`;
    one line on error, never a traceback."""
    try:
        return dispatch(build_parser().parse_args(argv))
    except RampartError as error:
        print(f"rampart: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("rampart: interrupted", file=sys.stderr)
        return 130
