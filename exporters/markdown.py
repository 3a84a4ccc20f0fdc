"""The little Markdown the runbooks use, as HTML: headings, paragraphs, lists, tables, code
blocks, inline code, bold, emphasis and links. Every piece of text is escaped, and a link
keeps only a relative target or an http(s) one, so a runbook cannot put markup or script
into the page on-call opens.
"""

from __future__ import annotations

import html
import re

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?![\w*])"
    r"|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)"
)
_SAFE_HREF = re.compile(r"^(https?://|[A-Za-z0-9_./#-])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^(\s*)([-*]|\d+\.)\s+(.*)$")
_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def inline(text: str) -> str:
    """One line's inline Markdown as escaped HTML."""
    parts: list[str] = []
    position = 0
    for found in _INLINE.finditer(text):
        parts.append(html.escape(text[position : found.start()]))
        if found["code"] is not None:
            parts.append(f"<code>{html.escape(found['code'])}</code>")
        elif found["bold"] is not None:
            parts.append(f"<strong>{inline(found['bold'])}</strong>")
        elif found["em"] is not None:
            parts.append(f"<em>{inline(found['em'])}</em>")
        else:
            label = inline(found["text"])
            href = found["href"]
            if _SAFE_HREF.match(href) and not href.lower().startswith("javascript"):
                parts.append(f'<a href="{html.escape(href, quote=True)}">{label}</a>')
            else:
                parts.append(label)
        position = found.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def to_html(markdown: str) -> str:
    """The HTML body of a Markdown document (no <html> around it)."""
    lines = markdown.splitlines()
    out: list[str] = []
    paragraph: list[str] = []
    lists: list[tuple[int, str]] = []
    """Open lists: (indent, tag)."""

    item: list[str] = []
    """The lines of the open list item, joined before their inline Markdown is read."""

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        close_item()

    def close_item() -> None:
        if item:
            out.append(inline(" ".join(item)))
            item.clear()

    def close_lists(indent: int = -1) -> None:
        close_item()
        while lists and lists[-1][0] > indent:
            out.append(f"</li></{lists.pop()[1]}>")

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("```"):
            close_paragraph()
            close_lists()
            block = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                block.append(lines[index])
                index += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(block))}</code></pre>")
        elif not stripped:
            close_paragraph()
            if not (index + 1 < len(lines) and _BULLET.match(lines[index + 1])):
                close_lists()
        elif heading := _HEADING.match(stripped):
            close_paragraph()
            close_lists()
            level = len(heading[1])
            out.append(f"<h{level}>{inline(heading[2])}</h{level}>")
        elif stripped.startswith("|") and index + 1 < len(lines) and _RULE.match(lines[index + 1]):
            close_paragraph()
            close_lists()
            head = "".join(f"<th>{inline(cell)}</th>" for cell in _cells(stripped))
            rows = []
            index += 2
            while index < len(lines) and lines[index].strip().startswith("|"):
                cells = "".join(f"<td>{inline(cell)}</td>" for cell in _cells(lines[index]))
                rows.append(f"<tr>{cells}</tr>")
                index += 1
            out.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
            continue
        elif bullet := _BULLET.match(line):
            close_paragraph()
            indent = len(bullet[1])
            tag = "ol" if bullet[2][0].isdigit() else "ul"
            if lists and lists[-1][0] == indent:
                out.append("</li><li>")
            elif not lists or lists[-1][0] < indent:
                out.append(f"<{tag}><li>")
                lists.append((indent, tag))
            else:
                close_lists(indent)
                out.append("</li><li>" if lists else f"<{tag}><li>")
                if not lists:
                    lists.append((indent, tag))
            item.append(bullet[3])
        elif lists:
            item.append(stripped)
        else:
            paragraph.append(stripped)
        index += 1
    close_paragraph()
    close_lists()
    return "\n".join(out) + "\n"
