"""Link clicks of many broadcasts at once, with bounded concurrency.

A broadcast's cursor chain is sequential, so the concurrency is across
broadcasts: up to `concurrency` fetchers each walk one broadcast and hand
whole pages to the consumer through a bounded queue. A slow consumer makes
the fetchers wait (backpressure) instead of letting pages pile up in memory.

The stream owns the task that runs the fetchers, so `aclose()` (and leaving
`async with`) can cancel it and wait for it. The iterators it hands out hold
the stream, never the other way round: an iterator dropped after a bare
`break` is freed at once, and its finalizer cancels the fetchers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sized,
)
from types import TracebackType
from typing import TYPE_CHECKING, Literal, NamedTuple, Self

from ._models import BroadcastClick, Page
from ._pagination import _check_cursor, _check_per_page
from ._resources._base import check_id
from .errors import NotFoundError

if TYPE_CHECKING:
    from ._resources.broadcasts import Broadcasts

__all__ = ["BroadcastIds", "BroadcastPage", "ClickStream"]

log = logging.getLogger("kit_async")

BroadcastIds = Iterable[int] | AsyncIterable[int]


class BroadcastPage(NamedTuple):
    """One page of one broadcast's clicks, as the fan-out delivers it.

    `page.cursor` is the cursor that fetched it; when
    `page.pagination.has_next_page` is false the broadcast is complete.
    """

    broadcast_id: int
    page: Page[BroadcastClick]


class _Done:
    pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = _Done()
_Item = BroadcastPage | _Done | _Failed
UNSENT_STATUSES = frozenset({"draft", "scheduled"})


def _check_after(after: object) -> dict[int, str]:
    """Resume cursors: positive int ids to non-empty cursor strings."""
    if after is None:
        return {}
    if not isinstance(after, Mapping):
        msg = f"after must be a mapping of broadcast id to cursor, got {type(after).__name__}"
        raise TypeError(msg)
    cursors: dict[int, str] = {}
    for key, cursor in after.items():
        broadcast_id = check_id("broadcast id in after", key)
        name = f"after[{broadcast_id}]"
        if cursor is None:  # _check_cursor lets None through: "no cursor" is fine there
            msg = f"{name} must be a cursor string from a previous page, got NoneType"
            raise TypeError(msg)
        _check_cursor(name, cursor)
        cursors[broadcast_id] = cursor
    return cursors


def _check_ids(broadcast_ids: object) -> None:
    if isinstance(broadcast_ids, str | bytes):
        msg = "broadcast_ids must be an iterable of ints, not a string"
        raise TypeError(msg)
    if broadcast_ids is not None and not isinstance(broadcast_ids, Iterable | AsyncIterable):
        msg = f"broadcast_ids must be an iterable of ints, got {type(broadcast_ids).__name__}"
        raise TypeError(msg)
    # Ids already in memory are checked now, before any request; a range
    # holds nothing but ints, and anything else is read lazily, id by id.
    if isinstance(broadcast_ids, Collection) and not isinstance(broadcast_ids, range):
        for value in broadcast_ids:
            check_id("broadcast id", value)


class ClickStream:
    """The clicks of many broadcasts, fetched concurrently.

    Iterate it once, with `async for click in stream` (clicks) or
    `async for item in stream.pages()` (`BroadcastPage`s). Clicks of one
    broadcast keep their order; broadcasts interleave as pages arrive. An id
    given twice is fetched once, where it first appears.

    Use it as an `async with` block (or call `aclose()`) to stop every
    fetcher as soon as you leave the loop early.

    Attributes:
        skipped: Ids that answered 404 and were skipped (drafts, scheduled
            or deleted broadcasts), in the order they were found.
        completed: Ids whose clicks were all delivered, in completion order.
        taken: Ids in the order the fetchers took them from `broadcast_ids`,
            each once.
        pages_fetched: Pages received from Kit so far (for progress displays;
            a few of them may still wait in the buffer for the consumer).
        clicks_fetched: Clicks in those pages.
        concurrency: Broadcasts fetched at once, at most.
        per_page: Clicks asked for per request.
        on_missing: What a 404 does: `"skip"` or `"raise"`.
    """

    def __init__(
        self,
        broadcasts: Broadcasts,
        broadcast_ids: BroadcastIds | None,
        *,
        concurrency: int,
        per_page: int,
        on_missing: Literal["skip", "raise"],
        after: Mapping[int, str] | None,
        buffer: int | None,
    ) -> None:
        # Everything is checked here, when the stream is made: a bad argument
        # must fail at the call, not after requests (or never: a buffer of 0
        # would make the queue unbounded).
        check_id("concurrency", concurrency)
        _check_per_page(per_page)
        if on_missing not in ("skip", "raise"):
            msg = f"on_missing must be 'skip' or 'raise', got {on_missing!r}"
            raise ValueError(msg)
        self._after = _check_after(after)
        if buffer is not None:
            check_id("buffer", buffer)
        _check_ids(broadcast_ids)
        self._broadcasts = broadcasts
        self._ids = broadcast_ids
        self.concurrency = concurrency
        self.per_page = per_page
        self.on_missing = on_missing
        if buffer is None:
            # One page per fetcher, and no more fetchers than ids.
            buffer = concurrency
            if isinstance(broadcast_ids, Sized):
                buffer = max(1, min(concurrency, len(broadcast_ids)))
        self._buffer = buffer
        self.skipped: list[int] = []
        self.completed: list[int] = []
        self.pages_fetched = 0
        self.clicks_fetched = 0
        self.taken: list[int] = []
        self._claimed = False
        self._closed = False
        self._queue: asyncio.Queue[_Item] | None = None
        # Strong: the stream must be able to cancel and await it. Nothing it
        # runs refers to the iterators, so they stay free to be collected.
        self._supervisor: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<ClickStream concurrency={self.concurrency} completed={len(self.completed)}>"

    def __aiter__(self) -> AsyncIterator[BroadcastClick]:
        self._claim()
        return _Clicks(self)

    def pages(self) -> AsyncIterator[BroadcastPage]:
        """Yield each fetched page with its broadcast id, empty pages included."""
        self._claim()
        return _Pages(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop now: cancel every fetcher and wait until they have all ended.

        When it returns, no fetcher task is left and no request will be
        sent; the iteration (in this task or another) ends, and pages still
        in the buffer are dropped. Leaving `async for` with `break` stops the
        fetchers too, a moment later, when the abandoned iterator is freed;
        `aclose()` (or `async with`) makes it happen before your code goes
        on. Idempotent.
        """
        self._closed = True
        supervisor, queue = self._supervisor, self._queue
        if supervisor is None or queue is None:
            return
        if not supervisor.done():
            self._cancel()
            # asyncio.wait neither raises the task's CancelledError here nor
            # cancels it a second time if this task is cancelled meanwhile.
            await asyncio.wait([supervisor])
        # Wake a consumer waiting for a page (in another task): the end.
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_DONE)

    def _claim(self) -> None:
        if self._claimed:
            msg = "a ClickStream can be iterated only once"
            raise RuntimeError(msg)
        self._claimed = True

    def _cancel(self) -> None:
        supervisor = self._supervisor
        if supervisor is not None and not supervisor.done() and not supervisor.cancelling():
            supervisor.cancel()

    def _abandon(self) -> None:
        """Called when an iterator is freed (a bare `break`): stop the fetchers."""
        supervisor = self._supervisor
        if supervisor is None or supervisor.done():
            return
        loop = supervisor.get_loop()
        if not loop.is_closed():
            # A finalizer may run in any thread; the loop's own finalizer of
            # async generators does the same.
            loop.call_soon_threadsafe(self._cancel)

    async def _next_page(self) -> BroadcastPage:
        if self._closed:
            raise StopAsyncIteration
        if self._queue is None:
            self._queue = asyncio.Queue(self._buffer)
            self._supervisor = asyncio.create_task(
                self._supervise(self._queue), name="kit_async fan-out"
            )
        try:
            item = await self._queue.get()
        except BaseException:
            # Cancelled while waiting inside the stream: nothing may outlive it.
            await self.aclose()
            raise
        if isinstance(item, BroadcastPage):
            return item
        # The end or a failure: the supervisor has ended or is ending; make
        # sure it is gone before the consumer's next line.
        await self.aclose()
        if isinstance(item, _Failed):
            raise item.error
        raise StopAsyncIteration

    async def _id_source(self) -> AsyncGenerator[int, None]:
        """Each id to fetch, checked, once: where it first appears."""
        seen: set[int] = set()
        given = self._given_ids()
        try:
            async for broadcast_id in given:
                if broadcast_id in seen:
                    log.debug("broadcast %d was given again; fetched once", broadcast_id)
                    continue
                seen.add(broadcast_id)
                yield broadcast_id
        finally:
            # Closed here, not left to the loop's finalizer (a task of its
            # own that would outlive the stream).
            await given.aclose()

    async def _given_ids(self) -> AsyncGenerator[int, None]:
        ids = self._ids
        if ids is None:
            # One unfiltered listing, filtered here: Kit's status=completed
            # filter would drop aborted and still-sending broadcasts, which
            # have clicks. Accounts that send no status get their drafts'
            # 404s skipped instead.
            listing = self._broadcasts.list().pages()
            try:
                async for page in listing:
                    for broadcast in page.items:
                        if broadcast.status not in UNSENT_STATUSES:
                            yield broadcast.id
            finally:
                await listing.aclose()
        elif isinstance(ids, AsyncIterable):
            async for value in ids:
                yield check_id("broadcast id", value)
        else:
            for value in ids:
                yield check_id("broadcast id", value)

    async def _supervise(self, queue: asyncio.Queue[_Item]) -> None:
        """Run the fan-out; always end with one last item for the consumer."""
        try:
            await self._fan_out(queue)
        except Exception as error:  # noqa: BLE001 - handed to the consumer, raised there
            first: BaseException = error
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            await queue.put(_Failed(first))
        else:
            await queue.put(_DONE)

    async def _fan_out(self, queue: asyncio.Queue[_Item]) -> None:
        # A fetcher is started only for an id just taken, and only when a
        # slot is free: never more fetchers than ids, nor than `concurrency`.
        slots = asyncio.Semaphore(self.concurrency)
        source = self._id_source()

        async def fetch(broadcast_id: int) -> None:
            try:
                await self._fetch_one(broadcast_id, queue)
            finally:
                slots.release()

        try:
            async with asyncio.TaskGroup() as group:
                while True:
                    await slots.acquire()
                    broadcast_id = await anext(source, None)
                    if broadcast_id is None:
                        break
                    self.taken.append(broadcast_id)
                    group.create_task(
                        fetch(broadcast_id), name=f"kit_async fan-out: broadcast {broadcast_id}"
                    )
        finally:
            await source.aclose()

    async def _fetch_one(
        self, broadcast_id: int, queue: asyncio.Queue[BroadcastPage | _Done | _Failed]
    ) -> None:
        paginator = self._broadcasts.clicks(
            broadcast_id, per_page=self.per_page, after=self._after.get(broadcast_id)
        )
        try:
            async for page in paginator.pages():
                self.pages_fetched += 1
                self.clicks_fetched += len(page.items)
                await queue.put(BroadcastPage(broadcast_id, page))
        except NotFoundError:
            if self.on_missing == "raise":
                raise
            log.info(
                "broadcast %d answered 404 (draft, scheduled or deleted); skipped", broadcast_id
            )
            self.skipped.append(broadcast_id)
            return
        self.completed.append(broadcast_id)


