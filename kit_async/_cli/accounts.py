"""`kit-async accounts`: the accounts of a sync database, their status and last sync."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from typing import Any

from .._postgres import connect_errors
from ..sync._target import Target, parse_database
from ._errors import EXIT_CODES, EXIT_CONFIG, EXIT_LOCAL, EXIT_OK, _CommandError
from ._options import FORMATTER, _Commands, _wrap
from ._stdio import _writing

COLUMNS = ("id", "name", "status", "last_sync_finished_at", "last_error")
SQL = f"SELECT {', '.join(COLUMNS)} FROM accounts ORDER BY id"  # noqa: S608 - constants


def add_parser(commands: _Commands) -> None:
    """Add `accounts` to the command line."""
    parser = commands.add_parser(
        "accounts",
        help="list a sync database's accounts: status, last sync, last error",
        description=_wrap(
            "List the accounts a sync database holds (its accounts table, written by "
            "`kit-async worker` and `kit-async sync`): each one's id, name, status "
            "(connected or disconnected), when its last sync finished, and its last "
            "error. Reads only: the database is never created or changed."
        ),
        epilog="example:\n  kit-async accounts --database postgresql://kit@db/marketing\n\n"
        f"{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    parser.add_argument(
        "--database",
        metavar="PATH_OR_URL",
        required=True,
        help="a SQLite file, sqlite:///PATH, or postgresql://USER@HOST/DATABASE",
    )
    parser.set_defaults(run=run, parser=parser)


def _no_accounts_table(target: Target) -> _CommandError:
    return _CommandError(
        EXIT_LOCAL,
        f"{target.shown} has no accounts table: it is not a sync database, or one "
        "that kit-async sync wrote for a single account (schema version 1). "
        "kit-async worker, or kit-async sync --account, adds the table",
    )


def _read_sqlite(target: Target) -> list[tuple[Any, ...]]:
    if target.path is None or not target.path.exists():
        raise _CommandError(EXIT_LOCAL, f"{target.shown}: no such database")
    try:
        uri = f"{target.path.as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            tables = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
            if not db.execute(tables).fetchall():
                raise _no_accounts_table(target)
            return [tuple(row) for row in db.execute(SQL)]
    except sqlite3.Error as exc:
        raise _CommandError(EXIT_LOCAL, f"{target.shown}: {exc}") from None


async def _read_postgres(target: Target) -> list[tuple[Any, ...]]:
    try:
        import asyncpg
    except ImportError:
        msg = "PostgreSQL needs asyncpg: pip install 'kit-async[postgres]'"
        raise _CommandError(EXIT_CONFIG, msg) from None
    try:
        db = await asyncpg.connect(target.dsn, timeout=10)
    except connect_errors() as exc:
        msg = f"{target.shown}: cannot connect: {target.mask(str(exc))}"
        raise _CommandError(EXIT_LOCAL, msg) from None
    try:
        return [tuple(row) for row in await db.fetch(SQL)]
    except asyncpg.UndefinedTableError:
        raise _no_accounts_table(target) from None
    except asyncpg.PostgresError as exc:
        raise _CommandError(EXIT_LOCAL, f"{target.shown}: {target.mask(str(exc))}") from None
    finally:
        await db.close()


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return str(value).replace("\n", " ")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Print the accounts, one a line, tab-separated under a header; return the exit code."""
    import asyncio

    try:
        target = parse_database(args.database)
    except ValueError as exc:
        parser.error(str(exc))
    sqlite = target.kind == "sqlite"
    rows = _read_sqlite(target) if sqlite else asyncio.run(_read_postgres(target))
    with _writing("stdout"):
        sys.stdout.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(_cell(value) for value in row) + "\n")
        sys.stdout.flush()
    if not rows:
        sys.stderr.write("kit-async: the database holds no account yet\n")
    return EXIT_OK
