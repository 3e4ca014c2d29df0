"""Broadcasts: the list, one broadcast, its clicks and its stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import _paging
from .._wire import errors, json_response, not_found
from ._route import Route

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_STATUSES = ("draft", "scheduled", "sending", "completed", "aborted")


def _id(request: web.Request, name: str = "id") -> int:
    return int(request.match_info[name])


async def list_broadcasts(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts`: newest first, optionally of one `status`."""
    account = kit.account
    status = request.query.get("status")
    ids = list(range(account.broadcast_count, 0, -1))
    if status is not None:
        if status not in _STATUSES:
            return errors(422, f"status must be one of: {', '.join(_STATUSES)}")
        if kit.status_filter:
            ids = [i for i in ids if account.status_of(i) == status]
    page = _paging.page_of(request.query, ids)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    return json_response(
        {"broadcasts": [account.broadcast(i) for i in shown], "pagination": pagination}
    )


async def get_broadcast(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts/{id}`."""
    broadcast_id = _id(request)
    if not 1 <= broadcast_id <= kit.account.broadcast_count:
        return not_found()
    return json_response({"broadcast": kit.account.broadcast(broadcast_id)})


async def clicks(kit: FakeKit, request: web.Request) -> web.StreamResponse:
    """`GET /v4/broadcasts/{broadcast_id}/clicks`, through `FakeKit._clicks`."""
    # A method of FakeKit, so that a subclass can wrap the hot path (bench/_server.py).
    return await kit._clicks(request)


async def clicks_page(kit: FakeKit, request: web.Request) -> web.Response:
    """One page of a sent broadcast's clicks; 404 for a draft or scheduled one, like Kit."""
    account = kit.account
    broadcast_id = _id(request, "broadcast_id")
    if not account.is_sent(broadcast_id):
        return not_found()
    total = account.click_count(broadcast_id)
    page = _paging.window(request.query, total)
    if isinstance(page, web.Response):
        return page
    click = account.click
    body = {
        "broadcast": {
            "id": broadcast_id,
            "clicks": [click(broadcast_id, i) for i in range(page.start, page.end)],
        },
        # Kit has no total count for clicks.
        "pagination": _paging.pagination(page, total),
    }
    return json_response(body)


async def broadcast_stats(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts/{broadcast_id}/stats`."""
    broadcast_id = _id(request, "broadcast_id")
    if not 1 <= broadcast_id <= kit.account.broadcast_count:
        return not_found()
    stats = kit.account.stats(broadcast_id)
    return json_response({"broadcast": {"id": broadcast_id, "stats": stats}})


ROUTES = (
    Route("GET", "/v4/broadcasts", list_broadcasts),
    Route("GET", "/v4/broadcasts/{broadcast_id}/clicks", clicks),
    Route("GET", "/v4/broadcasts/{broadcast_id}/stats", broadcast_stats),
    Route("GET", "/v4/broadcasts/{id}", get_broadcast),
)
