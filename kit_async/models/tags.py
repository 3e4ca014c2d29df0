"""Tags."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Tag"]


@attrs.frozen
class Tag:
    """A tag (`GET /v4/tags`), or one of a subscriber's tags.

    Attributes:
        id: The tag's id.
        name: Its name (unique in the account, matched case-insensitively).
        created_at: When it was created (absent from a subscriber's tags).
        tagged_at: When the subscriber got it (only in a subscriber's tags).
        subscriber_count: Its subscribers (only with `include_subscriber_count`).
    """

    id: int
    name: str
    created_at: datetime | None = None
    tagged_at: datetime | None = None
    subscriber_count: int | None = None
