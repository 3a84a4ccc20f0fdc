"""A CA and a server certificate made with openssl the way roles/monitoring_agent makes
Rampart's (P-256, the host's name and address as subject alternative names), for unit
tests that need real TLS."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    """The CA's certificate, and a server's certificate and key signed by it."""

    ca: Path
    certificate: Path
    key: Path


def _openssl(folder: Path, *arguments: str) -> None:
    subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)


def make_certificates(
    folder: Path, name: str = "mon-01", address: str = "127.0.0.1"
) -> Certificates:
    """A fresh CA in `folder` and a certificate for `name` and `address` signed by it."""
    folder.mkdir(parents=True, exist_ok=True)
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(
        folder,
        "req",
        "-x509",
        *curve,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Rampart test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    _openssl(
        folder,
        "req",
        "-new",
        *curve,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        f"/CN={name}",
        "-addext",
        f"subjectAltName=DNS:{name},IP:{address}",
    )
    _openssl(
        folder,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "1",
        "-days",
        "2",
        "-copy_extensions",
        "copy",
        "-out",
        "server.crt",
    )
    return Certificates(folder / "ca.crt", folder / "server.crt", folder / "server.key")
