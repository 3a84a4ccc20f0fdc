"""The evaluation as PDF: the HTML printed by headless Chromium (Debian's `chromium`), the
browser the HTML is tested in, so the PDF shows what the page shows."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rampart.commands import run, which
from rampart.errors import CommandError, ConfigError

PRINT_TIMEOUT_SECONDS = 120.0


def chromium() -> Path:
    """The browser, or one line saying how to get it."""
    for name in ("chromium", "chromium-browser"):
        found = which(name)
        if found is not None:
            return found
    raise ConfigError("chromium is not installed, the PDF needs it: apt-get install chromium")


def write_pdf(html: str, destination: Path) -> None:
    """Print `html` (self-contained: inline styles and SVG) to `destination`."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="rampart-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        output = Path(folder) / "report.pdf"
        argv: list[str | Path] = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        try:
            run(argv, timeout=PRINT_TIMEOUT_SECONDS, env={"HOME": folder, "PATH": "/usr/bin:/bin"})
        except CommandError as error:
            raise ConfigError(f"chromium could not print the PDF: {error}") from error
        if not output.is_file() or output.stat().st_size == 0:
            raise ConfigError("chromium printed no PDF")
        destination.write_bytes(output.read_bytes())
