"""A route of FakeKit: a method, a path template, a handler, and who may call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs
from aiohttp import web

if TYPE_CHECKING:
    from .._fakekit import FakeKit

__all__ = ["Handler", "Route"]

Handler = Callable[["FakeKit", web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class Route:
    """One operation FakeKit serves.

    Attributes:
        method: The HTTP method.
        path: Kit's path template, e.g. `/v4/tags/{tag_id}/subscribers`.
        handler: Answers a request, given the `FakeKit` it belongs to.
        oauth_only: Kit answers 401 to an API key here (bulk, purchases).
        anonymous: Needs no credential at all (the OAuth token endpoint).
    """

    method: str
    path: str
    handler: Handler
    oauth_only: bool = False
    anonymous: bool = False
