"""One connection to a sync's database: what each dialect supplies, and the schema.

`Base` declares the driver calls the dialects (`_sqlite`, `_postgres`)
implement, checks and migrates the tables' layout (`kit_async_schema.version`),
and keeps the `accounts` table: when each account's sync started and
finished, its last error, its status. `Store` (in `_store`) adds the
statements of a sync.

A connection serves one account at a time (`claim`): every statement is
scoped to its `account_id`, under that account's sync lock.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._errors import DatabaseError
from ._schema import indexes, migrate_v1, tables

__all__ = ["SCHEMA_VERSION", "TABLES", "Base", "uninterrupted"]

#: The version of the tables' layout, in `kit_async_schema.version`: 2 keeps
#: many accounts (version 1, one, is migrated in place).
SCHEMA_VERSION = 2

#: The tables a sync owns; a database holding one of them without
#: `kit_async_schema` belongs to something else and is refused.
TABLES = ("accounts", "broadcasts", "broadcast_clicks")


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="Base")


def uninterrupted(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Let a write that has started finish before a cancellation takes effect.

    A database driver interrupted mid-statement may leave its connection
    waiting on the server (asyncpg's cancel of a pipelined `executemany`
    never returned in our tests); a write is short, so it completes, then
    the `CancelledError` goes on. Transactions stay whole either way.
    """

    @functools.wraps(method)
    async def run(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.ensure_future(method(store, *args, **kwargs))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                # Its outcome no longer matters to a cancelled caller.
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task
            raise

    return run


class Base(abc.ABC):
    """One connection to a sync's database, for one account at a time.

    Subclasses implement the driver calls; `open()` must create or check the
    tables and prove the database writable before the sync sends a request;
    `claim()` then takes one account's sync lock and migrates a version-1
    database.
    """

    #: The database as messages name it (no password).
    shown: str
    #: `"sqlite"` or `"postgresql"`: which column types the tables use.
    dialect: str
    #: The dialect's placeholder for the n-th parameter (1-based).
    _placeholder: str = "?"
    #: The temporary staging table's statement.
    _staging: str
    #: The layout's version as found (a new database: `SCHEMA_VERSION`).
    version: int = SCHEMA_VERSION
    #: The account this store serves, once claimed.
    account_id: int = 0

    # -- driver calls ---------------------------------------------------------------
    @abc.abstractmethod
    async def open(self) -> None:
        """Connect, create or check the tables, prove the database writable."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the locks and the connection (a staged, uncommitted page is dropped)."""

    @abc.abstractmethod
    async def _take_lock(self, account_id: int, wait: float) -> None:
        """Take the account's sync lock, waiting up to `wait` s (`SyncLockedError`)."""

    @abc.abstractmethod
    def _v1_excluded(self, wait: float) -> Any:
        """An async context manager holding version 1's one sync lock (no old sync runs)."""

    @abc.abstractmethod
    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """Rows of one query."""

    @abc.abstractmethod
    async def _execute(self, sql: str, *args: Any) -> None:
        """One statement, outside any transaction the caller did not open."""

    @abc.abstractmethod
    async def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each row."""

    @abc.abstractmethod
    def _transaction(self) -> Any:
        """An async context manager: one write transaction, rolled back on error."""

    @abc.abstractmethod
    def _when(self, value: datetime | None) -> Any:
        """A timestamp as the driver stores it."""

    # -- the account ----------------------------------------------------------------
    async def claim(self, account_id: int, *, wait: float, migrate_as: int | None) -> None:
        """Serve `account_id`: take its sync lock, migrate a version-1 database.

        `migrate_as` is the account a version-1 database's rows belong to
        (`None`: not known, and only an empty version-1 database migrates).
        """
        await self._take_lock(account_id, wait)
        self.account_id = account_id
        if self.version == 1:
            await self.migrate(migrate_as, wait=wait)
        await self._execute(self._staging)

    async def migrate(self, account_id: int | None, *, wait: float) -> None:
        """Version 1 to 2 in one transaction, once, whoever gets there first.

        `account_id` is the account the rows belong to; `None` migrates only
        a database holding no broadcast (`DatabaseError` otherwise).
        """
        async with self._v1_excluded(wait), self._transaction():
            rows = await self._fetch("SELECT max(version) FROM kit_async_schema")
            if rows[0][0] == 1:
                held = (await self._fetch("SELECT count(*) FROM broadcasts"))[0][0]
                if held and account_id is None:
                    msg = (
                        f"{self.shown} holds one account's clicks at schema version 1; "
                        "migrate it first with that account's client: sync_clicks(kit, "
                        "database) (or kit-async sync), which learns its account id"
                    )
                    raise DatabaseError(msg, database=self.shown)
                now = self._when(datetime.now().astimezone())
                for statement in migrate_v1(self.dialect, with_account=account_id is not None):
                    count = statement.count("?")
                    args = (account_id, now)[:count]
                    await self._execute(self._sql(statement), *args)
        self.version = SCHEMA_VERSION

    def _ready(self, version: int | None) -> tuple[str, ...]:
        """The statements that make a database found at `version` (None: new) ready."""
        self._check_version(version)
        self.version = SCHEMA_VERSION if version is None else version
        if version == 1:
            # Migrated under an account's lock, once its id is known.
            return ()
        return (*tables(self.dialect)[1:], *indexes())

    @uninterrupted
    async def name_of(self) -> str | None:
        """The claimed account's name as the database holds it."""
        rows = await self._fetch(
            self._sql("SELECT name FROM accounts WHERE id = ?"), self.account_id
        )
        return rows[0][0] if rows else None

    @uninterrupted
    async def record_start(self, name: str | None) -> None:
        """Note in `accounts` that the account's sync started (a connected account)."""
        now = self._when(datetime.now().astimezone())
        await self._execute(
            self._sql(
                "INSERT INTO accounts (id, name, status, connected_at, last_sync_started_at) "
                "VALUES (?, ?, 'connected', ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "name = COALESCE(excluded.name, accounts.name), "
                "connected_at = CASE WHEN accounts.status = 'connected' "
                "AND accounts.connected_at IS NOT NULL "
                "THEN accounts.connected_at ELSE excluded.connected_at END, "
                "status = 'connected', disconnected_at = NULL, "
                "last_sync_started_at = excluded.last_sync_started_at"
            ),
            self.account_id,
            name,
            now,
            now,
        )

    @uninterrupted
    async def record_finish(self, error: str | None, *, disconnected: bool = False) -> None:
        """Note the sync's end: its error (None: success); a disconnected account's status."""
        now = self._when(datetime.now().astimezone())
        await self._execute(
            self._sql(
                "UPDATE accounts SET last_sync_finished_at = ?, last_error = ?, "
                "status = CASE WHEN ? THEN 'disconnected' ELSE status END, "
                "disconnected_at = CASE WHEN ? THEN ? ELSE disconnected_at END WHERE id = ?"
            ),
            now,
            error,
            disconnected,
            disconnected,
            now,
            self.account_id,
        )

    # -- the statements -------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        """`sql` with `?` turned into the dialect's placeholders."""
        if self._placeholder == "?":
            return sql
        parts = sql.split("?")
        out = [parts[0]]
        for number, part in enumerate(parts[1:], start=1):
            out.append(f"${number}{part}")
        return "".join(out)

    # -- shared by the dialects -----------------------------------------------------
    def _foreign_tables(self, present: Iterable[str]) -> DatabaseError | None:
        """The error for a database whose `broadcasts` tables are not kit-async's."""
        present = set(present)
        if "kit_async_schema" in present:
            return None
        clash = sorted(present & set(TABLES))
        if not clash:
            return None
        msg = (
            f"{self.shown} already has {' and '.join(clash)} table(s) that kit-async did "
            "not create (no kit_async_schema table); sync into another database"
        )
        return DatabaseError(msg, database=self.shown)

    def _check_version(self, version: int | None) -> None:
        if version is not None and version > SCHEMA_VERSION:
            msg = (
                f"{self.shown} holds kit-async's tables at schema version {version}, newer "
                f"than this kit-async's {SCHEMA_VERSION}; upgrade kit-async"
            )
            raise DatabaseError(msg, database=self.shown)
