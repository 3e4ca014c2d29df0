"""Counting the requests a piece of work sends (a sync run reports them).

The transport calls `count_one()` for each request it sends to Kit (each
attempt, retries included; token refreshes are not counted, Kit does not
rate-limit them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["RequestCount", "count_one", "count_requests"]


class RequestCount:
    """How many HTTP requests (attempts, retries included) a piece of work sent."""

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = 0


# The counters of the `count_requests()` blocks the current task runs in.
# Tasks started inside a block (a fan-out's fetchers) inherit them.
_COUNTERS: ContextVar[tuple[RequestCount, ...]] = ContextVar("kit_async_counters", default=())


@contextlib.contextmanager
def count_requests() -> Iterator[RequestCount]:
    """Count the requests sent by this task, and by tasks it starts, inside the block.

    Unlike `Transport.requests_sent`, the count leaves out requests that other
    tasks send through the same client meanwhile (a web app's own calls).
    Token refreshes are not counted: Kit does not rate-limit them.
    """
    counter = RequestCount()
    token = _COUNTERS.set((*_COUNTERS.get(), counter))
    try:
        yield counter
    finally:
        _COUNTERS.reset(token)


def count_one() -> None:
    """Count one request sent, in every `count_requests()` block the task runs in."""
    for counter in _COUNTERS.get():
        counter.sent += 1
