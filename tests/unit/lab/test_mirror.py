"""The lab reads its Debian mirror from the machine's apt configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from rampart.errors import ConfigError
from rampart.lab import mirror

DEB822 = """Types: deb
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://source.example.org/debian
Suites: bookworm
Components: main
"""


def write_apt(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_deb822_sources_give_archive_and_security(tmp_path: Path) -> None:
    root = write_apt(tmp_path, {"sources.list.d/debian.sources": DEB822})
    found = mirror.machine_mirror(root)
    assert found == mirror.DebianMirror(
        "http://mirror.example.org/debian", "http://mirror.example.org/debian-security"
    )


def test_one_line_sources_with_options_and_comments(tmp_path: Path) -> None:
    text = (
        "# deb http://old.example.org/debian buster main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://local.example.org/debian/ trixie main\n"
        "deb http://local.example.org/debian-security trixie-security main\n"
    )
    root = write_apt(tmp_path, {"sources.list": text})
    found = mirror.machine_mirror(root)
    assert found.archive == "http://local.example.org/debian"
    assert found.security == "http://local.example.org/debian-security"


def test_disabled_stanzas_and_other_suffixes_are_ignored(tmp_path: Path) -> None:
    disabled = DEB822.replace(
        "Types: deb\nURIs: http://mirror", "Enabled: no\nTypes: deb\nURIs: http://mirror", 1
    )
    root = write_apt(
        tmp_path,
        {
            "sources.list.d/a.sources": disabled,
            "sources.list.d/b.list.disabled": "deb http://nope.example.org/debian bookworm main\n",
            "sources.list.d/c.list": "deb http://second.example.org/debian bookworm main\n",
        },
    )
    assert mirror.machine_mirror(root).archive == "http://second.example.org/debian"


def test_security_falls_back_beside_the_archive(tmp_path: Path) -> None:
    root = write_apt(tmp_path, {"sources.list": "deb http://m.example.org/debian bookworm main\n"})
    assert mirror.machine_mirror(root).security == "http://m.example.org/debian-security"


def test_no_debian_archive_is_a_clear_error(tmp_path: Path) -> None:
    root = write_apt(tmp_path, {"sources.list": "deb http://x.example.org/ubuntu noble main\n"})
    with pytest.raises(ConfigError, match="no Debian archive in this machine's apt sources"):
        mirror.machine_mirror(root)


def test_environment_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAMPART_DEBIAN_MIRROR", "http://override.example.org/debian/")
    assert mirror.machine_mirror(tmp_path).archive == "http://override.example.org/debian"
