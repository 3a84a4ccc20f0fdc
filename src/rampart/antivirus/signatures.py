"""ClamAV signature databases: Rampart's own, built on the mirror, and the age of every
database a host has loaded (REG-4.2.4).

Rampart's database `rampart.cud` is an unsigned ClamAV container made with `sigtool`:
the EICAR test file by its SHA-256 (`sigtool --sha256`) and Rampart's own test pattern by
its bytes (`sigtool --hex-dump`). Its header carries its build time, like the official
`daily.cvd`, so one reader tells every database's age. The feed checks each build with
`clamscan` against the EICAR file before it replaces the published one, so the mirror
never serves a database that does not load or does not detect."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rampart.commands import run
from rampart.errors import ConfigError, RampartError
from rampart.user_input import describe_os_error

DATABASE = "rampart.cud"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
"""The industry's antivirus test file (eicar.org): harmless, and detected by every scanner."""
EICAR_SIGNATURE = "Rampart.Test.EICAR"
MARKER = b"RAMPART-ANTIVIRUS-TEST-SIGNATURE-4c1f"
"""Rampart's own test pattern: a file containing it is reported as Rampart.Test.Marker."""
MARKER_SIGNATURE = "Rampart.Test.Marker"
HEADER_BYTES = 512
EXTENSIONS = (".cvd", ".cld", ".cud")


class SignatureError(RampartError):
    """A signature database could not be built, or failed its check."""

    exit_code = 1


@dataclass(frozen=True)
class Database:
    """A loaded database container: its name (`daily`, `rampart`), version and build time."""

    name: str
    version: int
    built: float
    signatures: int


def write_eicar(path: Path) -> None:
    """Write the EICAR test file at `path` (mode 0644); an existing file is left alone."""
    try:
        with path.open("xb") as output:
            output.write(EICAR)
        path.chmod(0o644)
    except FileExistsError:
        raise ConfigError(f"{path}: a file is already there; not overwritten") from None
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot write the test file: {describe_os_error(error)}"
        ) from None


def read_header(path: Path) -> Database | None:
    """The header of a .cvd, .cld or .cud file; None when it is not one."""
    try:
        with path.open("rb") as source:
            head = source.read(HEADER_BYTES).decode("ascii", "replace")
    except OSError:
        return None
    fields = head.rstrip("\0 ").split(":")
    if len(fields) < 9 or fields[0] != "ClamAV-VDB":
        return None
    try:
        return Database(path.stem, int(fields[2]), float(fields[8].strip()), int(fields[3]))
    except ValueError:
        return None


def loaded(database_dir: Path) -> list[Database]:
    """Every database container in the folder, by name."""
    found = []
    for path in sorted(database_dir.iterdir()) if database_dir.is_dir() else []:
        if path.suffix in EXTENSIONS and (database := read_header(path)) is not None:
            found.append(database)
    return found


def build(output: Path, builder: str = "Rampart", now: float | None = None) -> Database:
    """Build `rampart.cud`, check it detects the EICAR file, and publish it in `output`."""
    version = int(now if now is not None else time.time())
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".rampart-signatures.") as work:
        folder = Path(work)
        sample = folder / "eicar.com"
        sample.write_bytes(EICAR)
        hashed = run(["sigtool", "--sha256", sample]).stdout.strip()
        digest_and_size = hashed.rsplit(":", 1)[0]
        (folder / "rampart.hsb").write_text(f"{digest_and_size}:{EICAR_SIGNATURE}\n")
        marker = run(["sigtool", "--hex-dump"], input_text=MARKER.decode()).stdout.strip()
        (folder / "rampart.ndb").write_text(f"{MARKER_SIGNATURE}:0:*:{marker}\n")
        (folder / "COPYING").write_text("Rampart's test signatures; free to use.\n")
        argv = ["sigtool", "--unsigned", f"--build={DATABASE}", f"--cvd-version={version}"]
        run(
            [*argv, "--no-cdiff", f"--datadir={folder}"],
            input_text=f"{builder}\n",
            env=_env(),
            cwd=folder,
        )
        built = folder / DATABASE
        _check(built, sample)
        database = read_header(built)
        if database is None:
            raise SignatureError(f"{built}: sigtool wrote no ClamAV container header")
        built.chmod(0o644)
        built.replace(output / DATABASE)
    return database


def _env() -> dict[str, str]:
    # sigtool works in its current folder; it only needs PATH and a locale.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}


def _check(database: Path, sample: Path) -> None:
    """Refuse a database that does not load or does not find the EICAR file."""
    scanned = run(["clamscan", "--no-summary", f"--database={database}", sample], check=False)
    if scanned.returncode != 1 or EICAR_SIGNATURE not in scanned.stdout:
        reason = (scanned.stderr or scanned.stdout).strip().splitlines()[-1:] or ["no answer"]
        raise SignatureError(
            f"{database.name}: the new database does not detect the EICAR test file"
            f" (clamscan exit {scanned.returncode}: {reason[0]}); the published one is kept"
        )
