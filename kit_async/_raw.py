"""Raw responses: Kit's status, headers, timing and attempts beside a call's value.

`kit.with_raw_response(method, *args, **kwargs)` runs `method` over a
recording view of its transport (`_Recording`): the one request it sends
goes through the limiter, retries and auth as usual, and the view keeps
Kit's reply, the attempts and the time it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, cast

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._core.options import TransportView
from ._core.transport import Decode, Transport, annotate, reply_of
from ._core.values import Reply, Request
from .errors import KitError

__all__ = ["RawResponse"]

T = TypeVar("T")


@attrs.frozen
class RawResponse(Generic[T]):
    """Kit's answer to one call, with the value the call returns: `kit.with_raw_response()`.

    ```python
    raw = await kit.with_raw_response(kit.broadcasts.get, 147)
    print(raw.status_code, raw.headers.get("Content-Type"), raw.attempts)
    broadcast = raw.parse()  # the Broadcast that kit.broadcasts.get(147) returns
    ```

    Attributes:
        status_code: Kit's status (2xx: an error status raises, as for the
            method itself; 204 for an empty answer).
        headers: Kit's response headers, read-only and case-insensitive
            (`raw.headers["content-type"]`). Only the response's: never the
            headers sent, so never the credential.
        elapsed: Seconds from the call to Kit's last answer, on the event
            loop's clock: rate-limit waits and retries included, decoding not.
        attempts: Requests sent for the call (1 without retries); a token
            refresh made on its behalf is not counted.
        method: The HTTP method.
        path: The path requested, without the query string.
    """

    status_code: int
    headers: CIMultiDictProxy[str] = attrs.field(repr=False)
    elapsed: float
    attempts: int
    method: str
    path: str
    _value: Any = attrs.field(repr=False, eq=False, alias="value")
    _failure: KitError | None = attrs.field(repr=False, eq=False, alias="failure", default=None)

    def parse(self) -> T:
        """The value the method returns for this answer (a model, a `Page`, ...).

        The body is decoded as it arrives, as for the method itself; a body
        that cannot be decoded (a `ResponseValidationError`) is raised here,
        not by `with_raw_response`, so its status and headers stay readable.
        """
        if self._failure is not None:
            raise self._failure
        return cast("T", self._value)


@attrs.frozen
class _Capture:
    request: Request
    reply: Reply
    elapsed: float
    attempts: int
    failure: KitError | None


class _Undecodable(Exception):  # noqa: N818 - a signal, caught in `record`
    """Stops the method once its one answer failed to decode (kept for `parse()`)."""


class _Recording(TransportView):
    """A view that keeps Kit's reply to the one request sent through it."""

    _OWN: ClassVar[frozenset[str]] = TransportView._OWN | {"capture", "attempts", "what"}

    def __init__(self, parent: Transport, what: str) -> None:
        super().__init__(
            parent,
            timeout=parent.timeout,
            retry=parent.retry,
            extra_headers=parent.extra_headers,
        )
        self.what = what
        self.attempts = 0
        self.capture: _Capture | None = None

    async def call(self, request: Request, decode: Decode[T]) -> T:
        if self.capture is not None:
            msg = (
                f"{self.what} sends more than one request ({request.method} "
                f"{request.path} after {self.capture.request.method} "
                f"{self.capture.request.path}); with_raw_response covers one request"
            )
            raise TypeError(msg)
        loop = asyncio.get_running_loop()
        started = loop.time()
        reply = await super().call(request, reply_of)
        elapsed = loop.time() - started
        try:
            value = decode(request, reply)
        except KitError as exc:
            self.capture = _Capture(request, reply, elapsed, self.attempts, annotate(exc, request))
            raise _Undecodable from None
        self.capture = _Capture(request, reply, elapsed, self.attempts, None)
        return value

    async def _send_once(self, *args: Any, **kwargs: Any) -> Reply:
        if kwargs.get("limited", True):  # not a token refresh
            self.attempts += 1
        return await super()._send_once(*args, **kwargs)


async def record(
    transport: Transport, what: str, start: Callable[[Transport], object]
) -> RawResponse[Any]:
    """Run `start` over a recording view of `transport`; Kit's answer and the value."""
    recording = _Recording(transport, what)
    result = start(recording)
    if not inspect.isawaitable(result):
        msg = (
            f"{what} returns a {type(result).__name__}, not one request: "
            "with_raw_response takes a method you await (a list method gives its "
            "first page, as 'await kit.broadcasts.list()' does)"
        )
        raise TypeError(msg)
    value: Any = None
    with contextlib.suppress(_Undecodable):  # kept for parse() to raise
        value = await result
    capture = recording.capture
    if capture is None:
        msg = f"{what} sent no request to Kit, so there is no raw response"
        raise TypeError(msg)
    return RawResponse(
        status_code=capture.reply.status,
        headers=CIMultiDictProxy(CIMultiDict(capture.reply.headers)),
        elapsed=capture.elapsed,
        attempts=capture.attempts,
        method=capture.request.method,
        path=capture.request.path,
        value=value,
        failure=capture.failure,
    )
