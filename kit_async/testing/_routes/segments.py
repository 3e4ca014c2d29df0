"""Segments (read-only): the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import _paging
from .._wire import json_response
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit


async def list_segments(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/segments`: newest first."""
    account = kit.account
    segments = [account.segments[i] for i in sorted(account.segments, reverse=True)]
    page = _paging.page_of(request.query, segments)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [{"id": s.id, "name": s.name, "created_at": iso(s.created_at)} for s in shown]
    return json_response({"segments": items, "pagination": pagination})


ROUTES = (Route("GET", "/v4/segments", list_segments),)
