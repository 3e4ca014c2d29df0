"""Helpers the fan-out tests share: a bound on hanging tests, and the fetcher tasks left."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kit_async import BroadcastClick, KitClient


def within(seconds: float) -> Callable[[Callable[..., Awaitable[None]]], Any]:
    """Fail a test that hangs (an unbounded wait is the bug these tests look for)."""

    def decorate(test: Callable[..., Awaitable[None]]) -> Any:
        @functools.wraps(test)
        async def bounded(*args: Any, **kwargs: Any) -> None:
            async with asyncio.timeout(seconds):
                await test(*args, **kwargs)

        return bounded

    return decorate


def fetcher_tasks() -> list[asyncio.Task[Any]]:
    """Every task but the current one and the aiohttp server's own handlers."""
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not getattr(task.get_coro(), "__qualname__", "").startswith("RequestHandler.")
    ]


async def wait_for_no_fetchers(limit: float = 1.0) -> int:
    """Turn the loop until no fetcher task is left; return how many turns that took.

    Counted in loop turns, not seconds: a shared machine can slow every turn
    down, but a stream that stops its fetchers promptly needs only a few,
    while one that waits for an answer in flight needs as many as arrive
    in that time.
    """
    started = time.monotonic()
    turns = 0
    while fetcher_tasks():
        if time.monotonic() - started > limit:
            pytest.fail(f"fetcher tasks still running after {limit} s: {fetcher_tasks()}")
        await asyncio.sleep(0)
        turns += 1
    return turns


#: Loop turns within which a stream that stops promptly has no fetcher left
#: (3 to 5 are seen); waiting for one answer in flight (20 ms) takes thousands.
PROMPTLY = 20


async def spin(seconds: float = 0.3) -> None:
    """Give anything still running every chance to send a request: many loop turns, then time.

    Not a synchronisation: the tests that call it check that nothing happens.
    """
    for _ in range(200):
        await asyncio.sleep(0)
    await asyncio.sleep(seconds)


@contextmanager
def left_to_the_loop() -> Iterator[list[str]]:
    """Names of the async generators left unclosed, for the event loop to finalize.

    The loop closes such a generator in a task of its own, a moment later:
    a task that outlives the stream.
    """
    firstiter, finalizer = sys.get_asyncgen_hooks()
    left: list[str] = []

    def record(agen: Any) -> None:
        left.append(agen.__qualname__)
        if finalizer is not None:
            finalizer(agen)

    sys.set_asyncgen_hooks(firstiter, record)
    try:
        yield left
    finally:
        sys.set_asyncgen_hooks(firstiter, finalizer)


async def gather_clicks(
    kit: KitClient, broadcast_ids: Any = None, **options: Any
) -> dict[int, list[BroadcastClick]]:
    """`{broadcast_id: [clicks]}` from `iter_clicks_for_broadcasts`, in the order of the ids.

    What the deprecated `kit.gather_broadcast_clicks()` returned: skipped
    broadcasts absent, a sent broadcast without clicks mapped to `[]`.
    """
    found: dict[int, list[BroadcastClick]] = {}
    async with kit.iter_clicks_for_broadcasts(broadcast_ids, **options) as stream:
        async for broadcast_id, page in stream.pages():
            found.setdefault(broadcast_id, []).extend(page.items)
    done = set(stream.completed)
    return {i: found.get(i, []) for i in dict.fromkeys(stream.taken) if i in done}
