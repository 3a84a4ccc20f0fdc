"""PostgreSQL dumps for backups and scratch restores for drills, as the postgres user.

A dump is `pg_dump -Fc` (one consistent snapshot of the database). The row count of every
table is read from the dump itself (its COPY blocks), so the drill compares the scratch
database with exactly what was dumped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rampart.commands import run
from rampart.errors import BackupError, CommandError

POSTGRES_USER = "postgres"


def _as_postgres(argv: Sequence[str]) -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--", *argv]


def _run(argv: Sequence[str], what: str, reason: str) -> str:
    try:
        return run(_as_postgres(argv)).stdout
    except CommandError as error:
        raise BackupError(f"{what} failed: {error}", reason=reason) from None


def dump(database: str, target: Path) -> None:
    """Dump `database` with pg_dump -Fc into `target` (a file in a postgres-owned folder)."""
    partial = target.with_name(target.name + ".partial")
    _run(["pg_dump", "-Fc", "--file", str(partial), database], f"pg_dump of {database}", "dump")
    partial.replace(target)


def tables_in_dump(dump_file: Path) -> dict[str, int]:
    """Row count per table, from the COPY blocks of the dump's data section."""
    script = _run(
        ["pg_restore", "--data-only", "--file", "-", str(dump_file)],
        f"reading {dump_file}",
        "dump_unreadable",
    )
    counts: dict[str, int] = {}
    table: str | None = None
    for line in script.splitlines():
        if table is None:
            if line.startswith("COPY ") and line.endswith("FROM stdin;"):
                table = line.split(" ", 2)[1]
                counts[table] = 0
        elif line == "\\.":
            table = None
        else:
            counts[table] += 1
    return counts


def quote_table(qualified: str) -> str:
    """A schema.table name (as pg_restore prints it) quoted for SQL."""
    return ".".join('"' + part.strip('"').replace('"', '""') + '"' for part in qualified.split("."))


def query(database: str, sql: str) -> str:
    """The answer of one query, unaligned, as text."""
    return _run(
        ["psql", "--no-psqlrc", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        f"query on {database}",
        "database_check",
    ).strip()


def restore_scratch(dump_file: Path, scratch_database: str) -> None:
    """Create `scratch_database` and restore the dump into it (no owners, no grants)."""
    _run(["createdb", scratch_database], f"createdb {scratch_database}", "database_restore")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-d",
            scratch_database,
            str(dump_file),
        ],
        f"pg_restore into {scratch_database}",
        "database_restore",
    )


def drop_scratch(scratch_database: str) -> None:
    """Drop a scratch database if it is there."""
    _run(["dropdb", "--if-exists", scratch_database], f"dropdb {scratch_database}", "cleanup")


def row_counts(database: str, tables: Sequence[str]) -> dict[str, int]:
    """The row count of each table in a database."""
    counts = {}
    for table in tables:
        sql = f"SELECT count(*) FROM {quote_table(table)}"  # noqa: S608 - identifiers quoted
        counts[table] = int(query(database, sql))
    return counts
