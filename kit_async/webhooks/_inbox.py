"""A durable webhook inbox: store each verified event once, handle it later, at least once.

The receiver's whole job is `await inbox.receive(body, headers)`: verify the
signature, then store the delivery and its events in one transaction keyed by
event id, and answer 2xx. A processor (`inbox.process(handler)`, in the web
app or a worker of its own) claims what is due, runs the handler, and marks an
event done only once the handler has returned; failures are retried with
backoff, then set aside as `dead` for the app to look at and replay.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from .._json import loads
from .._jsonable import to_jsonable
from ..sync._target import parse_database
from ._errors import WebhookPayloadError
from ._inbox_store import EventRow, InboxError, InboxStore, StoredEvent
from ._parse import parse_delivery
from ._payloads import WebhookEvent
from ._verify import WebhookVerifier

if TYPE_CHECKING:
    from .._client import KitClient

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_BODY_SIZE",
    "Inbox",
    "InboxEvent",
    "Received",
    "exponential_backoff",
]

log = logging.getLogger("kit_async")

#: The largest body `receive` accepts, in bytes. Kit splits deliveries before
#: about 512 KB, but a single larger event is sent alone.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024
#: How long a processor holds an event it claimed, in seconds: a processor
#: that dies leaves its events to be claimed again after this.
DEFAULT_LEASE = 300.0
#: How many times a handler may fail on an event before it is set aside.
DEFAULT_MAX_ATTEMPTS = 8

#: What the handler of `process` is: called with each event, at least once.
Handler = Callable[[WebhookEvent], Awaitable[object]]

_ERROR_KEPT = 2000


def exponential_backoff(attempt: int) -> float:
    """The default delay before retrying an event, after its `attempt`-th failure.

    30 s, 1 min, 2 min, ... doubling, capped at 1 hour.
    """
    return float(min(30 * 2 ** (attempt - 1), 3600))


@attrs.frozen
class Received:
    """What `Inbox.receive` stored.

    Attributes:
        delivery_id: The delivery's id (its `X-Kit-Delivery`).
        events: How many events the delivery held.
        stored: How many of them were new; the others were stored before
            (a redelivery), and are acknowledged all the same.
    """

    delivery_id: int
    events: int
    stored: int

    @property
    def duplicates(self) -> int:
        """How many of the delivery's events the inbox already held."""
        return self.events - self.stored


@attrs.frozen
class InboxEvent:
    """An event held by the inbox, with its state.

    Attributes:
        event: The decoded event.
        delivery_id: The delivery that brought it.
        status: `pending`, `done` or `dead` (set aside after too many failures).
        attempts: How many times a processor has claimed it.
        received_at: When it was stored, by the inbox's clock.
        next_attempt_at: When it is due (for a pending event).
        last_error: The last failure, `ExceptionType: message`, if any.
    """

    event: WebhookEvent
    delivery_id: int
    status: str
    attempts: int
    received_at: datetime
    next_attempt_at: datetime
    last_error: str | None


def _decode(row: StoredEvent) -> WebhookEvent:
    envelope = f'{{"delivery_id": {row.delivery_id}, "events": [{row.body}]}}'
    return parse_delivery(envelope).events[0]


def _inbox_event(row: StoredEvent) -> InboxEvent:
    return InboxEvent(
        event=_decode(row),
        delivery_id=row.delivery_id,
        status=row.status,
        attempts=row.attempts,
        received_at=datetime.fromtimestamp(row.received_at, UTC),
        next_attempt_at=datetime.fromtimestamp(row.next_attempt_at, UTC),
        last_error=row.last_error,
    )


def _event_rows(events: Sequence[Any]) -> list[EventRow]:
    return [
        EventRow(
            event_id=str(event["id"]),
            event_type=str(event["type"]),
            body=json.dumps(event, separators=(",", ":"), ensure_ascii=False),
        )
        for event in events
    ]


