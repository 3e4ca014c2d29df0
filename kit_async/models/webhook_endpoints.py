"""Webhook endpoints (`/v4/webhook_endpoints`): signed, multi-event webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._frozen import freeze, whole_object

__all__ = ["WebhookDeliveryRecord", "WebhookEndpoint"]


@attrs.frozen
class WebhookEndpoint:
    """A webhook endpoint: a URL Kit POSTs signed deliveries of its `events` to.

    One model for every answer. Only the answers of
    `kit.webhook_endpoints.create()` and `rotate_secret()` carry `secret`;
    every other call leaves it `None`, because Kit never sends it again.
    `secret` is left out of `repr()`, so that logging an endpoint does not
    leak it.

    Attributes:
        id: The endpoint's id.
        url: Where Kit POSTs the deliveries.
        events: The event types it subscribes to (`subscriber.created`, ...).
        status: `active`, or `disabled` (deliveries paused).
        created_at: When it was created.
        name: Its name, if it was given one.
        description: Its description, if it was given one.
        source: What created it, as Kit says (`creator`, ...).
        created_by_app: The OAuth app that created it, as Kit sends it
            (`None` for an endpoint made with an API key or in Kit's app). Only
            that app may update or delete such an endpoint.
        previous_secret_expires_at: While a secret rotation's overlap is open,
            when the previous secret stops verifying; `None` otherwise.
        secret: The signing secret (`whsec_...`), in the answers of
            `create()` and `rotate_secret()` only. Store it at once: Kit shows
            it this one time. `None` in every other answer.
    """

    id: int
    url: str
    events: tuple[str, ...]
    status: str
    created_at: datetime
    name: str | None = None
    description: str | None = None
    source: str | None = None
    created_by_app: Any = attrs.field(default=None, converter=freeze)
    previous_secret_expires_at: datetime | None = None
    secret: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class WebhookDeliveryRecord:
    """One delivery in an endpoint's delivery history, as Kit keeps it (for 30 days).

    From `kit.webhook_endpoints.deliveries()` and `delivery()`. **Kit documents
    these answers only in part**: the fields below are the ones its guides
    name, and everything else Kit sends (the attempt history of `delivery()`,
    say: when each attempt ran, the receiver's HTTP status, the start of its
    answer, how long it took, under names Kit's pages do not give) is kept,
    exactly as sent, in `raw`.

    Attributes:
        id: The delivery's id: the `delivery_id` of the body your receiver
            got, and its `X-Kit-Delivery` header
            ([`Delivery.delivery_id`][kit_async.webhooks.Delivery]).
        status: `pending`, `retrying`, `delivered` or `failed`.
        completed_at: When it was `delivered` or finally `failed`; `None`
            while Kit is still trying (or when Kit's answer leaves it out).
        attempt_count: How many times Kit has POSTed it (`None` when Kit's
            answer leaves it out).
        payload: The events that were sent, as Kit sends them, read-only:
            only from `delivery(..., include_payload=True)`, else `None`.
        raw: The whole delivery object exactly as Kit sent it, read-only
            (empty in a record built by hand). `kit_async.to_jsonable()`
            gives it back as plain JSON.
    """

    id: int
    status: str
    completed_at: datetime | None = None
    attempt_count: int | None = None
    payload: Any = attrs.field(default=None, converter=freeze)
    raw: Mapping[str, Any] = whole_object()
