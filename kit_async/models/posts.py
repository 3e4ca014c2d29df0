"""Posts: what the account published to its Kit site or sent by email."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Post"]


@attrs.frozen
class Post:
    """A post (`GET /v4/posts`, `GET /v4/posts/{id}`).

    A post that was also sent as a broadcast shares its `publication_id`
    with that broadcast (`Broadcast.publication_id`).

    Attributes:
        id: The post's id.
        publication_id: The publication behind it, shared with its broadcast.
        created_at: When it was created.
        title: Its title.
        status: `draft`, `scheduled` or `published`.
        is_paid: Whether readers must buy `product_id` to read it.
        slug: Its slug (`None` for a draft).
        description: Its SEO description.
        meta_description: Its meta description.
        published_at: When it was published on the site.
        sent_at: When it was sent by email (`None`: not sent).
        thumbnail_alt: Its thumbnail's alt text.
        thumbnail_url: Its thumbnail.
        public_url: Where it is published (`None` until it is).
        product_id: The product that unlocks paid posts (the same for every
            post; `None` when the account has none).
        content: Its HTML: always from `get()`, from `list()` only with
            `include_content=True`.
    """

    id: int
    publication_id: int
    created_at: datetime
    title: str
    status: str
    is_paid: bool
    slug: str | None = None
    description: str | None = None
    meta_description: str | None = None
    published_at: datetime | None = None
    sent_at: datetime | None = None
    thumbnail_alt: str | None = None
    thumbnail_url: str | None = None
    public_url: str | None = None
    product_id: int | None = None
    content: str | None = None
