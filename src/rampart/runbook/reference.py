"""The key reference of docs/runbooks.md, rendered from the schema so the two agree.

`.venv/bin/python -m rampart.runbook.reference` prints it.
"""

from __future__ import annotations

from rampart.runbook.schema import RUNBOOK_FIELDS
from rampart.schema.reference import rows

BEGIN_MARKER = "<!-- runbook reference: begin (generated from src/rampart/runbook/schema.py) -->"
END_MARKER = "<!-- runbook reference: end -->"


def render() -> str:
    """Every key of a runbook, nested keys as dotted paths, in a table."""
    table = [
        "| key | type | required | description | example |",
        "| --- | --- | --- | --- | --- |",
        "| `vars` | a mapping | no | Names (like step names) and plain values that"
        " templates use; `run --var NAME=VALUE` overrides them. | `{host: oa-01}` |",
        *(row.replace("| `.", "| `", 1) for row in rows(RUNBOOK_FIELDS, "")),
    ]
    return "\n\n".join([BEGIN_MARKER, "\n".join(table), END_MARKER]) + "\n"


if __name__ == "__main__":
    print(render(), end="")
