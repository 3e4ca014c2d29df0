"""A token store in a SQLite file: for the workers of one machine.

Each account is one row of `kit_token_store`. Its lock is an exclusive
`flock` on a file beside the database (`<db>-account-<id>.lock`), which the
operating system releases the moment the process holding it dies.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from .._core.auth import TokenSet
from ..sync._target import Redacted
from ._sealed import Sealer, digest, translate_errors, wait_for_lock
from ._store import AccountStatus, OpenedAsContext

__all__ = ["SQLiteTokenStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kit_token_store (
    account_id INTEGER PRIMARY KEY,
    name TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    pair BLOB,
    refresh_digest TEXT,
    expires_at REAL,
    updated_at REAL NOT NULL
)
"""
_FAILURES = (sqlite3.Error, OSError, ValueError)


class SQLiteTokenStore(OpenedAsContext):
    """A `TokenStore` in one SQLite file, shared by the processes of one machine.

    Made by `open_token_store("sqlite:///path/to/tokens.db", ...)`.
    """

    def __init__(self, path: Path, sealer: Sealer, *, lock_timeout: float) -> None:
        self._path = path
        self._sealer = sealer
        self._lock_timeout = lock_timeout
        self._redacted = Redacted(shown=f"sqlite:///{path}")
        self._db: Any = None

    def __repr__(self) -> str:
        return f"<SQLiteTokenStore {self._redacted.shown}>"

    async def open(self) -> None:
        """Open the file (creating it and its table if needed)."""
        # The sync's opener: it leaves no aiosqlite thread behind when the
        # file cannot be opened.
        from .._sqlite import connect_sqlite

        if self._db is not None:
            return
        with translate_errors(_FAILURES, self._redacted, "open the database"):
            # Autocommit: each statement is its own transaction, so the
            # compare-and-swap UPDATE is atomic; other writers wait up to 30 s.
            db = await connect_sqlite(self._path, busy=30.0)
            try:
                await db.execute(_SCHEMA)
            except BaseException:
                await db.close()
                raise
            self._db = db

    async def aclose(self) -> None:
        """Close the file (idempotent)."""
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    async def _execute(self, doing: str, sql: str, *parameters: Any) -> Any:
        if self._db is None:
            await self.open()
        with translate_errors(_FAILURES, self._redacted, doing):
            cursor = await self._db.execute(sql, parameters)
            rows = await cursor.fetchall()
            count = cursor.rowcount
            await cursor.close()
        return rows, count

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
        now = time.time()
        if replacing is not None:
            _, count = await self._execute(
                "save a token pair",
                "UPDATE kit_token_store SET pair = ?, refresh_digest = ?, expires_at = ?,"
                " name = COALESCE(?, name), updated_at = ?"
                " WHERE account_id = ? AND status = 'connected' AND refresh_digest = ?",
                sealed,
                digest(tokens.refresh_token),
                tokens.expires_at,
                name,
                now,
                account_id,
                digest(replacing),
            )
            return bool(count == 1)
        await self._execute(
            "save a token pair",
            "INSERT INTO kit_token_store"
            " (account_id, name, status, reason, pair, refresh_digest, expires_at, updated_at)"
            " VALUES (?, ?, 'connected', NULL, ?, ?, ?, ?)"
            " ON CONFLICT (account_id) DO UPDATE SET name = COALESCE(excluded.name, name),"
            " status = 'connected', reason = NULL, pair = excluded.pair,"
            " refresh_digest = excluded.refresh_digest, expires_at = excluded.expires_at,"
            " updated_at = excluded.updated_at",
            account_id,
            name,
            sealed,
            digest(tokens.refresh_token),
            tokens.expires_at,
            now,
        )
        return True

    async def load(self, account_id: int) -> TokenSet | None:
        """The account's pair, `None` when unknown or disconnected."""
        rows, _ = await self._execute(
            "load a token pair",
            "SELECT pair FROM kit_token_store WHERE account_id = ? AND status = 'connected'",
            account_id,
        )
        if not rows or rows[0][0] is None:
            return None
        return self._sealer.unseal(
            bytes(rows[0][0]), account_id=account_id, store=self._redacted.shown
        )

    async def status(self, account_id: int) -> AccountStatus | None:
        """`"connected"`, `"disconnected"`, or `None` for an account never saved."""
        rows, _ = await self._execute(
            "read an account's status",
            "SELECT status FROM kit_token_store WHERE account_id = ?",
            account_id,
        )
        return rows[0][0] if rows else None

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        """Mark the account disconnected and forget its pair."""
        await self._execute(
            "disconnect an account",
            "INSERT INTO kit_token_store (account_id, status, reason, updated_at)"
            " VALUES (?, 'disconnected', ?, ?)"
            " ON CONFLICT (account_id) DO UPDATE SET status = 'disconnected',"
            " reason = excluded.reason, pair = NULL, refresh_digest = NULL,"
            " expires_at = NULL, updated_at = excluded.updated_at",
            account_id,
            reason,
            time.time(),
        )

    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, ascending."""
        rows, _ = await self._execute(
            "list the connected accounts",
            "SELECT account_id FROM kit_token_store WHERE status = 'connected' ORDER BY account_id",
        )
        return [int(row[0]) for row in rows]

    @contextlib.asynccontextmanager
    async def lock(self, account_id: int) -> AsyncIterator[None]:
        """Hold the account's lock (a `flock` on `<db>-account-<id>.lock`)."""
        import fcntl

        lock_path = f"{self._path}-account-{int(account_id)}.lock"
        with translate_errors(_FAILURES, self._redacted, "open a lock file"):
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:

            async def take() -> bool:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
                return True

            await wait_for_lock(
                take,
                account_id=account_id,
                patience=self._lock_timeout,
                store=self._redacted.shown,
            )
            yield
        finally:
            # Closing the descriptor releases the flock.
            os.close(fd)
