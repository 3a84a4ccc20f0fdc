"""The fleet's tang server (REG-4.2.2): the thumbprint of its signing key, which every host
pins when it binds a key (clevis `thp`), so a host never trusts another server's keys.

RFC 7638: sha256 over the key's required members in lexicographic order, base64url."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from rampart import user_input
from rampart.errors import EncryptionError

REQUIRED = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}


def thumbprint(jwk: Mapping[str, object]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public key."""
    members = REQUIRED.get(str(jwk.get("kty")))
    if members is None or any(not isinstance(jwk.get(name), str) for name in members):
        raise EncryptionError(f"not a key tang signs with: {jwk.get('kty')!r}")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signing_thumbprints(keys_dir: Path) -> list[str]:
    """The thumbprints of the advertised signing keys in tang's folder (hidden files are
    rotated-out keys, no longer advertised), sorted."""
    found = []
    for path in sorted(keys_dir.glob("*.jwk")):
        if path.name.startswith("."):
            continue
        jwk = user_input.read_json(path, "tang key")
        if isinstance(jwk, dict) and "verify" in (jwk.get("key_ops") or []):
            found.append(thumbprint(jwk))
    if not found:
        raise EncryptionError(f"{keys_dir}: no tang signing key (run tangd-keygen)")
    return sorted(found)
