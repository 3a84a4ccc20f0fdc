"""Find the Debian mirror this machine's own apt uses, so the lab's packages come from it.

The lab never names a mirror itself: it reads the archive and security URIs from the
machine's apt sources (one-line `.list` files and deb822 `.sources` files) at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rampart.errors import ConfigError

APT_SOURCES = Path("/etc/apt")


@dataclass(frozen=True)
class AptEntry:
    """One `deb` line or stanza: where it points and which suites it serves."""

    uri: str
    suites: tuple[str, ...]


@dataclass(frozen=True)
class DebianMirror:
    """The archive and security URIs the lab's apt proxy fetches from."""

    archive: str
    security: str


def parse_one_line(text: str) -> list[AptEntry]:
    """Read entries from the classic one-line format (`deb [options] URI suite comp...`)."""
    entries = []
    for raw_line in text.splitlines():
        words = raw_line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            entries.append(AptEntry(words[0], (words[1],)))
    return entries


def parse_deb822(text: str) -> list[AptEntry]:
    """Read entries from deb822 `.sources` stanzas, skipping disabled ones."""
    entries = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for raw_line in stanza.splitlines():
            if raw_line.startswith("#") or ":" not in raw_line or raw_line[:1].isspace():
                continue
            key, value = raw_line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        entries += [AptEntry(uri, suites) for uri in fields.get("uris", "").split()]
    return entries


def read_entries(root: Path = APT_SOURCES) -> list[AptEntry]:
    """Every enabled `deb` entry in the machine's apt configuration, in apt's order."""
    entries = []
    main_list = root / "sources.list"
    if main_list.is_file():
        entries += parse_one_line(main_list.read_text(encoding="utf-8", errors="replace"))
    parts = root / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            if path.suffix == ".list":
                entries += parse_one_line(text)
            elif path.suffix == ".sources":
                entries += parse_deb822(text)
    return entries


def choose_mirror(entries: list[AptEntry]) -> DebianMirror:
    """Pick the Debian archive and its security archive among apt's entries.

    The archive is the first URI ending in `/debian` that serves a plain suite; the security
    archive the first serving a `-security` suite (falling back to the archive's host).
    """
    archive = next(
        (
            entry.uri.rstrip("/")
            for entry in entries
            if entry.uri.rstrip("/").endswith("/debian")
            and any("-" not in suite for suite in entry.suites)
        ),
        None,
    )
    if archive is None:
        raise ConfigError(
            "no Debian archive in this machine's apt sources (/etc/apt); "
            "set RAMPART_DEBIAN_MIRROR to the URI of a Debian mirror"
        )
    security = next(
        (
            entry.uri.rstrip("/")
            for entry in entries
            if any(suite.endswith("-security") for suite in entry.suites)
        ),
        archive + "-security",
    )
    return DebianMirror(archive=archive, security=security)


def machine_mirror(root: Path = APT_SOURCES) -> DebianMirror:
    """The mirror to use: RAMPART_DEBIAN_MIRROR if set, else the machine's apt configuration."""
    override = os.environ.get("RAMPART_DEBIAN_MIRROR")
    if override:
        archive = override.rstrip("/")
        return DebianMirror(archive=archive, security=archive + "-security")
    return choose_mirror(read_entries(root))
