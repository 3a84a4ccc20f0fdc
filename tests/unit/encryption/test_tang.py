"""The thumbprint hosts pin when they bind a key to tang: RFC 7638, from tang's own key
folder (the advertised signing key, not the exchange key nor rotated-out keys)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rampart.encryption.tang import signing_thumbprints, thumbprint
from rampart.errors import EncryptionError

RFC_7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"
    "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qv"
    "zqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZ"
    "u0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_the_thumbprint_is_rfc_7638s() -> None:
    assert thumbprint(RFC_7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_only_the_advertised_signing_key_is_pinned(tmp_path: Path) -> None:
    signing = {"kty": "EC", "crv": "P-521", "x": "AX", "y": "AY", "key_ops": ["sign", "verify"]}
    exchange = {"kty": "EC", "crv": "P-521", "x": "BX", "y": "BY", "key_ops": ["deriveKey"]}
    rotated = {**signing, "x": "CX"}
    (tmp_path / "a.jwk").write_text(json.dumps(signing))
    (tmp_path / "b.jwk").write_text(json.dumps(exchange))
    (tmp_path / ".c.jwk").write_text(json.dumps(rotated))
    assert signing_thumbprints(tmp_path) == [thumbprint(signing)]


def test_a_folder_without_keys_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(EncryptionError, match="no tang signing key"):
        signing_thumbprints(tmp_path)
