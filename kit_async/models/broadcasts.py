"""Broadcasts: the broadcast, its stats and its link clicks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._frozen import freeze_tuple

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BroadcastStatsFigures",
    "BroadcastStatsItem",
    "EmailTemplate",
]


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
    """An email template: the one a broadcast uses, or one of `GET /v4/email_templates`.

    Attributes:
        id: The template's id (a broadcast's `email_template_id`).
        name: Its name.
        is_default: Whether new broadcasts use it (only in the templates' list).
        category: `HTML` or `Starting point` (only in the templates' list).
    """

    id: int
    name: str
    is_default: bool | None = None
    category: str | None = None


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
    With `slim=True` Kit leaves out `content`, `public_url`, `email_address`,
    `email_template` and `subscriber_filter`.
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
    subscriber_filter: tuple[Mapping[str, Any], ...] = attrs.field(
        default=(), converter=freeze_tuple
    )
    publication_id: int | None = None
    status: str | None = None
    public_url: str | None = None


@attrs.frozen
class BroadcastStatsFigures:
    """The `stats` object of one broadcast in `GET /v4/broadcasts/stats`.

    The same figures as `BroadcastStats`, which also names the broadcast.
    """

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
class BroadcastStatsItem:
    """One broadcast of `GET /v4/broadcasts/stats`: its id, subject, send time and stats.

    Attributes:
        id: The broadcast's id.
        stats: Its figures (`stats.open_rate`, `stats.recipients`, ...).
        subject: Its subject (sent by Kit since 2026).
        send_at: When it was (or is to be) sent (sent by Kit since 2026).
    """

    id: int
    stats: BroadcastStatsFigures
    subject: str | None = None
    send_at: datetime | None = None
