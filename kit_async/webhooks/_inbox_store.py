"""The inbox's tables and every statement on them, for both databases.

The SQL is written once, with `?` placeholders, in the dialect SQLite and
PostgreSQL share (`ON CONFLICT ... DO NOTHING`, `RETURNING`); a backend
(`_inbox_sqlite`, `_inbox_postgres`) supplies a transaction that runs it.
Times are Unix seconds (`DOUBLE PRECISION`) from the inbox's clock, so a
test's clock and a real one compare the same way in both databases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import attrs

from ..errors import KitError

__all__ = ["SCHEMA", "EventRow", "InboxError", "InboxStore", "StoredEvent", "Transaction"]

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kit_async_inbox_deliveries ("
    " delivery_id BIGINT PRIMARY KEY,"
    " received_at DOUBLE PRECISION NOT NULL,"
    " events INTEGER NOT NULL,"
    " source TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kit_async_inbox_events ("
    " event_id TEXT PRIMARY KEY,"
    " delivery_id BIGINT NOT NULL,"
    " event_type TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " attempts INTEGER NOT NULL,"
    " received_at DOUBLE PRECISION NOT NULL,"
    " next_attempt_at DOUBLE PRECISION NOT NULL,"
    " claimed_by TEXT,"
    " claimed_until DOUBLE PRECISION,"
    " last_error TEXT,"
    " done_at DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS kit_async_inbox_due"
    " ON kit_async_inbox_events (status, next_attempt_at)",
)

_COLUMNS = (
    "event_id, delivery_id, event_type, body, status, attempts, received_at,"
    " next_attempt_at, last_error"
)


class InboxError(KitError):
    """The inbox's database cannot be opened, read or written, or lacks an event asked for.

    Not a `WebhookError`: the delivery may be fine. A receiver answers it
    with a 5xx, so that Kit retries the delivery later.

    Attributes:
        database: The database as messages name it: a URL's password and
            secret parameters are masked (`postgresql://kit:***@db/app`).
    """

    def __init__(self, message: str, *, database: str) -> None:
        super().__init__(message)
        self.database = database


@attrs.frozen
class EventRow:
    """One event to store: its id, type and JSON text."""

    event_id: str
    event_type: str
    body: str


@attrs.frozen
class StoredEvent:
    """One row of `kit_async_inbox_events`, as the store reads it."""

    event_id: str
    delivery_id: int
    event_type: str
    body: str
    status: str
    attempts: int
    received_at: float
    next_attempt_at: float
    last_error: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> StoredEvent:
        return cls(
            event_id=str(row[0]),
            delivery_id=int(row[1]),
            event_type=str(row[2]),
            body=str(row[3]),
            status=str(row[4]),
            attempts=int(row[5]),
            received_at=float(row[6]),
            next_attempt_at=float(row[7]),
            last_error=row[8],
        )


class Transaction(Protocol):
    """What a backend's transaction offers: statements with `?` placeholders."""

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]: ...

    async def execute(self, sql: str, *args: Any) -> None: ...


