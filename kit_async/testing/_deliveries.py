"""Signed deliveries from FakeKit to the webhook endpoints registered with it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
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
from ._webhooks import make_delivery, make_event, send_delivery
from ._wire import dumps

if TYPE_CHECKING:
    from ._fakekit import FakeKit

__all__ = ["BulkCallback", "WebhookDelivery", "emit", "post_callback"]


@attrs.frozen
class WebhookDelivery:
    """One delivery FakeKit POSTed to a webhook endpoint.

    FakeKit serves these as the endpoint's delivery history
    (`GET /v4/webhook_endpoints/{id}/deliveries`). It makes one attempt and
    does not retry yet, so each is `delivered` (a 2xx) or `failed`.

    Attributes:
        endpoint_id: The endpoint's id.
        url: Where it went.
        delivery_id: Its `X-Kit-Delivery` id.
        body: The JSON body sent, `{"delivery_id": ..., "events": [...]}`.
        secrets: How many secrets signed it (two during a rotation's overlap).
        status: The receiver's HTTP status, or `None` when it could not be reached.
        error: Why it could not be reached, if it could not.
        event_type: The type of its events.
        sent_at: When it was sent, by FakeKit's clock.
        completed_at: When the attempt ended, by FakeKit's clock.
        response: The start of the receiver's answer (up to 1,024 bytes).
        duration_ms: How long the attempt took, in milliseconds.
    """

    endpoint_id: int
    url: str
    delivery_id: int
    body: bytes
    secrets: int
    status: int | None
    error: str | None = None
    event_type: str | None = None
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    response: bytes = b""
    duration_ms: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the receiver acknowledged it (any 2xx, as Kit counts it)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def state(self) -> str:
        """Its `status` in the delivery history: `delivered` (a 2xx), else `failed`."""
        return "delivered" if self.ok else "failed"


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


async def emit(
    kit: FakeKit, event_type: str, resources: Mapping[str, Any]
) -> list[WebhookDelivery]:
    """Deliver one event to every active endpoint subscribed to its type."""
    data: dict[str, Any] = {name: as_resource(kit, value) for name, value in resources.items()}
    event = make_event(event_type, created=kit.account.clock(), **data)
    now = kit.account.clock()
    targets = [
        endpoint
        for endpoint in kit.account.webhook_endpoints.values()
        if endpoint.status == "active" and event_type in endpoint.events
    ]
    async with aiohttp.ClientSession() as session:
        deliveries = await asyncio.gather(
            *(
                _deliver(
                    kit,
                    session,
                    event,
                    delivery_id=kit.account.next_id("webhook_deliveries"),
                    endpoint_id=endpoint.id,
                    url=endpoint.url,
                    secrets=endpoint.secrets_at(now),
                )
                for endpoint in targets
            )
        )
    kit.deliveries.extend(deliveries)
    return list(deliveries)


# How much of the receiver's answer a delivery's attempt keeps.
_RESPONSE_KEPT = 1024


async def _deliver(
    kit: FakeKit,
    session: aiohttp.ClientSession,
    event: Mapping[str, Any],
    *,
    delivery_id: int,
    endpoint_id: int,
    url: str,
    secrets: list[str],
) -> WebhookDelivery:
    body = make_delivery([event], delivery_id=delivery_id)
    status: int | None = None
    error: str | None = None
    answer = b""
    loop = asyncio.get_running_loop()
    sent_at, started = kit.account.clock(), loop.time()
    try:
        # Signed at the real time: the receiver checks the signature's age
        # against its own clock, whatever FakeKit's clock says.
        status, answer = await send_delivery(
            url, body, secrets=secrets, session=session, delivery_id=delivery_id
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return WebhookDelivery(
        endpoint_id=endpoint_id,
        url=url,
        delivery_id=delivery_id,
        body=body,
        secrets=len(secrets),
        status=status,
        error=error,
        event_type=str(event["type"]),
        sent_at=sent_at,
        completed_at=kit.account.clock(),
        response=answer[:_RESPONSE_KEPT],
        duration_ms=round((loop.time() - started) * 1000),
    )


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
