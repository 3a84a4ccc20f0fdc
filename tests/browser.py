"""Open a page in headless Chromium as a reader would, for the tests of Rampart's HTML."""

from __future__ import annotations

import subprocess
from pathlib import Path


def open_page(page: Path, scratch: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Chromium on `page` with `options` (`--dump-dom`, `--screenshot=...`), its profile in
    `scratch`; fails on a non-zero exit or any console message (a broken page)."""
    browser = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={scratch / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *options,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(scratch), "PATH": "/usr/bin:/bin"},
    )
    assert browser.returncode == 0, browser.stderr[-2000:]
    assert "CONSOLE" not in browser.stderr and "Uncaught" not in browser.stderr
    return browser
