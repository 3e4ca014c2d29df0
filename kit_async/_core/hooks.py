"""Hooks: an application's own functions, called as a client's requests go.

For an application without OpenTelemetry (or beside it): `kit.hooks` takes
plain or coroutine functions, each called with one typed, frozen event. An
event names the operation by its path template (`/v4/tags/{tag_id}/subscribers`)
and never carries an id, a query, a body, a header or a credential. A hook
that raises never breaks the call: the failure is logged (its exception type,
not its text, which could hold anything) and the request goes on.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["Hooks", "RateLimitWaitEvent", "RequestEvent", "ResponseEvent", "RetryEvent"]

log = logging.getLogger("kit_async")

E = TypeVar("E")


@attrs.frozen
class RequestEvent:
    """An attempt is about to be sent (`kit.hooks.on_request`).

    Attributes:
        method: The HTTP method.
        url_template: The operation's path template
            (`/v4/broadcasts/{broadcast_id}/clicks`); `None` for a path no
            operation declares (`kit.request(...)` of an unknown path).
        attempt: 1 for the first attempt, 2 for the first retry, ...
    """

    method: str
    url_template: str | None
    attempt: int


@attrs.frozen
class ResponseEvent:
    """An attempt ended, with Kit's answer or without one (`kit.hooks.on_response`).

    Attributes:
        method: The HTTP method.
        url_template: The operation's path template (`None`: undeclared path).
        attempt: Which attempt this was (1 for the first).
        status: Kit's HTTP status; `None` when no answer arrived (a timeout,
            a cut connection).
        elapsed: Seconds from sending to the end of the answer (the event
            loop's clock), rate-limit waits not included.
        error_type: The name of the error the attempt raised
            (`"NotFoundError"`, `"APITimeoutError"`), `None` for a 2xx.
    """

    method: str
    url_template: str | None
    attempt: int
    status: int | None
    elapsed: float
    error_type: str | None


@attrs.frozen
class RetryEvent:
    """A failed attempt is about to be sent again (`kit.hooks.on_retry`).

    Called after the wait, right before the retry's own `RequestEvent`.

    Attributes:
        method: The HTTP method.
        url_template: The operation's path template (`None`: undeclared path).
        attempt: The attempt about to be sent (2 for the first retry).
        wait: Seconds the retry policy chose to wait before it.
        reason: Why: `"status 429"`, `"status 503"`, `"timeout"`, or the
            error's type name.
        status: The failed attempt's HTTP status, `None` without an answer.
    """

    method: str
    url_template: str | None
    attempt: int
    wait: float
    reason: str
    status: int | None


@attrs.frozen
class RateLimitWaitEvent:
    """The client-side rate limiter held an attempt back (`kit.hooks.on_rate_limit_wait`).

    Attributes:
        method: The HTTP method.
        url_template: The operation's path template (`None`: undeclared path).
        attempt: The attempt that waited.
        waited: Seconds it was held back (the event loop's clock).
    """

    method: str
    url_template: str | None
    attempt: int
    waited: float


#: A hook: a plain function or a coroutine function of one event.
Hook = Callable[[E], "Awaitable[None] | None"]


class _Registry(Generic[E]):
    """The hooks of one kind of event, in the order they were added."""

    __slots__ = ("callbacks",)

    def __init__(self) -> None:
        self.callbacks: tuple[Hook[E], ...] = ()

    def add(self, callback: Hook[E]) -> Hook[E]:
        if not callable(callback):
            msg = f"a hook must be a function or coroutine function, got {type(callback).__name__}"
            raise TypeError(msg)
        self.callbacks = (*self.callbacks, callback)
        return callback

    def remove(self, callback: Hook[E]) -> bool:
        kept = tuple(c for c in self.callbacks if c is not callback)
        removed = len(kept) != len(self.callbacks)
        self.callbacks = kept
        return removed

    async def fire(self, event: E) -> None:
        for callback in self.callbacks:
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # noqa: BLE001 - a hook never breaks the call
                # The type only: an exception's text may quote anything.
                log.warning(
                    "kit_async hook %s raised %s; the request goes on",
                    getattr(callback, "__qualname__", type(callback).__name__),
                    type(exc).__name__,
                )


class Hooks:
    """The hooks of one client (`kit.hooks`), called as its requests go.

    Each `on_*` method adds a function (plain or `async def`) called with
    the event, and returns it, so it also works as a decorator. Async hooks
    are awaited before the request goes on: keep them short. A hook that
    raises is logged on the `kit_async` logger (as a WARNING naming the
    exception type) and the request goes on as if it had not. Views of a
    client that share its transport share its hooks.

    ```python
    @kit.hooks.on_response
    def count(event: kit_async.ResponseEvent) -> None:
        statuses[event.url_template, event.status] += 1
    ```
    """

    def __init__(self) -> None:
        self._request: _Registry[RequestEvent] = _Registry()
        self._response: _Registry[ResponseEvent] = _Registry()
        self._retry: _Registry[RetryEvent] = _Registry()
        self._wait: _Registry[RateLimitWaitEvent] = _Registry()

    def __repr__(self) -> str:
        return f"<Hooks: {self.count} hook(s)>"

    @property
    def count(self) -> int:
        """How many hooks are registered, all kinds together."""
        return sum(
            len(r.callbacks) for r in (self._request, self._response, self._retry, self._wait)
        )

    def on_request(self, callback: Hook[RequestEvent]) -> Hook[RequestEvent]:
        """Call `callback` with a `RequestEvent` before each attempt is sent."""
        return self._request.add(callback)

    def on_response(self, callback: Hook[ResponseEvent]) -> Hook[ResponseEvent]:
        """Call `callback` with a `ResponseEvent` after each attempt, answered or not."""
        return self._response.add(callback)

    def on_retry(self, callback: Hook[RetryEvent]) -> Hook[RetryEvent]:
        """Call `callback` with a `RetryEvent` before each retry is sent."""
        return self._retry.add(callback)

    def on_rate_limit_wait(self, callback: Hook[RateLimitWaitEvent]) -> Hook[RateLimitWaitEvent]:
        """Call `callback` with a `RateLimitWaitEvent` when the rate limiter held an attempt."""
        return self._wait.add(callback)

    def remove(self, callback: Callable[..., Any]) -> bool:
        """Remove `callback` wherever it was added; whether it was."""
        removed = [
            r.remove(callback) for r in (self._request, self._response, self._retry, self._wait)
        ]
        return any(removed)


class WithHooks:
    """`KitClient.hooks` (a base class of `KitClient`)."""

    _transport: Transport

    @property
    def hooks(self) -> Hooks:
        """The client's `Hooks`: functions called as its requests go (see Observability)."""
        return self._transport.observer.hooks
