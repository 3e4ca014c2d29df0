"""Broadcasts: the broadcast, its stats and its link clicks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

__all__ = ["Broadcast", "BroadcastClick", "BroadcastStats", "EmailTemplate"]


@attrs.frozen
class BroadcastClick:
    """Link-click figures for one URL of a sent broadcast.

    A click is identified by `(broadcast_id, url)`; Kit sends no click id.
    `broadcast_id` comes from the response envelope's `broadcast.id`.
    """

    broadcast_id: int
    url: str
    unique_clicks: int
    click_to_delivery_rate: float
    click_to_open_rate: float


@attrs.frozen
class EmailTemplate:
    """The email template a broadcast uses."""

    id: int
    name: str


@attrs.frozen
class BroadcastStats:
    """Delivery statistics of one broadcast (`GET /v4/broadcasts/{id}/stats`).

    `broadcast_id` comes from the envelope's `broadcast.id`; the other fields
    are Kit's `stats` object.
    """

    broadcast_id: int
    recipients: int
    open_rate: float
    emails_opened: int
    click_rate: float
    unsubscribe_rate: float
    unsubscribes: int
    total_clicks: int
    show_total_clicks: bool
    status: str
    progress: float
    open_tracking_disabled: bool
    click_tracking_disabled: bool


@attrs.frozen
class Broadcast:
    """A broadcast (email campaign), as listed by `GET /v4/broadcasts`.

    `status` (draft, scheduled, sending, completed, aborted) is sent by newer
    accounts only. Clicks and stats have their own calls:
    `KitClient.broadcasts.clicks()` and `KitClient.broadcasts.stats()`.
    `subscriber_filter` is kept as Kit sends it (a list of plain dicts).
    """

    id: int
    created_at: datetime
    subject: str | None = None
    description: str | None = None
    content: str | None = None
    public: bool = False
    published_at: datetime | None = None
    send_at: datetime | None = None
    thumbnail_alt: str | None = None
    thumbnail_url: str | None = None
    email_address: str | None = None
    preview_text: str | None = None
    email_template: EmailTemplate | None = None
    subscriber_filter: tuple[dict[str, Any], ...] = ()
    publication_id: int | None = None
    status: str | None = None
