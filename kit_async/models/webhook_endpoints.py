"""Webhook endpoints (`/v4/webhook_endpoints`): signed, multi-event webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._frozen import freeze

__all__ = ["WebhookEndpoint"]


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
