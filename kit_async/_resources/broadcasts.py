"""Broadcasts: `kit.broadcasts`."""

from __future__ import annotations

from .._converter import Envelope
from .._models import Broadcast, BroadcastClick, BroadcastStats
from .._pagination import MAX_PER_PAGE, AsyncPaginator, ListEndpoint
from ._base import Endpoint, Resource, check_id

__all__ = ["Broadcasts"]

_IN_BROADCAST = {"broadcast_id": ("broadcast", "id")}

CLICKS = ListEndpoint(
    "/v4/broadcasts/{broadcast_id}/clicks",
    BroadcastClick,
    Envelope(at=("broadcast", "clicks"), context=_IN_BROADCAST),
)
LIST = ListEndpoint("/v4/broadcasts", Broadcast, Envelope(at=("broadcasts",)))
GET = Endpoint("GET", "/v4/broadcasts/{id}", Broadcast, Envelope(at=("broadcast",)))
STATS = Endpoint(
    "GET",
    "/v4/broadcasts/{broadcast_id}/stats",
    BroadcastStats,
    Envelope(at=("broadcast", "stats"), context=_IN_BROADCAST),
)


class Broadcasts(Resource):
    """Kit's broadcasts (email campaigns), their link clicks and their stats."""

    def clicks(
        self,
        broadcast_id: int,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[BroadcastClick]:
        """Link clicks of one sent broadcast, across every page.

        Args:
            broadcast_id: The broadcast's id (a positive int).
            per_page: Clicks per request, 1 to 1000.
            after: Resume after this cursor (a `Page.cursor` or `end_cursor`).
            before: Walk backwards from this cursor instead.

        Raises `NotFoundError` for an unknown id and for a draft or scheduled
        broadcast (it was never sent, so it has no clicks).

        ```python
        async for click in kit.broadcasts.clicks(147):
            print(click.url, click.unique_clicks)
        ```
        """
        return CLICKS.paginate(
            self._transport,
            path_params={"broadcast_id": check_id("broadcast_id", broadcast_id)},
            per_page=per_page,
            after=after,
            before=before,
        )

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
        status: str | None = None,
    ) -> AsyncPaginator[Broadcast]:
        """Every broadcast of the account, newest first.

        Args:
            per_page: Broadcasts per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (sent with
                the first request only, since it costs Kit an extra query).
            status: Passed through to Kit (`draft`, `scheduled`, `sending`,
                `completed`, `aborted`) on accounts that support the filter.
        """
        if status is not None and not isinstance(status, str):
            msg = f"status must be a str, got {type(status).__name__}"
            raise TypeError(msg)
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None, "status": status},
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, broadcast_id: int) -> Broadcast:
        """One broadcast by id. Raises `NotFoundError` for an unknown id."""
        return await GET.call(self._transport, {"id": check_id("broadcast_id", broadcast_id)})

    async def stats(self, broadcast_id: int) -> BroadcastStats:
        """Delivery statistics of one broadcast."""
        return await STATS.call(
            self._transport, {"broadcast_id": check_id("broadcast_id", broadcast_id)}
        )
