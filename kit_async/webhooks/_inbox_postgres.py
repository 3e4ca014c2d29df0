"""The inbox on PostgreSQL (asyncpg), for an app that already runs a server.

A pool of connections serves concurrent receives. Processors claim with
`FOR UPDATE SKIP LOCKED`, so several of them (in any number of processes)
each take other events, and a claim is a lease (`claimed_until`): an event
whose processor died is claimed again once the lease has run out.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from .._postgres import connect_errors, query_errors
from ..sync._target import Target
from ._inbox_store import InboxError, InboxStore, Transaction

__all__ = ["PostgresInbox"]

_PLACEHOLDER = re.compile(r"\?")


def _numbered(sql: str) -> str:
    """`?` placeholders as asyncpg's `$1, $2, ...` (the inbox's SQL has no `?` in text)."""
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class _PostgresTransaction:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._connection.fetch(_numbered(sql), *args))

    async def execute(self, sql: str, *args: Any) -> None:
        await self._connection.execute(_numbered(sql), *args)


class PostgresInbox(InboxStore):
    """The inbox's tables in a PostgreSQL database."""

    skip_locked = " FOR UPDATE SKIP LOCKED"
    prepare_lock = "SELECT pg_advisory_xact_lock(hashtext('kit_async_inbox'))"

    def __init__(self, target: Target, *, pool_size: int) -> None:
        if target.dsn is None:  # pragma: no cover - the caller checks the kind
            msg = f"{target.shown}: not a PostgreSQL URL"
            raise ValueError(msg)
        self._target = target
        self._dsn = target.dsn
        self._pool_size = pool_size
        self.shown = target.shown

    def _failed(self, what: str, exc: BaseException) -> InboxError:
        # The driver's text may quote a part of the URL (a bad parameter's value).
        detail = self._target.mask(str(exc)) or type(exc).__name__
        return InboxError(f"{self.shown}: {what}: {detail}", database=self.shown)

    async def _connect(self) -> None:
        import asyncpg  # optional (an extra): imported when first needed

        try:
            self._handle = await asyncpg.create_pool(
                self._dsn, min_size=1, max_size=self._pool_size, timeout=10
            )
        except connect_errors() as exc:
            raise self._failed("cannot connect", exc) from None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        pool = self._opened()
        try:
            async with pool.acquire() as connection:
                transaction = connection.transaction()
                await transaction.start()
                try:
                    yield _PostgresTransaction(connection)
                except BaseException:
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
                    raise
                await transaction.commit()
        except query_errors() as exc:
            raise self._failed("a statement failed", exc) from None