class _StreamIterator:
    """What `ClickStream` hands out to be iterated; it holds the stream.

    Not an async generator: a generator dropped after a bare `break` would
    need a task of its own to be finalized, and would keep running until
    then. This one cancels the fetchers from its finalizer, at once.
    """

    __slots__ = ("__weakref__", "_stream")

    def __init__(self, stream: ClickStream) -> None:
        self._stream = stream

    def __aiter__(self) -> Self:
        return self

    async def aclose(self) -> None:
        """Stop the stream: `ClickStream.aclose()`."""
        await self._stream.aclose()

    def __del__(self) -> None:
        self._stream._abandon()


class _Pages(_StreamIterator, AsyncIterator[BroadcastPage]):
    __slots__ = ()

    async def __anext__(self) -> BroadcastPage:
        return await self._stream._next_page()


class _Clicks(_StreamIterator, AsyncIterator[BroadcastClick]):
    __slots__ = ("_items",)

    def __init__(self, stream: ClickStream) -> None:
        super().__init__(stream)
        self._items: Iterator[BroadcastClick] = iter(())

    async def __anext__(self) -> BroadcastClick:
        stream = self._stream
        while not stream._closed:
            for click in self._items:
                return click
            self._items = iter((await stream._next_page()).page.items)
        raise StopAsyncIteration
