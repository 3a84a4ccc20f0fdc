"""Who runs a command on a host: the one answer journals record as the person behind it."""

from __future__ import annotations

import os
import pwd


def operator_name() -> str:
    """The person behind the command: sudo's caller when there is one, else the login."""
    name = os.environ.get("SUDO_USER")
    if name:
        return name
    try:
        return pwd.getpwuid(os.getuid())[0]
    except KeyError:
        return str(os.getuid())
