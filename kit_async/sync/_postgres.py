"""The PostgreSQL store (asyncpg), for a team that already runs a server.

Each account's sync lock is a session-level advisory lock
(`pg_try_advisory_lock`) held by the sync's own connection, keyed by the
database, the schema and the account: the server releases it when that
connection ends, however it ends, so a killed sync never leaves it behind,
and two machines syncing into one database never sync one account at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from .._postgres import connect_errors, query_errors
from ._errors import DatabaseError, locked
from ._schema import tables
from ._store import SCHEMA_VERSION, Store
from ._target import Target

try:
    import asyncpg
except ImportError:  # pragma: no cover - the test suite runs with the extra
    AVAILABLE = False
else:
    AVAILABLE = True

__all__ = ["AVAILABLE", "PostgresStore"]

#: Version 1's one lock: its first key (b"kits"); the second is the database
#: and schema the tables live in. Taken while a version-1 database migrates.
LOCK_CLASS = int.from_bytes(b"kits", "big", signed=True)
_TRY_V1_LOCK = (
    "SELECT pg_try_advisory_lock($1, hashtext(current_database() || '.' || current_schema()))"
)
_V1_UNLOCK = (
    "SELECT pg_advisory_unlock($1, hashtext(current_database() || '.' || current_schema()))"
)
_PREPARING = (
    "SELECT pg_advisory_xact_lock($1, hashtext(current_database() || '.' || current_schema()))"
)
#: An account's lock: the database and schema, then the account's id (as a
#: 32-bit key: Kit's account ids are far below 2**31; a larger one wraps).
_TRY_ACCOUNT_LOCK = (
    "SELECT pg_try_advisory_lock(hashtext(current_database() || '.' || current_schema()), $1)"
)
_POLL = 0.25

STAGING = (
    "CREATE TEMP TABLE kit_async_staging ("
    " seq BIGSERIAL PRIMARY KEY,"
    " broadcast_id BIGINT NOT NULL,"
    " url TEXT NOT NULL,"
    " unique_clicks BIGINT NOT NULL,"
    " click_to_delivery_rate DOUBLE PRECISION NOT NULL,"
    " click_to_open_rate DOUBLE PRECISION NOT NULL)"
)


class PostgresStore(Store):
    """A sync's connection to a PostgreSQL database."""

    _placeholder = "$"
    dialect = "postgresql"
    _staging = STAGING

    def __init__(self, target: Target) -> None:
        if target.dsn is None:
            msg = f"{target.shown}: not a PostgreSQL URL"
            raise ValueError(msg)
        self._dsn = target.dsn
        self._target = target
        self.shown = target.shown
        self._db: Any = None

    def __repr__(self) -> str:
        return f"PostgresStore({self.shown!r})"

    def _failed(self, what: str, exc: BaseException) -> DatabaseError:
        # The driver's text may quote a part of the URL (a bad parameter's value).
        detail = self._target.mask(str(exc)) or type(exc).__name__
        return DatabaseError(f"{self.shown}: {what}: {detail}", database=self.shown)

    async def open(self) -> None:
        try:
            self._db = await asyncpg.connect(self._dsn, timeout=10)
        except connect_errors() as exc:
            raise self._failed("cannot connect", exc) from None
        try:
            await self._prepare()
        except asyncpg.PostgresError as exc:
            await self.close()
            raise self._failed("cannot prepare the database for writing", exc) from None
        except BaseException:
            await self.close()
            raise

    async def _take_lock(self, account_id: int, wait: float) -> None:
        key = (account_id + 2**31) % 2**32 - 2**31
        await self._poll(_TRY_ACCOUNT_LOCK, key, wait, f"account {account_id}'s advisory lock")

    async def _poll(self, sql: str, key: int, wait: float, holder: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        try:
            while not await self._connection().fetchval(sql, key):
                if loop.time() >= deadline:
                    raise locked(self.shown, holder)
                await asyncio.sleep(min(_POLL, max(0.0, deadline - loop.time())))
        except query_errors() as exc:
            raise self._failed("cannot take the sync lock", exc) from None

    @contextlib.asynccontextmanager
    async def _v1_excluded(self, wait: float) -> AsyncIterator[None]:
        await self._poll(_TRY_V1_LOCK, LOCK_CLASS, wait, "version 1's advisory lock")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await self._connection().fetchval(_V1_UNLOCK, LOCK_CLASS)

    async def _prepare(self) -> None:
        db = self._db
        present = await db.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        foreign = self._foreign_tables(row[0] for row in present)
        if foreign is not None:
            raise foreign
        async with db.transaction():
            # Syncs of many accounts open at once: one at a time makes the tables.
            await db.execute(_PREPARING, LOCK_CLASS + 1)
            await db.execute(tables(self.dialect)[0])
            version = await db.fetchval("SELECT max(version) FROM kit_async_schema")
            for statement in self._ready(version):
                await db.execute(statement)
            if version is None:
                await db.execute(
                    "INSERT INTO kit_async_schema (version, created_at) VALUES ($1, now())",
                    SCHEMA_VERSION,
                )
            # A write now: a database this role cannot write fails here, before any request.
            await db.execute("UPDATE kit_async_schema SET last_sync_started_at = now()")

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            # Closing the connection releases the advisory lock and drops the staging table.
            with contextlib.suppress(Exception):
                await db.close(timeout=5)

    def _connection(self) -> Any:
        if self._db is None:
            msg = f"{self.shown}: the store is not open"
            raise DatabaseError(msg, database=self.shown)
        return self._db

    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        try:
            return list(await self._connection().fetch(sql, *args))
        except query_errors() as exc:
            raise self._failed("a query failed", exc) from None

    async def _execute(self, sql: str, *args: Any) -> None:
        try:
            await self._connection().execute(sql, *args)
        except query_errors() as exc:
            raise self._failed("a write failed", exc) from None

    async def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            await self._connection().executemany(sql, list(rows))
        except query_errors() as exc:
            raise self._failed("a write failed", exc) from None

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        transaction = self._connection().transaction()
        try:
            await transaction.start()
        except query_errors() as exc:
            raise self._failed("cannot start a write", exc) from None
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                await transaction.rollback()
            raise
        try:
            await transaction.commit()
        except query_errors() as exc:
            raise self._failed("a commit failed", exc) from None

    def _when(self, value: datetime | None) -> datetime | None:
        return value
