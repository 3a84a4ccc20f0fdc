"""The runbooks as pages on the monitoring host, where every alert's runbook link points.

Built on the controller from `runbooks/`: each Markdown runbook, and each YAML runbook as
`rampart runbook show` renders it, turned into an HTML page named like its file
(`/runbooks/service-outage.yml`, `/runbooks/monitoring-pipeline.md`), plus an index at
`/runbooks/`. Served from that folder by the exporters' one web server (TLS, basic auth).
"""

from __future__ import annotations

import html
from pathlib import Path

from rampart.errors import ConfigError
from rampart.exporters.markdown import to_html
from rampart.exporters.web import Page, WebConfig, WebServer, load_web_config

PATH = "/runbooks/"
INDEX = "index.html"
CONTENT_TYPE = "text/html; charset=utf-8"
STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45}code,pre{background:#f3f3f3}pre{padding:.6rem;overflow-x:auto}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
)


def page_names(runbooks: Path) -> list[Path]:
    """The runbook files that become pages: every *.md and *.yml, by name."""
    if not runbooks.is_dir():
        raise ConfigError(f"{runbooks}: no such runbooks folder")
    return sorted(
        path for path in runbooks.iterdir() if path.suffix in {".md", ".yml"} and path.is_file()
    )


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
        f'<body><p><a href="{PATH}">All runbooks</a></p>\n{body}</body></html>\n'
    )


def _source_markdown(path: Path) -> str:
    if path.suffix == ".yml":
        # Only the controller builds pages: the host serving them never loads the engine.
        from rampart.runbook.load import load_runbook
        from rampart.runbook.render import markdown

        return markdown(load_runbook(path))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the runbook: {error}") from None


def build(runbooks: Path, output: Path) -> list[str]:
    """Write every runbook's page and the index into `output`; returns the page names."""
    output.mkdir(parents=True, exist_ok=True)
    names = []
    entries = []
    for path in page_names(runbooks):
        text = _source_markdown(path)
        title = next(
            (line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")),
            path.name,
        )
        (output / path.name).write_text(_document(title, to_html(text)), encoding="utf-8")
        names.append(path.name)
        link = html.escape(path.name, quote=True)
        entries.append(f'<li><a href="{link}">{html.escape(title)}</a> ({link})</li>')
    index = f"<h1>Runbooks</h1>\n<ul>\n{chr(10).join(entries)}\n</ul>\n"
    (output / INDEX).write_text(_document("Runbooks", index), encoding="utf-8")
    return names


def load_pages(folder: Path) -> dict[str, Page]:
    """Every page of a built folder by the path it is served at."""
    index = folder / INDEX
    if not index.is_file():
        raise ConfigError(f"{folder}: no {INDEX}; build the pages first (runbook-pages-build)")
    pages = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            pages[PATH + path.name] = Page(path.read_bytes(), CONTENT_TYPE)
    pages[PATH] = pages[PATH.rstrip("/")] = pages["/"] = pages[PATH + INDEX]
    return pages


def server(folder: Path, listen: str, web: WebConfig) -> WebServer:
    """The pages' server on `listen` (`address:port`), not yet serving."""
    pages = load_pages(folder)
    address, _, port = listen.rpartition(":")
    if not address or not port.isdigit():
        raise ConfigError(f"--listen {listen}: give address:port")
    try:
        return WebServer((address.strip("[]"), int(port)), pages.get, web)
    except OSError as error:
        raise ConfigError(f"--listen {listen}: cannot listen: {error}") from None


def serve(folder: Path, listen: str, web_config: Path | None) -> int:
    """Serve the pages until stopped."""
    web = load_web_config(web_config)
    running = server(folder, listen, web)
    try:
        running.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        running.server_close()
    return 0
