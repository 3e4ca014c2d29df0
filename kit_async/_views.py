"""`KitClient.with_options()` and `KitClient.with_raw_response()`: per-call control.

Kept beside the client (its base class) so that the client's module holds
its lifecycle and namespaces. Both build on transport views
(`_core.options`): a client over a view shares the session, the rate limit
and the auth of the client it came from.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, Self, TypeVar

from ._core.config import prebuilt
from ._core.declarations import Resource
from ._core.options import TransportView, options_view
from ._core.retry import RetryPolicy
from ._core.transport import Transport
from ._raw import RawResponse, record

__all__ = ["ClientViews"]

P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C", bound="ClientViews")


def _root(transport: Transport) -> Transport:
    return transport._root if isinstance(transport, TransportView) else transport


def _client_over(cls: type[C], transport: Transport) -> C:
    with prebuilt(transport):
        return cls()


class ClientViews:
    """`KitClient`'s per-call options and raw responses (its base class)."""

    _transport: Transport

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A client like this one with other options, sharing its session, limit and auth.

        The view has every namespace and method of the client; its requests
        go through the same connection pool, the same rate limiter (one
        budget for the client and all its views) and the same auth (one
        token refresh for all). Options not given are this client's, so
        views of views compose.

        A view is not opened or closed by itself: `async with` and
        `aclose()` on it raise `TypeError`. Closing the client it came from
        closes it too (its waiting requests fail with `ClientClosedError`).

        Args:
            timeout: Seconds allowed for each request attempt (finite).
            max_retries: Retries after a first failed attempt (`0`: none),
                applied to `retry` or this client's `RetryPolicy`.
            retry: A `RetryPolicy` replacing this client's.
            extra_headers: Headers added to each request to Kit (a
                tracing or idempotency header, ...), beside this client's own
                extra headers. Never sent to the token endpoint.

        Raises:
            ValueError: A bad `timeout` or `max_retries`; an `extra_headers`
                name that is not a header name or that carries a credential
                (`Authorization`, `X-Kit-Api-Key`, `Cookie`,
                `Proxy-Authorization`) or that the transport sets (`Host`,
                `Content-Length`, `Content-Type`, `Accept`, the hop-by-hop
                headers); a value with a line break or a NUL.
            TypeError: `retry` is not a `RetryPolicy`, or `extra_headers` is
                not a mapping of str to str.

        ```python
        fast = kit.with_options(timeout=5.0, max_retries=0)
        broadcast = await fast.broadcasts.get(147)  # fails at once rather than retrying
        ```
        """
        view = options_view(
            self._transport,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            extra_headers=extra_headers,
        )
        return _client_over(type(self), view)

    async def with_raw_response(
        self, method: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[T]:
        """Call `method(*args, **kwargs)` and return Kit's answer with its value.

        `method` is a method of this client or of one of its namespaces (or
        of a view from `with_options`, whose options then apply) that sends
        one request: `kit.broadcasts.get`, `kit.tags.create`, `kit.request`,
        ... A list method gives its first page (`await kit.broadcasts.list()`
        is one request; pass `after=` for another), and `parse()` returns that
        `Page`. An error status raises as it does for the method.

        ```python
        raw = await kit.with_raw_response(kit.broadcasts.get, 147)
        print(raw.status_code, raw.attempts, raw.elapsed)
        broadcast = raw.parse()
        ```

        Raises:
            TypeError: `method` is not a method of a client or a namespace,
                returns something that is not awaited (a fan-out), or sends
                no request or more than one.
            ValueError: `method` belongs to another client.
        """
        owner = getattr(method, "__self__", None)
        function: Callable[..., Any] | None = getattr(method, "__func__", None)
        if function is None or not isinstance(owner, Resource | ClientViews):
            msg = (
                "with_raw_response takes a method of a KitClient or of one of its "
                f"namespaces, such as kit.broadcasts.get; got {method!r}"
            )
            raise TypeError(msg)
        transport: Transport = owner._transport
        if _root(transport) is not _root(self._transport):
            msg = "with_raw_response was given a method of another KitClient"
            raise ValueError(msg)
        what = getattr(method, "__qualname__", "the method")

        def start(recording: Transport) -> object:
            if isinstance(owner, Resource):
                bound = copy.copy(owner)
                bound._transport = recording
                return function(bound, *args, **kwargs)
            return function(_client_over(type(owner), recording), *args, **kwargs)

        return await record(transport, what, start)
