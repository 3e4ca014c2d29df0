"""Link clicks of many broadcasts at once, with bounded concurrency.

A broadcast's cursor chain is sequential, so the concurrency is across
broadcasts: `concurrency` workers each walk one broadcast at a time and hand
whole pages to the consumer through a bounded queue. A slow consumer makes
the workers wait (backpressure) instead of letting pages pile up in memory,
and leaving the `async for` early cancels every worker.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Literal, NamedTuple, Self

from ._models import BroadcastClick, Page
from ._pagination import MAX_PER_PAGE
from ._resources._base import check_id
from .errors import KitError, NotFoundError

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
UNSENT_STATUSES = frozenset({"draft", "scheduled"})


class ClickStream:
    """The clicks of many broadcasts, fetched concurrently.

    Iterate it once, with `async for click in stream` (clicks) or
    `async for item in stream.pages()` (`BroadcastPage`s). Clicks of one
    broadcast keep their order; broadcasts interleave as pages arrive.

    Attributes:
        skipped: Ids that answered 404 and were skipped (drafts, scheduled
            or deleted broadcasts), in the order they were found.
        completed: Ids whose clicks were all delivered, in completion order.
        taken: Ids in the order the fetchers took them from `broadcast_ids`.
        pages_fetched: Pages received from Kit so far (for progress displays;
            a few of them may still wait in the buffer for the consumer).
        clicks_fetched: Clicks in those pages.
        concurrency: Broadcasts fetched at once.
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
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            msg = f"concurrency must be a positive int, got {concurrency!r}"
            raise ValueError(msg)
        if on_missing not in ("skip", "raise"):
            msg = f"on_missing must be 'skip' or 'raise', got {on_missing!r}"
            raise ValueError(msg)
        if isinstance(broadcast_ids, str | bytes):
            msg = "broadcast_ids must be an iterable of ints, not a string"
            raise TypeError(msg)
        if broadcast_ids is not None and not isinstance(broadcast_ids, Iterable | AsyncIterable):
            msg = f"broadcast_ids must be an iterable of ints, got {type(broadcast_ids).__name__}"
            raise TypeError(msg)
        if not 1 <= per_page <= MAX_PER_PAGE:
            msg = f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}"
            raise ValueError(msg)
        self._broadcasts = broadcasts
        self._ids = broadcast_ids
        self.concurrency = concurrency
        self.per_page = per_page
        self.on_missing = on_missing
        self._after = dict(after or {})
        self._buffer = buffer if buffer is not None else concurrency
        self.skipped: list[int] = []
        self.completed: list[int] = []
        self.pages_fetched = 0
        self.clicks_fetched = 0
        self.taken: list[int] = []
        self._started = False
        # A weak reference: the running generator must stay collectable, so
        # that `break` alone still stops the fetchers (through the event
        # loop's async-generator finalizer) when nobody calls aclose().
        self._running: weakref.ref[AsyncGenerator[BroadcastPage, None]] | None = None

    def __repr__(self) -> str:
        return f"<ClickStream concurrency={self.concurrency} completed={len(self.completed)}>"

    def __aiter__(self) -> AsyncIterator[BroadcastClick]:
        return self._clicks()

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

        Leaving `async for` with `break` stops them too, a moment later, when
        the abandoned iterator is finalized; `aclose()` (or `async with`)
        makes it happen before your code goes on. Idempotent.
        """
        running = self._running() if self._running is not None else None
        if running is not None:
            await running.aclose()

    async def _clicks(self) -> AsyncIterator[BroadcastClick]:
        async for _, page in self.pages():
            for click in page.items:
                yield click

    def pages(self) -> AsyncIterator[BroadcastPage]:
        """Yield each fetched page with its broadcast id, empty pages included."""
        if self._started:
            msg = "a ClickStream can be iterated only once"
            raise RuntimeError(msg)
        self._started = True
        running = self._run()
        self._running = weakref.ref(running)
        return running

    async def _all_sent_ids(self) -> AsyncIterator[int]:
        # One unfiltered listing, filtered here: Kit's status=completed filter
        # would drop aborted and still-sending broadcasts, which have clicks.
        # Accounts that send no status get their drafts' 404s skipped instead.
        async for broadcast in self._broadcasts.list():
            if broadcast.status in UNSENT_STATUSES:
                continue
            yield broadcast.id

    async def _id_source(self) -> AsyncGenerator[int, None]:
        ids = self._ids
        if ids is None:
            async for value in self._all_sent_ids():
                yield value
        elif isinstance(ids, AsyncIterable):
            async for value in ids:
                yield check_id("broadcast id", value)
        else:
            for value in ids:
                yield check_id("broadcast id", value)

    async def _run(self) -> AsyncGenerator[BroadcastPage, None]:
        queue: asyncio.Queue[BroadcastPage | _Done | _Failed] = asyncio.Queue(self._buffer)
        source = self._id_source()
        lock = asyncio.Lock()

        async def next_id() -> int | None:
            async with lock:  # an async generator must not be advanced by two tasks at once
                broadcast_id = await anext(source, None)
                if broadcast_id is not None:
                    self.taken.append(broadcast_id)
                return broadcast_id

        async def worker() -> None:
            while (broadcast_id := await next_id()) is not None:
                await self._fetch_one(broadcast_id, queue)

        async def supervise() -> None:
            try:
                async with asyncio.TaskGroup() as group:
                    for _ in range(self.concurrency):
                        group.create_task(worker())
            except BaseExceptionGroup as group_error:
                first = group_error.exceptions[0]
                while isinstance(first, BaseExceptionGroup):
                    first = first.exceptions[0]
                await queue.put(_Failed(first))
                return
            finally:
                await source.aclose()
            await queue.put(_DONE)

        supervisor = asyncio.create_task(supervise(), name="kit_async fan-out")
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _Done):
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            if not supervisor.done():
                supervisor.cancel()
            # Wait for the workers to unwind so no task outlives the stream.
            await asyncio.gather(supervisor, return_exceptions=True)

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
        except NotFoundError as exc:
            if self.on_missing == "raise":
                exc.broadcast_id = broadcast_id
                raise
            log.info(
                "broadcast %d answered 404 (draft, scheduled or deleted); skipped", broadcast_id
            )
            self.skipped.append(broadcast_id)
            return
        except KitError as exc:
            exc.broadcast_id = broadcast_id
            raise
        self.completed.append(broadcast_id)
