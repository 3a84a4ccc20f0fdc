"""A PostgreSQL database moved into a tablespace in its encrypted folder (REG-4.2.2).

fscrypt encrypts folders, so a database is encrypted by moving it: a tablespace is made in
the data set's encrypted folder on the data volume and the database is moved there with
`ALTER DATABASE ... SET TABLESPACE` (PostgreSQL copies the files and commits, so a crash
leaves it where it was). The database refuses new connections meanwhile and its open ones
are ended; the row count of every table is compared before and after."""

from __future__ import annotations

import shutil
from pathlib import Path

from rampart.backup import postgres
from rampart.errors import BackupError, EncryptionError

LOCATION = "tablespace"
"""The tablespace's folder inside the data set's encrypted folder (owned by postgres)."""


def _cluster(sql: str) -> str:
    try:
        return postgres.query(postgres.MAINTENANCE_DATABASE, sql)
    except BackupError as error:
        raise EncryptionError(str(error)) from None


def name_of(data_set: str) -> str:
    """The tablespace's name for a data set."""
    return "rampart_" + data_set.replace("-", "_")


def location(database: str) -> str | None:
    """The folder of the database's tablespace, or None while it is in the data directory."""
    sql = (
        "SELECT pg_tablespace_location(dattablespace) FROM pg_database"  # noqa: S608
        f" WHERE datname = {postgres.quote_text(database)}"
    )
    found = _cluster(sql)
    if not found and not postgres.database_exists(database):
        raise EncryptionError(f"database {database}: not in this host's PostgreSQL")
    return found or None


def moved(folder: Path, database: str) -> bool:
    """Whether the database's tablespace is in `folder`."""
    return location(database) == str(folder / LOCATION)


def _row_counts(database: str) -> dict[str, int]:
    try:
        tables = postgres.query(
            database, "SELECT schemaname || '.' || relname FROM pg_stat_user_tables"
        ).split()
        return postgres.row_counts(database, sorted(tables))
    except BackupError as error:
        raise EncryptionError(str(error)) from None


def move(folder: Path, data_set: str, database: str) -> int:
    """Move `database` into a tablespace in the (encrypted, unlocked) `folder`; return the
    number of tables checked. Nothing to do when it is there already."""
    if moved(folder, database):
        return 0
    target = folder / LOCATION
    target.mkdir(mode=0o700, exist_ok=True)
    shutil.chown(folder, postgres.POSTGRES_USER, postgres.POSTGRES_USER)
    shutil.chown(target, postgres.POSTGRES_USER, postgres.POSTGRES_USER)
    folder.chmod(0o700)
    space, quoted = postgres.quote_name(name_of(data_set)), postgres.quote_name(database)
    named = postgres.quote_text(name_of(data_set))
    if _cluster(f"SELECT count(*) FROM pg_tablespace WHERE spcname = {named}") == "0":  # noqa: S608
        _cluster(f"CREATE TABLESPACE {space} LOCATION {postgres.quote_text(str(target))}")
    before = _row_counts(database)
    _cluster(f"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS false")
    try:
        _cluster(
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"  # noqa: S608
            f" WHERE datname = {postgres.quote_text(database)} AND pid <> pg_backend_pid()"
        )
        _cluster(f"ALTER DATABASE {quoted} SET TABLESPACE {space}")
    finally:
        _cluster(f"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS true")
    after = _row_counts(database)
    if after != before:
        raise EncryptionError(f"database {database}: row counts differ after the move")
    return len(after)
