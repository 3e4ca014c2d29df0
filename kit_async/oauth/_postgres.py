"""A token store in PostgreSQL: for workers on many machines.

Each account is one row of `kit_token_store`. Its lock is a session-level
advisory lock, held on a connection of a second small pool (at most
`LOCK_CONNECTIONS` per store) for as long as the lock is: when the holder
dies, its connection dies and the server releases the lock. A worker waiting
for a lock another holds tries again on any free connection, so the waiting
takes none, and a process never opens more than `4 + LOCK_CONNECTIONS`
connections however many accounts it refreshes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from .._core.auth import TokenSet
from ..sync._target import Redacted
from ._sealed import Sealer, digest, translate_errors, wait_for_lock
from ._store import AccountStatus, OpenedAsContext

__all__ = ["PostgresTokenStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kit_token_store (
    account_id BIGINT PRIMARY KEY,
    name TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    pair BYTEA,
    refresh_digest TEXT,
    expires_at DOUBLE PRECISION,
    updated_at DOUBLE PRECISION NOT NULL
)
"""
# The first half of every advisory lock key ("KIT\0"), so that our locks do
# not collide with another application's on the same database.
_LOCK_CLASS = 0x4B495400
_CONNECT_TIMEOUT = 10.0
#: Connections a store holds account locks on, at most: refreshes of more
#: accounts at once in one process wait for one of them (within `lock_timeout`).
LOCK_CONNECTIONS = 8


def _lock_object(account_id: int) -> int:
    """The account id folded into the signed 32 bits of an advisory lock's second half."""
    folded = account_id & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


