"""The clicks of many broadcasts at once: the fan-out engine over `kit.broadcasts.clicks`.

`ClickStream` is a `FanOutStream` whose keys are broadcast ids (given, or
every sent broadcast of the account) and whose pages are `BroadcastPage`s.
"""

from __future__ import annotations

import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Mapping,
)
from typing import TYPE_CHECKING, Literal, Self, cast

from .._core.fanout import FanOutStream, KeyedPage
from .._core.pagination import AsyncPaginator
from .._core.validation import check_per_page
from ..errors import KitError
from ..models import BroadcastClick, Page

if TYPE_CHECKING:
    from .broadcasts import Broadcasts

__all__ = ["UNSENT_STATUSES", "BroadcastIds", "BroadcastPage", "ClickStream"]

log = logging.getLogger("kit_async")

BroadcastIds = Iterable[int] | AsyncIterable[int]
#: The statuses of a broadcast that was never sent (it has no clicks, and Kit answers 404).
UNSENT_STATUSES = frozenset({"draft", "scheduled"})


class BroadcastPage(KeyedPage[int, BroadcastClick]):
    """One page of one broadcast's clicks, as `ClickStream.pages()` delivers it.

    A `KeyedPage` whose key is the broadcast id, also named `broadcast_id`:
    `item.broadcast_id`, `item.page`, or `broadcast_id, page = item`.
    """

    __slots__ = ()

    def __new__(cls, broadcast_id: int, page: Page[BroadcastClick]) -> Self:
        """Pair a page with its broadcast id (`BroadcastPage(broadcast_id=..., page=...)`)."""
        return tuple.__new__(cls, (broadcast_id, page))

    @property
    def broadcast_id(self) -> int:
        """The broadcast the page belongs to: the same as `key`."""
        return self[0]

    def __repr__(self) -> str:
        return f"BroadcastPage(broadcast_id={self[0]!r}, page={self[1]!r})"


class _SentBroadcasts:
    """Every sent broadcast's id, from one unfiltered listing.

    Kit's `status=completed` filter would drop aborted and still-sending
    broadcasts, which have clicks. Accounts that send no status get their
    drafts' 404s skipped instead.
    """

    def __init__(self, broadcasts: Broadcasts) -> None:
        self._broadcasts = broadcasts

    def __aiter__(self) -> AsyncGenerator[int, None]:
        return self._ids()

    async def _ids(self) -> AsyncGenerator[int, None]:
        listing = self._broadcasts.list().pages()
        try:
            async for page in listing:
                for broadcast in page.items:
                    if broadcast.status not in UNSENT_STATUSES:
                        yield broadcast.id
        finally:
            await listing.aclose()


class ClickStream(FanOutStream[int, BroadcastClick]):
    """The clicks of many broadcasts, fetched concurrently.

    A `FanOutStream` over `kit.broadcasts.clicks`, made by
    `KitClient.iter_clicks_for_broadcasts`. Iterate it once, with
    `async for click in stream` (clicks) or `async for item in stream.pages()`
    (`BroadcastPage`s). Clicks of one broadcast keep their order; broadcasts
    interleave as pages arrive. An id given twice is fetched once, where it
    first appears.

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
        clicks_fetched: Clicks in those pages (the same as `items_fetched`).
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
        skip_errors: Callable[[KitError], bool] | None = None,
    ) -> None:
        check_per_page(per_page)
        if isinstance(broadcast_ids, str | bytes):
            msg = "broadcast_ids must be an iterable of ints, not a string"
            raise TypeError(msg)
        if broadcast_ids is not None and not isinstance(broadcast_ids, Iterable | AsyncIterable):
            msg = f"broadcast_ids must be an iterable of ints, got {type(broadcast_ids).__name__}"
            raise TypeError(msg)

        def clicks(broadcast_id: int, cursor: str | None) -> AsyncPaginator[BroadcastClick]:
            return broadcasts.clicks(broadcast_id, per_page=per_page, after=cursor)

        super().__init__(
            clicks,
            _SentBroadcasts(broadcasts) if broadcast_ids is None else broadcast_ids,
            concurrency=concurrency,
            on_missing=on_missing,
            after=after,
            buffer=buffer,
            key_name="broadcast id",
            skip_errors=skip_errors,
        )
        self._make_page = BroadcastPage
        self.per_page = per_page

    @property
    def clicks_fetched(self) -> int:
        """Clicks in the pages received so far: `items_fetched`."""
        return self.items_fetched

    def pages(self) -> AsyncIterator[BroadcastPage]:
        """Yield each fetched page with its broadcast id, empty pages included."""
        # Every page this stream makes is a BroadcastPage (`_make_page`).
        return cast("AsyncIterator[BroadcastPage]", super().pages())

    def _given_keys(self) -> AsyncGenerator[int, None]:
        # The listing is the stream's own generator (closed with it); its
        # ids come from Kit and need no check.
        if isinstance(self._keys, _SentBroadcasts):
            return aiter(self._keys)
        return super()._given_keys()

    def _log_skipped(self, key: int) -> None:
        log.info("broadcast %d answered 404 (draft, scheduled or deleted); skipped", key)
