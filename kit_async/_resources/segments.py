"""Segments: `kit.segments`."""

from __future__ import annotations

from .._converter import Envelope
from .._core.declarations import ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import MAX_PER_PAGE
from ..models.segments import Segment

__all__ = ["Segments"]

LIST = ListEndpoint("/v4/segments", Segment, Envelope(at=("segments",)))


class Segments(Resource):
    """Kit's segments (saved groups of subscribers, built in Kit's app)."""

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Segment]:
        """Every segment of the account (`GET /v4/segments`).

        A segment's id targets a broadcast at it: `subscriber_filter=[{"all":
        [{"type": "segment", "ids": [id]}]}]` in `kit.broadcasts.create()`.

        Args:
            per_page: Segments per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        ```python
        async for segment in kit.segments.list():
            print(segment.id, segment.name)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )
