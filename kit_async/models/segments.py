"""Segments."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Segment"]


@attrs.frozen
class Segment:
    """A segment (`GET /v4/segments`): a saved group of subscribers.

    Attributes:
        id: The segment's id (usable in a broadcast's `subscriber_filter`).
        name: Its name.
        created_at: When it was created.
    """

    id: int
    name: str
    created_at: datetime