class InboxStore:
    """The inbox's operations; a backend supplies `_connect` and `transaction`."""

    #: Appended to the claim's row selection: PostgreSQL's `FOR UPDATE SKIP LOCKED`.
    skip_locked = ""
    #: Run first when creating the tables: PostgreSQL serializes concurrent creators.
    prepare_lock = ""

    shown: str
    #: What `_connect` opened, with an async `close()`: SQLite's connection,
    #: PostgreSQL's pool. `None` while closed.
    _handle: Any = None

    async def _connect(self) -> None:
        """Set `_handle`, or raise `InboxError` (having closed what it opened)."""
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        raise NotImplementedError

    async def open(self) -> None:
        """Connect, and create the tables when missing (closed again if that fails)."""
        await self._connect()
        try:
            await self.prepare()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the connection or pool (idempotent; its failure to close is not raised)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(Exception):
                await handle.close()

    def _opened(self) -> Any:
        """The open connection or pool; `InboxError` when the inbox is not open."""
        if self._handle is None:
            raise InboxError(f"{self.shown}: the inbox is not open", database=self.shown)
        return self._handle

    async def prepare(self) -> None:
        """Create the tables when they are not there."""
        async with self.transaction() as tx:
            if self.prepare_lock:
                await tx.execute(self.prepare_lock)
            for statement in SCHEMA:
                await tx.execute(statement)

    async def store(
        self, delivery_id: int, events: Iterable[EventRow], *, now: float, source: str
    ) -> list[str]:
        """Store a delivery and its new events in one transaction; the ids stored."""
        rows = list(events)
        stored: list[str] = []
        async with self.transaction() as tx:
            await tx.execute(
                "INSERT INTO kit_async_inbox_deliveries (delivery_id, received_at, events, source)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING",
                delivery_id,
                now,
                len(rows),
                source,
            )
            for row in rows:
                inserted = await tx.fetch(
                    "INSERT INTO kit_async_inbox_events (event_id, delivery_id, event_type, body,"
                    " status, attempts, received_at, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)"
                    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                    row.event_id,
                    delivery_id,
                    row.event_type,
                    row.body,
                    now,
                    now,
                )
                stored.extend(str(found[0]) for found in inserted)
        return stored

    async def has_delivery(self, delivery_id: int) -> bool:
        """Whether this delivery was stored (with all its events, in one transaction)."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "SELECT 1 FROM kit_async_inbox_deliveries WHERE delivery_id = ?", delivery_id
            )
        return bool(rows)

    async def claim(self, *, now: float, lease: float, limit: int, token: str) -> list[StoredEvent]:
        """Lease up to `limit` due events to `token` until `now + lease`, counting an attempt."""
        # Constants only (the columns and the backend's locking clause), no value of anyone's.
        sql = (
            "UPDATE kit_async_inbox_events"  # noqa: S608
            " SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1"
            " WHERE event_id IN (SELECT event_id FROM kit_async_inbox_events"
            " WHERE status = 'pending' AND next_attempt_at <= ?"
            " AND (claimed_until IS NULL OR claimed_until <= ?)"
            f" ORDER BY next_attempt_at, received_at, event_id LIMIT ?{self.skip_locked})"
            f" RETURNING {_COLUMNS}"
        )
        async with self.transaction() as tx:
            rows = await tx.fetch(
                sql,
                token,
                now + lease,
                now,
                now,
                limit,
            )
        events = [StoredEvent.from_row(row) for row in rows]
        return sorted(events, key=lambda e: (e.next_attempt_at, e.received_at, e.event_id))

    async def finish(self, event_id: str, token: str, *, now: float) -> bool:
        """Mark a claimed event done; False when its lease went to another processor."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "UPDATE kit_async_inbox_events SET status = 'done', done_at = ?,"
                " claimed_by = NULL, claimed_until = NULL, last_error = NULL"
                " WHERE event_id = ? AND claimed_by = ? AND status = 'pending'"
                " RETURNING event_id",
                now,
                event_id,
                token,
            )
        return bool(rows)

    async def fail(self, event_id: str, token: str, *, error: str, retry_at: float | None) -> bool:
        """Record a failed attempt: retried at `retry_at`, or set aside (`dead`) when None."""
        status = "pending" if retry_at is not None else "dead"
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "UPDATE kit_async_inbox_events SET status = ?, next_attempt_at = ?,"
                " claimed_by = NULL, claimed_until = NULL, last_error = ?"
                " WHERE event_id = ? AND claimed_by = ? AND status = 'pending'"
                " RETURNING event_id",
                status,
                retry_at if retry_at is not None else 0.0,
                error,
                event_id,
                token,
            )
        return bool(rows)

    async def select(self, status: str) -> list[StoredEvent]:
        """The events in `status`, oldest first."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {_COLUMNS} FROM kit_async_inbox_events WHERE status = ?"  # noqa: S608
                " ORDER BY received_at, event_id",
                status,
            )
        return [StoredEvent.from_row(row) for row in rows]

    async def get(self, event_id: str) -> StoredEvent | None:
        """One event, in any state."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {_COLUMNS} FROM kit_async_inbox_events WHERE event_id = ?",  # noqa: S608
                event_id,
            )
        return StoredEvent.from_row(rows[0]) if rows else None

    async def replay(self, event_id: str, *, now: float) -> bool:
        """Put a dead (or done) event back to pending with no attempts; False if absent."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "UPDATE kit_async_inbox_events SET status = 'pending', attempts = 0,"
                " next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL, done_at = NULL"
                " WHERE event_id = ? AND status IN ('dead', 'done') RETURNING event_id",
                now,
                event_id,
            )
        return bool(rows)

    async def counts(self) -> dict[str, int]:
        """How many events are in each state."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "SELECT status, COUNT(*) FROM kit_async_inbox_events GROUP BY status"
            )
        return {str(row[0]): int(row[1]) for row in rows}

    async def next_due(self) -> float | None:
        """When the earliest pending event is due (or its lease ends), if any is pending."""
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "SELECT MIN(CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at"
                " THEN claimed_until ELSE next_attempt_at END)"
                " FROM kit_async_inbox_events WHERE status = 'pending'"
            )
        value = rows[0][0] if rows else None
        return None if value is None else float(value)
