"""docs/runbooks.md carries the key reference rendered from the schema."""

from __future__ import annotations

from pathlib import Path

from rampart.runbook.reference import BEGIN_MARKER, END_MARKER, render

ROOT = Path(__file__).resolve().parents[3]


def test_docs_carry_the_reference_rendered_from_the_schema() -> None:
    docs = (ROOT / "docs" / "runbooks.md").read_text(encoding="utf-8")
    start, end = docs.index(BEGIN_MARKER), docs.index(END_MARKER) + len(END_MARKER)
    assert docs[start:end] + "\n" == render(), (
        "docs/runbooks.md is out of date: paste the output of"
        " `.venv/bin/python -m rampart.runbook.reference` over its reference section"
    )


def test_every_step_kind_is_documented() -> None:
    docs = (ROOT / "docs" / "runbooks.md").read_text(encoding="utf-8")
    from rampart.runbook.model import STEP_KINDS

    for kind in STEP_KINDS:
        assert f"| `{kind}` |" in docs