class PostgresTokenStore(OpenedAsContext):
    """A `TokenStore` in a PostgreSQL database, shared by processes on many machines.

    Made by `open_token_store("postgresql://user:password@host/db", ...)`.
    """

    def __init__(
        self, dsn: str, redacted: Redacted, sealer: Sealer, *, lock_timeout: float
    ) -> None:
        import asyncpg

        self._dsn = dsn
        self._redacted = redacted
        self._sealer = sealer
        self._lock_timeout = lock_timeout
        self._pool: Any = None
        self._locks: Any = None
        self._failures: tuple[type[BaseException], ...] = (
            OSError,
            asyncio.TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
        )

    def __repr__(self) -> str:
        return f"<PostgresTokenStore {self._redacted.shown}>"

    async def open(self) -> None:
        """Connect (a small pool) and create the table if needed."""
        import asyncpg

        if self._pool is not None:
            return
        with translate_errors(self._failures, self._redacted, "connect"):
            pool = await asyncpg.create_pool(
                self._dsn, min_size=1, max_size=4, timeout=_CONNECT_TIMEOUT
            )
            try:
                async with pool.acquire() as connection, connection.transaction():
                    # Workers starting together would race on CREATE TABLE.
                    await connection.execute("SELECT pg_advisory_xact_lock($1, -1)", _LOCK_CLASS)
                    await connection.execute(_SCHEMA)
                # Released to the pool, a connection is reset, which also
                # drops any advisory lock still held on it.
                locks = await asyncpg.create_pool(
                    self._dsn, min_size=0, max_size=LOCK_CONNECTIONS, timeout=_CONNECT_TIMEOUT
                )
            except BaseException:
                await pool.close()
                raise
            self._pool, self._locks = pool, locks

    async def aclose(self) -> None:
        """Close the pools (idempotent)."""
        pool, self._pool = self._pool, None
        locks, self._locks = self._locks, None
        for each in (locks, pool):
            if each is not None:
                await each.close()

    async def _run(self, doing: str, method: str, sql: str, *parameters: Any) -> Any:
        if self._pool is None:
            await self.open()
        with translate_errors(self._failures, self._redacted, doing):
            return await getattr(self._pool, method)(sql, *parameters)

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        """Store the pair, marked connected (see `TokenStore.save`)."""
        sealed = self._sealer.seal(tokens)
        fields = (sealed, digest(tokens.refresh_token), tokens.expires_at, name, time.time())
        if replacing is not None:
            result = await self._run(
                "save a token pair",
                "execute",
                "UPDATE kit_token_store SET pair = $2, refresh_digest = $3, expires_at = $4,"
                " name = COALESCE($5, name), updated_at = $6"
                " WHERE account_id = $1 AND status = 'connected' AND refresh_digest = $7",
                account_id,
                *fields,
                digest(replacing),
            )
            return bool(result == "UPDATE 1")
        await self._run(
            "save a token pair",
            "execute",
            "INSERT INTO kit_token_store"
            " (account_id, pair, refresh_digest, expires_at, name, updated_at, status)"
            " VALUES ($1, $2, $3, $4, $5, $6, 'connected')"
            " ON CONFLICT (account_id) DO UPDATE SET pair = excluded.pair,"
            " refresh_digest = excluded.refresh_digest, expires_at = excluded.expires_at,"
            " name = COALESCE(excluded.name, kit_token_store.name),"
            " updated_at = excluded.updated_at, status = 'connected', reason = NULL",
            account_id,
            *fields,
        )
        return True

    async def load(self, account_id: int) -> TokenSet | None:
        """The account's pair, `None` when unknown or disconnected."""
        sealed = await self._run(
            "load a token pair",
            "fetchval",
            "SELECT pair FROM kit_token_store WHERE account_id = $1 AND status = 'connected'",
            account_id,
        )
        if sealed is None:
            return None
        return self._sealer.unseal(bytes(sealed), account_id=account_id, store=self._redacted.shown)

    async def status(self, account_id: int) -> AccountStatus | None:
        """`"connected"`, `"disconnected"`, or `None` for an account never saved."""
        return await self._run(  # type: ignore[no-any-return]
            "read an account's status",
            "fetchval",
            "SELECT status FROM kit_token_store WHERE account_id = $1",
            account_id,
        )

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        """Mark the account disconnected and forget its pair."""
        await self._run(
            "disconnect an account",
            "execute",
            "INSERT INTO kit_token_store (account_id, status, reason, updated_at)"
            " VALUES ($1, 'disconnected', $2, $3)"
            " ON CONFLICT (account_id) DO UPDATE SET status = 'disconnected',"
            " reason = excluded.reason, pair = NULL, refresh_digest = NULL,"
            " expires_at = NULL, updated_at = excluded.updated_at",
            account_id,
            reason,
            time.time(),
        )

    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, ascending."""
        rows = await self._run(
            "list the connected accounts",
            "fetch",
            "SELECT account_id FROM kit_token_store WHERE status = 'connected' ORDER BY account_id",
        )
        return [int(row[0]) for row in rows]

    @contextlib.asynccontextmanager
    async def lock(self, account_id: int) -> AsyncIterator[None]:
        """Hold the account's lock: an advisory lock on a connection of the lock pool."""
        if self._locks is None:
            await self.open()
        locks = self._locks
        key = (_LOCK_CLASS, _lock_object(account_id))
        held: Any = None

        async def take() -> bool:
            nonlocal held
            with translate_errors(self._failures, self._redacted, "take a lock"):
                connection = await locks.acquire(timeout=self._lock_timeout)
                taken = False
                try:
                    taken = bool(
                        await connection.fetchval("SELECT pg_try_advisory_lock($1, $2)", *key)
                    )
                finally:
                    if not taken:  # another holds it: wait without a connection
                        await locks.release(connection)
            if taken:
                held = connection
            return taken

        await wait_for_lock(
            take,
            account_id=account_id,
            patience=self._lock_timeout,
            store=self._redacted.shown,
        )
        try:
            yield
        finally:
            with contextlib.suppress(*self._failures):
                await held.execute("SELECT pg_advisory_unlock($1, $2)", *key)
            # The release resets the connection (unlocking all), or closes a broken one.
            with contextlib.suppress(*self._failures):
                await locks.release(held)
