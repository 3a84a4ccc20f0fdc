"""Prometheus rule files written from Python: one group per file, block sequences indented
under their key, expressions as `|` blocks and prose for people as folded `>` blocks, the
way yamllint and reviewers expect."""

from __future__ import annotations

from typing import Any

import yaml


class Prose(str):
    """Text for people (an alert's description), written as a folded `>-` block."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _prose(dumper: yaml.SafeDumper, value: Prose) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=">")


_Dumper.add_representer(str, _text)
_Dumper.add_representer(Prose, _prose)


def render_group(name: str, header: str, rules: list[dict[str, Any]]) -> str:
    """A whole rules file: `---`, the header's comment lines, then the one group."""
    document = {"groups": [{"name": name, "rules": rules}]}
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=92, allow_unicode=True)
    return "---\n" + header + body
