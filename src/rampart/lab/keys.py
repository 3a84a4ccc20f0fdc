"""SSH keys of the lab: the administrator key Ansible uses, the people directory's keys,
and the known_hosts file that lets host key checking stay on.
"""

from __future__ import annotations

from pathlib import Path

from rampart import commands


def ensure_key(private_key: Path, comment: str) -> str:
    """Create an Ed25519 key pair unless it exists; return the public key line."""
    if not private_key.exists():
        private_key.parent.mkdir(parents=True, exist_ok=True)
        private_key.parent.chmod(0o700)
        commands.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", private_key]
        )
    return private_key.with_name(private_key.name + ".pub").read_text(encoding="utf-8").strip()


def known_hosts_text(host_keys: dict[str, tuple[str, str]]) -> str:
    """known_hosts lines for each host, by name and address: {name: (address, key)}."""
    return "".join(
        f"{name},{address} {key}\n" for name, (address, key) in sorted(host_keys.items())
    )


def parse_known_hosts(text: str) -> dict[str, tuple[str, str]]:
    """Read back what `known_hosts_text` wrote."""
    entries = {}
    for line in text.splitlines():
        names, _, key = line.partition(" ")
        if "," in names:
            name, address = names.split(",", 1)
            entries[name] = (address, key)
    return entries
