"""Scripted misbehaviour: which request gets a fault, and what the fault does to it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, get_args

import attrs
from aiohttp import web

from ._wire import dumps

__all__ = ["FAULT_KINDS", "CutAnswer", "Fault", "FaultKind", "misbehave", "take_fault"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FaultKind = Literal[
    "500",
    "502",
    "503",
    "504",  # a bare 5xx status
    "429",  # Kit's plain-text "Retry later", no Retry-After
    "html",  # a proxy's HTML error page with status 502
    "reset",  # the connection is cut before the answer is complete
    "slow",  # the request is processed, the answer comes `delay` seconds later
    "truncated",  # status 200 with half a JSON body
    "repeat_cursor",  # has_next_page true with the cursor just sent
    "missing_cursor",  # has_next_page true and end_cursor null
]
"""The name of a misbehaviour, for `FakeKit.inject` (a typo fails type checking)."""

FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
"""The misbehaviours a `Fault` can inject (see `FakeKit.inject`)."""

# Kinds that answer without running the route: the request has no effect.
_REFUSALS = frozenset({"500", "502", "503", "504", "429", "html"})


class CutAnswer(web.StreamResponse):
    """An answer whose connection was cut before it was complete (a `"reset"`)."""


async def _cut(request: web.Request, status: int, body: bytes) -> CutAnswer:
    """Send the head and at most half of the body, then cut the connection.

    The head always announces more body than is sent, so the client never
    holds a complete answer, even from a route that answers `204` (no body to
    halve): a complete answer followed by a close would look like success and
    leave a dead connection in the client's pool.
    """
    if not body or status == 204:
        # A 204 carries no body at all: announce the JSON a 200 would have.
        status, body = 200, b"{}"
    stream = CutAnswer(status=status, headers={"Content-Type": "application/json"})
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    assert request.transport is not None
    request.transport.close()
    return stream


def _upper(method: str | None) -> str | None:
    return None if method is None else method.upper()


@attrs.define
class Fault:
    """A scripted misbehaviour, consumed by the requests it matches.

    Attributes:
        kind: One of `FAULT_KINDS`.
        times: How many matching requests get it (then it is spent).
        path: Only requests whose path contains this string (default: any).
        after: Only requests sent with this `after` cursor; `""` means the
            first page (no cursor); `None` means any page.
        delay: Seconds to wait for the `"slow"` kind.
        method: Only requests with this HTTP method (default: any).
    """

    kind: FaultKind
    times: int = 1
    path: str | None = None
    after: str | None = None
    delay: float = 5.0
    method: str | None = attrs.field(default=None, converter=_upper)

    def __attrs_post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            msg = f"unknown fault kind {self.kind!r}; choose from {sorted(FAULT_KINDS)}"
            raise ValueError(msg)

    def matches(self, request: web.Request) -> bool:
        """Whether this fault applies to `request` (and is not spent yet)."""
        if self.times < 1:
            return False
        if self.method is not None and request.method != self.method:
            return False
        if self.path is not None and self.path not in request.path:
            return False
        return self.after is None or request.query.get("after", "") == self.after

    @property
    def refuses(self) -> bool:
        """Whether the request is answered without being processed (5xx, 429, html)."""
        return self.kind in _REFUSALS


def take_fault(faults: Iterable[Fault], request: web.Request) -> Fault | None:
    """The first live fault matching `request`, with one use taken from it."""
    for fault in faults:
        if fault.matches(request):
            fault.times -= 1
            return fault
    return None


async def misbehave(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    """Answer `request` the way `fault` says (running `handler` when the kind needs it)."""
    kind = fault.kind
    if kind in {"500", "502", "503", "504"}:
        return web.Response(status=int(kind), body=b"", content_type="application/json")
    if kind == "429":
        return web.Response(status=429, text="Retry later")
    if kind == "html":
        html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        return web.Response(status=502, text=html, content_type="text/html")
    response = await handler(request)
    if kind == "slow":
        # The request is processed at once, like Kit's, and only the answer is
        # late: a client that gave up waiting must not assume nothing happened.
        await asyncio.sleep(fault.delay)
        return response
    assert isinstance(response, web.Response)
    body = bytes(response.body) if response.body is not None else b""  # type: ignore[arg-type]
    if kind == "truncated":
        return web.Response(
            status=200, body=body[: len(body) // 2], content_type="application/json"
        )
    if kind == "reset":
        return await _cut(request, response.status, body)
    # repeat_cursor / missing_cursor: only a list page has a cursor to spoil.
    try:
        data = json.loads(body)
    except ValueError:
        return response
    if not isinstance(data, dict) or not isinstance(data.get("pagination"), dict):
        return response
    pagination = data["pagination"]
    pagination["has_next_page"] = True
    pagination["end_cursor"] = request.query.get("after") if kind == "repeat_cursor" else None
    return web.Response(status=response.status, body=dumps(data), content_type="application/json")
