"""The SQLite store (aiosqlite): a file, no server.

SQLite has no advisory lock, so each account's sync lock is SQLite's own
file lock on a companion file (`<database>-sync-<account id>.lock`): an
exclusive transaction held there for the whole sync of the account. The
operating system releases it when the process ends, however it ends.
(Version 1's one lock, `<database>-sync.lock`, is taken while a version-1
database is migrated, so that no older kit-async writes to it meanwhile.) The database itself is in WAL mode, so readers (a web app
serving pages from it) never wait for a sync.

Every connection is closed on every path out of `open()`, and its worker
thread has stopped when `close()` returns: a thread still running when
`asyncio.run` closes its loop prints a stray traceback after the command's
error.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._sqlite import connect_sqlite
from ._errors import DatabaseError, locked
from ._schema import tables
from ._store import SCHEMA_VERSION, Store

try:
    import aiosqlite
except ImportError:  # pragma: no cover - the test suite runs with the extra
    AVAILABLE = False
else:
    AVAILABLE = True

__all__ = ["AVAILABLE", "SqliteStore"]

STAGING = (
    "CREATE TEMP TABLE kit_async_staging ("
    " seq INTEGER PRIMARY KEY,"
    " broadcast_id INTEGER NOT NULL,"
    " url TEXT NOT NULL,"
    " unique_clicks INTEGER NOT NULL,"
    " click_to_delivery_rate REAL NOT NULL,"
    " click_to_open_rate REAL NOT NULL)"
)


#: Seconds a statement waits for another connection's write to end.
BUSY = 30.0

#: The first bytes of every SQLite database file.
HEADER = b"SQLite format 3\x00"


def sqlite_time(value: datetime) -> str:
    """A timestamp as the SQLite tables hold it: UTC text that `datetime('now')` compares with."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _not_a_database(path: Path) -> bool:
    """Whether `path` is a file that SQLite would refuse as "not a database".

    An empty file is a new database to SQLite; what cannot be read is left to
    SQLite to explain.
    """
    if not path.is_file():
        return False
    try:
        with path.open("rb") as file:
            head = file.read(len(HEADER))
    except OSError:
        return False
    return head not in {b"", HEADER}


class SqliteStore(Store):
    """A sync's connection to a SQLite file."""

    dialect = "sqlite"
    _staging = STAGING

    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = str(path)
        #: Version 1's one sync lock (taken to migrate a version-1 database).
        self.lock_path = path.with_name(path.name + "-sync.lock")
        self._db: aiosqlite.Connection | None = None
        self._lock: aiosqlite.Connection | None = None

    def lock_path_of(self, account_id: int) -> Path:
        """The companion file whose lock is the account's sync lock."""
        return self.path.with_name(f"{self.path.name}-sync-{account_id}.lock")

    def _failed(self, what: str, exc: BaseException) -> DatabaseError:
        return DatabaseError(f"{self.shown}: {what}: {exc}", database=self.shown)

    async def open(self) -> None:
        if not self.path.parent.is_dir():
            msg = f"{self.shown}: cannot create the database: {self.path.parent} is not a directory"
            raise DatabaseError(msg, database=self.shown)
        if self.path.is_dir():
            msg = f"{self.shown}: cannot open the database: it is a directory; name a file"
            raise DatabaseError(msg, database=self.shown)
        # Refused before the lock file is made beside it.
        if _not_a_database(self.path):
            msg = (
                f"{self.shown}: cannot open the database: the file is not a SQLite database; "
                "name a database kit-async made, or a new file"
            )
            raise DatabaseError(msg, database=self.shown)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY
        try:
            while True:
                try:
                    await self._connect()
                    break
                except sqlite3.OperationalError as exc:
                    # Syncs of other accounts opening the same new file at once
                    # (switching it to WAL mode is not retried by SQLite itself).
                    if "locked" not in str(exc) or loop.time() >= deadline:
                        raise
                    await self.close()
                    await asyncio.sleep(0.05)
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise self._failed("cannot open the database for writing", exc) from None
        except BaseException:
            await self.close()
            raise

    async def _connect(self) -> None:
        self._db = db = await connect_sqlite(self.path, busy=BUSY)
        # Before anything changes in the file (WAL mode is kept in it).
        await self._refuse_foreign(db)
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await self._prepare(db)

    async def _take_lock(self, account_id: int, wait: float) -> None:
        try:
            self._lock = await self._lock_file(self.lock_path_of(account_id), wait)
        except OSError as exc:
            raise self._failed("cannot open the sync lock", exc) from None
        except sqlite3.Error as exc:
            raise self._failed("cannot take the sync lock", exc) from None

    async def _lock_file(self, path: Path, wait: float) -> aiosqlite.Connection:
        """An exclusive transaction on `path`, held until its connection closes."""
        lock = await connect_sqlite(path, busy=wait)
        try:
            await lock.execute("BEGIN EXCLUSIVE")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                await lock.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise locked(self.shown, path.name) from None
            raise
        return lock

    @contextlib.asynccontextmanager
    async def _v1_excluded(self, wait: float) -> AsyncIterator[None]:
        if not self.lock_path.exists():
            # No version-1 sync ever ran here with a lock to hold.
            yield
            return
        try:
            lock = await self._lock_file(self.lock_path, wait)
        except sqlite3.Error as exc:
            raise self._failed("cannot take version 1's sync lock", exc) from None
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                await lock.close()

    async def _refuse_foreign(self, db: aiosqlite.Connection) -> None:
        """Refuse another app's database, leaving nothing of ours beside it."""
        async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
            present = [row[0] for row in await cursor.fetchall()]
        foreign = self._foreign_tables(present)
        if foreign is None:
            return
        await self.close()
        raise foreign

    async def _prepare(self, db: aiosqlite.Connection) -> None:
        now = sqlite_time(datetime.now(UTC))
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(tables(self.dialect)[0])
            async with db.execute("SELECT max(version) FROM kit_async_schema") as cursor:
                row = await cursor.fetchone()
            version = None if row is None else row[0]
            for statement in self._ready(version):
                await db.execute(statement)
            if version is None:
                await db.execute(
                    "INSERT INTO kit_async_schema (version, created_at) VALUES (?, ?)",
                    (SCHEMA_VERSION, now),
                )
            # A write now: a read-only database fails here, before any request.
            await db.execute("UPDATE kit_async_schema SET last_sync_started_at = ?", (now,))
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        db, self._db = self._db, None
        lock, self._lock = self._lock, None
        try:
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    await db.close()
        finally:
            # Even when the first close is cancelled: the lock's thread stops too.
            if lock is not None:
                with contextlib.suppress(sqlite3.Error):
                    await lock.close()

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            msg = f"{self.shown}: the store is not open"
            raise DatabaseError(msg, database=self.shown)
        return self._db

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        try:
            async with self._connection().execute(sql, args) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.Error as exc:
            raise self._failed("a query failed", exc) from None

    async def _execute(self, sql: str, *args: Any) -> None:
        try:
            await self._connection().execute(sql, args)
        except sqlite3.Error as exc:
            raise self._failed("a write failed", exc) from None

    async def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            await self._connection().executemany(sql, rows)
        except sqlite3.Error as exc:
            raise self._failed("a write failed", exc) from None

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        db = self._connection()
        try:
            await db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._failed("cannot start a write", exc) from None
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")
            raise
        try:
            await db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failed("a commit failed", exc) from None

    def _when(self, value: datetime | None) -> str | None:
        return None if value is None else sqlite_time(value)
