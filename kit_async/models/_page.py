"""Models every namespace shares: a list page and its pagination."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

T = TypeVar("T")

__all__ = ["Page", "Pagination"]


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