class Inbox:
    """A durable inbox for Kit's webhook deliveries, on SQLite or PostgreSQL.

    Open it with `async with`; it creates its two tables
    (`kit_async_inbox_deliveries`, `kit_async_inbox_events`) when they are
    missing. One `Inbox` per process serves the receiver and the processors.

    Args:
        database: A SQLite file (a path or `sqlite:///PATH`) or a PostgreSQL
            URL (`postgresql://USER:PASSWORD@HOST/DB`), as `kit-async sync`
            takes them. Messages show it with its password masked.
        secret: The endpoint's signing secret, or the new and the previous
            one during a rotation. Give this or `verifier`.
        verifier: A `WebhookVerifier` of your own (another tolerance, say).
        max_body_size: The largest body `receive` accepts, in bytes.
        lease: How many seconds a processor holds the events it claims; a
            handler must finish within it, or another processor may take the
            event too. A processor that dies leaves its events for this long.
        clock: The time in Unix seconds that schedules retries and leases
            (tests pass one they advance). Signatures are checked against the
            real time.
        pool_size: The most connections to PostgreSQL.

    Raises:
        ValueError: Neither or both of `secret` and `verifier`, or a bad database.

    Example:
        ```python
        from kit_async.testing import make_delivery, make_event, sign_delivery
        from kit_async.webhooks import Inbox

        body = make_delivery([make_event("subscriber.created")])
        headers = {"X-Kit-Signature": sign_delivery(body, "whsec_...")}
        handled = []


        async def handle(event):
            handled.append(event.id)


        async with Inbox("inbox-example.sqlite", secret="whsec_...") as inbox:
            await inbox.receive(body, headers)  # stored: answer 2xx now
            await inbox.receive(body, headers)  # a redelivery: acknowledged, not stored again
            assert await inbox.drain(handle) == 1
        assert len(handled) == 1
        ```
    """

    def __init__(
        self,
        database: str | os.PathLike[str],
        *,
        secret: str | Sequence[str] | None = None,
        verifier: WebhookVerifier | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        lease: float = DEFAULT_LEASE,
        clock: Callable[[], float] = time.time,
        pool_size: int = 10,
    ) -> None:
        if (secret is None) == (verifier is None):
            msg = "give the endpoint's signing secret (secret=) or a verifier (verifier=)"
            raise ValueError(msg)
        self._verifier = verifier if verifier is not None else WebhookVerifier(secret or ())
        target = parse_database(database)
        self._store: InboxStore
        if target.kind == "postgresql":
            from ._inbox_postgres import PostgresInbox

            self._store = PostgresInbox(target, pool_size=pool_size)
        else:
            from ._inbox_sqlite import SqliteInbox

            self._store = SqliteInbox(target.path or Path(target.shown))
        self.database = target.shown
        """The database, as messages name it (a URL's credentials masked)."""
        self._max_body_size = max_body_size
        self._lease = float(lease)
        self._clock = clock

    def __repr__(self) -> str:
        return f"Inbox({self.database!r})"

    async def open(self) -> None:
        """Connect, and create the tables when missing (`async with` does it)."""
        await self._store.open()

    async def close(self) -> None:
        """Close the connection(s) (`async with` does it)."""
        await self._store.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def receive(
        self, body: bytes | bytearray | memoryview, headers: Mapping[str, str] | str | None
    ) -> Received:
        """Verify a delivery, then store it and its new events; no handler runs.

        The delivery and its events are written in one transaction, keyed by
        event id: an event stored before (Kit's redelivery) is acknowledged
        and not stored again. Answer Kit 2xx once this returns.

        Args:
            body: The raw bytes of the request body.
            headers: The request's headers (or the `X-Kit-Signature` value).

        Returns:
            How many events the delivery held and how many were new.

        Raises:
            WebhookVerificationError: The signature did not verify (answer 4xx).
            WebhookPayloadError: The body is over `max_body_size`, or not
                Kit's shape. Nothing is stored.
            InboxError: The database could not be written (answer 5xx: Kit retries).
        """
        if isinstance(body, bytes | bytearray | memoryview) and len(body) > self._max_body_size:
            raise WebhookPayloadError(
                f"the body is {len(body)} bytes, over the inbox's limit of"
                f" {self._max_body_size} (max_body_size)",
                field=None,
            )
        delivery = self._verifier.verify(body, headers)
        raw_events = loads(bytes(body))["events"]
        stored = await self._store.store(
            delivery.delivery_id, _event_rows(raw_events), now=self._clock(), source="received"
        )
        return Received(delivery.delivery_id, events=len(raw_events), stored=len(stored))

    async def process_once(
        self,
        handler: Handler,
        *,
        concurrency: int = 10,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] = exponential_backoff,
    ) -> int:
        """Claim the events due now (up to `concurrency`) and handle them concurrently.

        Args:
            handler: Your coroutine function, called with each `WebhookEvent`.
            concurrency: How many events to claim and handle at once.
            max_attempts: After this many failures an event is set aside (`dead`).
            backoff: The delay in seconds before the next attempt, given how
                many attempts have failed.

        Returns:
            How many events were claimed (0: nothing was due).
        """
        token = uuid.uuid4().hex
        claimed = await self._store.claim(
            now=self._clock(), lease=self._lease, limit=concurrency, token=token
        )
        await asyncio.gather(
            *(self._handle(row, token, handler, max_attempts, backoff) for row in claimed)
        )
        return len(claimed)

    async def drain(
        self,
        handler: Handler,
        *,
        concurrency: int = 10,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] = exponential_backoff,
    ) -> int:
        """Handle events until none is due now (for tests, scripts and cron jobs).

        Events retried later (by `backoff`) stay pending for a later call.

        Returns:
            How many attempts were made.
        """
        total = 0
        while count := await self.process_once(
            handler, concurrency=concurrency, max_attempts=max_attempts, backoff=backoff
        ):
            total += count
        return total

    async def process(
        self,
        handler: Handler,
        *,
        concurrency: int = 10,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] = exponential_backoff,
        poll_interval: float = 1.0,
    ) -> None:
        """Handle events as they come, until cancelled: `concurrency` at a time.

        Several processors (tasks or processes) may share one database: each
        event is claimed by one of them at a time. An event is marked done
        only after `handler` returns, so one whose processor stops or dies
        mid-handler is handled again after its lease: handlers must be
        idempotent (the "Webhook inbox" guide shows how).

        Args:
            handler: Your coroutine function, called with each `WebhookEvent`.
            concurrency: How many events are handled at once.
            max_attempts: After this many failures an event is set aside (`dead`).
            backoff: The delay in seconds before the next attempt, given how
                many attempts have failed.
            poll_interval: How long an idle worker waits before looking again.

        Raises:
            InboxError: The database failed; the other workers are stopped
                too, and events they held come back after their lease.
        """

        async def worker() -> None:
            while True:
                token = uuid.uuid4().hex
                claimed = await self._store.claim(
                    now=self._clock(), lease=self._lease, limit=1, token=token
                )
                if not claimed:
                    await asyncio.sleep(poll_interval)
                    continue
                await self._handle(claimed[0], token, handler, max_attempts, backoff)

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())

    async def _handle(
        self,
        row: StoredEvent,
        token: str,
        handler: Handler,
        max_attempts: int,
        backoff: Callable[[int], float],
    ) -> None:
        if row.attempts > max_attempts:
            # Claimed again and again after leases ran out: its processor dies
            # on it (or outlasts the lease); set it aside rather than loop.
            error = f"no attempt of the last {max_attempts + 1} finished within its lease"
            log.error("webhook event %s set aside: %s", row.event_id, error)
            await self._store.fail(row.event_id, token, error=error, retry_at=None)
            return
        try:
            await handler(_decode(row))
        except Exception as exc:  # noqa: BLE001 - any failure of the app's handler is retried
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_KEPT]
            retry_at = (
                None if row.attempts >= max_attempts else self._clock() + backoff(row.attempts)
            )
            if retry_at is None:
                log.error(  # noqa: TRY400 - the error is in the message; no traceback needed
                    "webhook event %s set aside after %d attempts: %s",
                    row.event_id,
                    row.attempts,
                    error,
                )
            else:
                log.warning(
                    "webhook event %s failed (attempt %d): %s", row.event_id, row.attempts, error
                )
            await self._store.fail(row.event_id, token, error=error, retry_at=retry_at)
            return
        if not await self._store.finish(row.event_id, token, now=self._clock()):
            log.warning(
                "webhook event %s: its lease ran out before the handler returned", row.event_id
            )

    async def get(self, event_id: str) -> InboxEvent | None:
        """The event with this id and its state, or `None` when the inbox lacks it."""
        row = await self._store.get(event_id)
        return None if row is None else _inbox_event(row)

    async def dead(self) -> list[InboxEvent]:
        """The events set aside after `max_attempts` failures, oldest first."""
        return [_inbox_event(row) for row in await self._store.select("dead")]

    async def pending(self) -> list[InboxEvent]:
        """The events not handled yet (including those waiting for a retry), oldest first."""
        return [_inbox_event(row) for row in await self._store.select("pending")]

    async def counts(self) -> dict[str, int]:
        """How many events are `pending`, `done` and `dead` (states with none are left out)."""
        return await self._store.counts()

    async def replay(self, event_id: str) -> None:
        """Make a dead (or done) event pending again, due now, with its attempts reset.

        Raises:
            InboxError: The inbox has no dead or done event with this id.
        """
        if not await self._store.replay(event_id, now=self._clock()):
            raise InboxError(
                f"{self.database}: no dead or done event {event_id!r} to replay",
                database=self.database,
            )

    async def reconcile(self, kit: KitClient, endpoint_id: int) -> int:
        """Add the events of the deliveries Kit could not make to this inbox.

        Reads the endpoint's `failed` and `retrying` deliveries from Kit's
        delivery history (kept 30 days), fetches each one's payload and
        stores the events the inbox lacks, as `receive` would. Run it after
        the receiver was down; what Kit delivers later is acknowledged as a
        repeat.

        Args:
            kit: A client of the account that owns the endpoint.
            endpoint_id: The webhook endpoint.

        Returns:
            How many events were added.

        Raises:
            KitError: A request to Kit failed.
            WebhookPayloadError: A payload in the history is not Kit's shape.
        """
        added = 0
        for status in ("failed", "retrying"):
            async for record in kit.webhook_endpoints.deliveries(endpoint_id, status=status):
                if await self._store.has_delivery(record.id):
                    continue  # received whole, in one transaction
                shown = await kit.webhook_endpoints.delivery(
                    endpoint_id, record.id, include_payload=True
                )
                events = to_jsonable(shown.payload)
                if not isinstance(events, list):
                    raise WebhookPayloadError(
                        f"delivery {record.id}: the history's payload is not a list of events",
                        field="payload",
                    )
                parse_delivery(json.dumps({"delivery_id": record.id, "events": events}))
                stored = await self._store.store(
                    record.id, _event_rows(events), now=self._clock(), source="reconciled"
                )
                added += len(stored)
        return added
