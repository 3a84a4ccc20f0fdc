"""The default inventory, found the way Ansible finds it, so `rampart` and
`ansible-playbook` run without `-i` read the same inventory.

Ansible takes `$ANSIBLE_INVENTORY` (relative to the working folder), else `inventory =`
in `[defaults]` of the first ansible.cfg of: `$ANSIBLE_CONFIG` (a file or a folder holding
one), `./ansible.cfg` (ignored when the folder is world-writable), `~/.ansible.cfg`,
`/etc/ansible/ansible.cfg`; a relative path there is relative to that file's folder. With
neither, it is `/etc/ansible/hosts`. Of a comma-separated list, Rampart reads the first.
"""

from __future__ import annotations

import argparse
import configparser
import os
import stat
from collections.abc import Callable
from pathlib import Path

from rampart.errors import ConfigError

ANSIBLE_DEFAULT_INVENTORY = Path("/etc/ansible/hosts")


def config_file() -> Path | None:
    """The ansible.cfg Ansible would read here, or None. A place this user may not look
    into (a service account started in root's home folder) counts as no file there."""
    candidates: list[Path] = []
    if named := os.environ.get("ANSIBLE_CONFIG"):
        path = _expand(Path(named))
        candidates.append(path / "ansible.cfg" if _looks(path, stat.S_ISDIR) else path)
    try:
        here = Path.cwd()
        if not here.stat().st_mode & stat.S_IWOTH:
            candidates.append(here / "ansible.cfg")
    except OSError:
        pass
    candidates += [_expand(Path("~/.ansible.cfg")), Path("/etc/ansible/ansible.cfg")]
    return next((path for path in candidates if _looks(path, stat.S_ISREG)), None)


def _looks(path: Path, kind: Callable[[int], bool]) -> bool:
    """Whether `path` is there and of that kind; False where looking fails."""
    try:
        return kind(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def default_inventory() -> Path:
    """The inventory `ansible-playbook` uses without `-i` (see the module's docstring)."""
    if sources := os.environ.get("ANSIBLE_INVENTORY"):
        return Path.cwd() / _expand(Path(_first(sources)))
    path = config_file()
    if path is None:
        return ANSIBLE_DEFAULT_INVENTORY
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        with path.open(encoding="utf-8") as text:
            parser.read_file(text)
    except (OSError, configparser.Error, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())  # configparser's messages span lines
        raise ConfigError(f"{path}: cannot read it as Ansible's configuration: {reason}") from None
    sources = parser.get("defaults", "inventory", fallback="")
    if not sources.strip():
        return ANSIBLE_DEFAULT_INVENTORY
    return path.parent / _expand(Path(_first(sources)))


def inventory_path(given: Path | None) -> Path:
    """The inventory a command reads: `--inventory` when given, else the default, looked up
    only now, so commands that need no inventory never read ansible.cfg."""
    if given is not None:
        return given
    path = default_inventory()
    if path == ANSIBLE_DEFAULT_INVENTORY and not path.exists():
        raise ConfigError(
            "no inventory: no $ANSIBLE_INVENTORY and no ansible.cfg naming one here, in"
            " $ANSIBLE_CONFIG, ~/.ansible.cfg or /etc/ansible/; run inside the repository"
            " or pass --inventory"
        )
    return path


INVENTORY_HELP = (
    "(default: $ANSIBLE_INVENTORY, else `inventory` of the ansible.cfg Ansible would use,"
    " as `ansible-playbook` finds it)"
)


def add_inventory_option(
    parser: argparse.ArgumentParser, what: str = "the inventory folder"
) -> None:
    """`--inventory`; without it the command reads `inventory_path(None)`."""
    parser.add_argument("--inventory", type=Path, default=None, help=f"{what} {INVENTORY_HELP}")


def _first(sources: str) -> str:
    return sources.split(",")[0].strip()


def _expand(path: Path) -> Path:
    """`~` expanded; as it is for a service account without a home (the backup exporter's),
    where a path under `~` then simply does not exist."""
    try:
        return path.expanduser()
    except RuntimeError:
        return path
