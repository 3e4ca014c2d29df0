"""Signed deliveries from FakeKit to the webhook endpoints registered with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs

from ._records import (
    BroadcastRecord,
    CustomFieldRecord,
    FormRecord,
    PostRecord,
    SequenceRecord,
    SubscriberRecord,
    TagRecord,
)
from ._routes import broadcasts, forms, posts, sequences
from ._routes._shapes import iso, subscriber
from ._webhooks import make_delivery, make_event
from ._wire import dumps

if TYPE_CHECKING:
    from ._fakekit import FakeKit

__all__ = [
    "BulkCallback",
    "DeliveryAttempt",
    "WebhookDelivery",
    "new_deliveries",
    "post_callback",
]


#: How long Kit keeps a delivery in the history.
HISTORY_KEPT = timedelta(days=30)


@attrs.frozen
class DeliveryAttempt:
    """One POST of a delivery to its endpoint.

    Attributes:
        attempted_at: When it was sent, by FakeKit's clock.
        status: The receiver's HTTP status, or `None` when it could not be
            reached or did not answer in time.
        error: Why it could not be reached or timed out, if so.
        response: The start of the receiver's answer (up to 1,024 bytes).
        duration_ms: How long it took, in milliseconds.
        secrets: How many secrets signed it (two during a rotation's overlap).
    """

    attempted_at: datetime
    status: int | None
    error: str | None = None
    response: bytes = b""
    duration_ms: int = 0
    secrets: int = 1


@attrs.define(eq=False)
class WebhookDelivery:
    """One delivery FakeKit sends to a webhook endpoint, with its attempts.

    It changes as FakeKit retries it: `server.emit()` makes the first
    attempt; `server.advance()` makes the retries that fall due, on Kit's
    schedule. FakeKit serves these as the endpoint's delivery history
    (`GET /v4/webhook_endpoints/{id}/deliveries`).

    Attributes:
        endpoint_id: The endpoint's id.
        url: Where it goes.
        delivery_id: Its `X-Kit-Delivery` id.
        body: The JSON body sent, `{"delivery_id": ..., "events": [...]}`.
        event_type: The type of its events.
        account_id: The account whose endpoint it is for.
        sent_at: When it was created (and first attempted), by FakeKit's clock.
        state: `pending` (no attempt yet), `retrying` (an attempt failed and
            another is due), `delivered` (a 2xx) or `failed` (no more attempts).
        attempts: Every attempt so far, oldest first.
        next_attempt_at: When the next attempt is due (`None` once
            `delivered` or `failed`).
        completed_at: When it was delivered or failed (`None` before).
    """

    endpoint_id: int
    url: str
    delivery_id: int
    body: bytes
    event_type: str | None = None
    account_id: int | None = None
    sent_at: datetime | None = None
    state: str = "pending"
    attempts: list[DeliveryAttempt] = attrs.field(factory=list)
    next_attempt_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def _last(self) -> DeliveryAttempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def status(self) -> int | None:
        """The last attempt's HTTP status (`None`: unreachable, timed out, not tried)."""
        return None if self._last is None else self._last.status

    @property
    def error(self) -> str | None:
        """Why the last attempt could not reach the receiver, if it could not."""
        return None if self._last is None else self._last.error

    @property
    def response(self) -> bytes:
        """The start of the receiver's last answer."""
        return b"" if self._last is None else self._last.response

    @property
    def duration_ms(self) -> int | None:
        """How long the last attempt took, in milliseconds."""
        return None if self._last is None else self._last.duration_ms

    @property
    def secrets(self) -> int:
        """How many secrets signed the last attempt (two during a rotation's overlap)."""
        return 0 if self._last is None else self._last.secrets

    @property
    def ok(self) -> bool:
        """Whether the receiver acknowledged it (any 2xx, as Kit counts it)."""
        return self.state == "delivered"

    def kept_at(self, moment: datetime) -> bool:
        """Whether the history still shows it at `moment` (Kit deletes it after 30 days)."""
        return self.sent_at is None or moment - self.sent_at < HISTORY_KEPT


def as_resource(kit: FakeKit, value: Any) -> Mapping[str, Any] | None:
    """A record of the account as a webhook event carries it (mappings pass as they are)."""
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, SubscriberRecord):
        return subscriber(kit.account, value)
    if isinstance(value, TagRecord):
        return {"id": value.id, "name": value.name, "created_at": iso(value.created_at)}
    if isinstance(value, CustomFieldRecord):
        return {"id": value.id, "name": value.name, "key": value.key, "label": value.label}
    if isinstance(value, FormRecord):
        return forms.render(kit.account, value)
    if isinstance(value, SequenceRecord):
        return sequences.render(kit.account, value)
    if isinstance(value, BroadcastRecord):
        return broadcasts.render(kit.account, value)
    if isinstance(value, PostRecord):
        return posts.render(kit.account, value, content=False)
    msg = f"a resource must be a mapping or a record of the account, not {type(value).__name__}"
    raise TypeError(msg)


def new_deliveries(
    kit: FakeKit, event_type: str, resources: Mapping[str, Any]
) -> list[WebhookDelivery]:
    """One `pending` delivery of one event per active endpoint subscribed to its type.

    They are added to `kit.deliveries`, due now; `_retries.attempt` sends them.
    """
    data: dict[str, Any] = {name: as_resource(kit, value) for name, value in resources.items()}
    now = kit.account.clock()
    event = make_event(event_type, created=now, **data)
    deliveries = []
    for endpoint in kit.account.webhook_endpoints.values():
        if endpoint.status != "active" or event_type not in endpoint.events:
            continue
        delivery_id = kit.account.next_id("webhook_deliveries")
        deliveries.append(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                url=endpoint.url,
                delivery_id=delivery_id,
                body=make_delivery([event], delivery_id=delivery_id),
                event_type=event_type,
                account_id=kit.account.id,
                sent_at=now,
                next_attempt_at=now,
            )
        )
    kit.deliveries.extend(deliveries)
    return deliveries


@attrs.frozen
class BulkCallback:
    """The results of a queued bulk request, as FakeKit POSTed them to its `callback_url`.

    Attributes:
        url: The `callback_url`.
        body: The JSON body sent: what a synchronous answer would have been.
        status: The receiver's HTTP status, or `None` when it could not be reached.
        error: Why it could not be reached, if it could not.
    """

    url: str
    body: bytes
    status: int | None
    error: str | None = None


_CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=30.0)


async def post_callback(kit: FakeKit, url: str, result: Mapping[str, Any]) -> None:
    """POST a queued bulk request's results to its callback URL, and record it."""
    body = dumps(result)
    status: int | None = None
    error: str | None = None
    try:
        async with (
            aiohttp.ClientSession(timeout=_CALLBACK_TIMEOUT) as session,
            session.post(
                url, data=body, headers={"Content-Type": "application/json"}, allow_redirects=False
            ) as response,
        ):
            await response.read()
            status = response.status
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    kit.callbacks.append(BulkCallback(url=url, body=body, status=status, error=error))
