"""The inbox on a SQLite file (aiosqlite): the default, no server.

SQLite has one writer at a time: every transaction is `BEGIN IMMEDIATE`, so
two processors (in one process or several) never claim the same event, and
the file is in WAL mode, so readers never wait. One connection serves the
inbox; a lock keeps its transactions from interleaving between tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from .._sqlite import connect_sqlite
from ._inbox_store import InboxError, InboxStore, Transaction

__all__ = ["SqliteInbox"]

#: How long a statement waits for another process's write lock, in seconds.
BUSY_TIMEOUT = 30.0


class _SqliteTransaction:
    def __init__(self, db: Any) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        async with self._db.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, *args: Any) -> None:
        await self._db.execute(sql, args)


class SqliteInbox(InboxStore):
    """The inbox's tables in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.shown = str(path)
        self._lock = asyncio.Lock()

    def _failed(self, what: str, exc: BaseException) -> InboxError:
        return InboxError(f"{self.shown}: {what}: {exc}", database=self.shown)

    async def _connect(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = await connect_sqlite(self._path, busy=BUSY_TIMEOUT)
            await self._handle.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            await self.close()
            raise self._failed("cannot open the inbox", exc) from None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        db = self._opened()
        async with self._lock:
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failed("cannot start a write", exc) from None
            try:
                yield _SqliteTransaction(db)
            except sqlite3.Error as exc:
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise self._failed("a statement failed", exc) from None
            except BaseException:
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise
            try:
                await db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise self._failed("a commit failed", exc) from None
