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
MAINTENANCE_DATABASE = "postgres"


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
    return ".".join(quote_name(part.strip('"')) for part in qualified.split("."))


def _sql(database: str, sql: str, reason: str) -> str:
    return _run(
        ["psql", "--no-psqlrc", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        f"query on {database}",
        reason,
    ).strip()


def query(database: str, sql: str) -> str:
    """The answer of one query, unaligned, as text."""
    return _sql(database, sql, "database_check")


def quote_name(name: str) -> str:
    """One identifier (a database name) quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    """A string literal for SQL."""
    return "'" + text.replace("'", "''") + "'"


def owner_in_listing(listing: str) -> str | None:
    """The database's owner from `pg_restore --create --list` (its DATABASE entry), if any."""
    for line in listing.splitlines():
        fields = line.split()
        # "3390; 1262 16384 DATABASE - hr postgres": id; tableoid oid type schema name owner
        if len(fields) == 7 and fields[3] == "DATABASE" and fields[4] == "-":
            return fields[6]
    return None


def restore_scratch(dump_file: Path, scratch_database: str, *, as_dumped: bool = False) -> None:
    """Create `scratch_database` and restore the dump into it.

    By default with no owners and no grants (a drill needs none of the host's roles);
    `as_dumped` keeps the dump's database owner, object owners and grants (a real restore:
    the roles exist, as the playbooks made them, or the restore fails here).
    """
    createdb = ["createdb"]
    restore_options = ["--no-owner", "--no-privileges"]
    if as_dumped:
        # The DATABASE entry (its owner) is listed only with --create.
        listing = _run(
            ["pg_restore", "--create", "--list", str(dump_file)],
            f"listing {dump_file}",
            "dump_unreadable",
        )
        owner = owner_in_listing(listing)
        createdb += ["--owner", owner] if owner else []
        restore_options = []
    _run([*createdb, scratch_database], f"createdb {scratch_database}", "database_restore")
    _run(
        [
            "pg_restore",
            *restore_options,
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


def _on_cluster(sql: str) -> str:
    """Run SQL in the maintenance database, for a database swap."""
    return _sql(MAINTENANCE_DATABASE, sql, "database_swap")


def database_exists(name: str) -> bool:
    """Whether the cluster has a database of that name."""
    sql = f"SELECT count(*) FROM pg_database WHERE datname = {quote_text(name)}"  # noqa: S608
    return _on_cluster(sql) == "1"


def swap_database(scratch_database: str, live: str, kept: str) -> bool:
    """Put `scratch_database` in place of `live`, the live one renamed to `kept`.

    The live database first refuses new connections and its open ones are ended (waiting
    up to 10 s for each); both renames then commit in one transaction. If that fails, the
    live database takes connections again, untouched. False when there was no live
    database: the scratch one is just renamed.
    """
    scratch_name, live_name, kept_name = map(quote_name, (scratch_database, live, kept))
    if not database_exists(live):
        _on_cluster(f"ALTER DATABASE {scratch_name} RENAME TO {live_name}")
        return False
    _on_cluster(f"ALTER DATABASE {live_name} WITH ALLOW_CONNECTIONS false")
    try:
        _on_cluster(
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "  # noqa: S608
            f"WHERE datname = {quote_text(live)} AND pid <> pg_backend_pid()"
        )
        _on_cluster(
            f"BEGIN; ALTER DATABASE {live_name} RENAME TO {kept_name}; "
            f"ALTER DATABASE {scratch_name} RENAME TO {live_name}; COMMIT;"
        )
    except BaseException:
        _on_cluster(f"ALTER DATABASE {live_name} WITH ALLOW_CONNECTIONS true")
        raise
    _on_cluster(f"ALTER DATABASE {kept_name} WITH ALLOW_CONNECTIONS true")
    return True
