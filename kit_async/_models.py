"""Frozen attrs models holding Kit's own field names.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

T = TypeVar("T")

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "EmailTemplate",
    "Page",
    "Pagination",
]


@attrs.frozen
class Pagination:
    """Kit's `pagination` object, as sent with every list page.

    `end_cursor` can be non-null on the last page: `has_next_page` is the
    only signal to stop. `total_count` is `None` unless the server sent it
    (ask with `include_total_count=True` where the endpoint supports it).
    """

    has_previous_page: bool
    has_next_page: bool
    start_cursor: str | None
    end_cursor: str | None
    per_page: int
    total_count: int | None = None


@attrs.frozen
class Page(Generic[T]):
    """One page of a list endpoint.

    Attributes:
        items: The decoded items of this page, in the server's order.
        pagination: The page's `Pagination`.
        cursor: The `after` (or, walking backwards, `before`) value that
            fetched this page; `None` for the first page. Save it to resume
            a long export at this page.
    """

    items: tuple[T, ...]
    pagination: Pagination
    cursor: str | None = None


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
