"""End to end: `iter_clicks_for_broadcasts` and `gather_broadcast_clicks` against FakeKit.

Every test runs the real client against the real fake server on loopback. The
fan-out's promises are checked where they show: at the server (how many
requests are in flight, how many pages were fetched), in the stream's own
counters, and in the event loop (no fetcher task outlives the stream, no
warning, no "Task was destroyed but it is pending").
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import time
import warnings
import weakref
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
from aiohttp import web
from fanout_helpers import (
    PROMPTLY,
    fetcher_tasks,
    gather_clicks,
    left_to_the_loop,
    spin,
    wait_for_no_fetchers,
    within,
)

import kit_async
from kit_async import (
    BroadcastClick,
    InternalServerError,
    NotFoundError,
    RateLimit,
    UnprocessableEntityError,
)
from kit_async.testing import FakeKit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- helpers ------------------------------------------------------------------


def index_of(click: BroadcastClick) -> int:
    """FakeKit's click URLs end with the click's position in its broadcast."""
    return int(click.url.rsplit("/", 1)[1])


async def collect(clicks: AsyncIterator[BroadcastClick], into: list[BroadcastClick]) -> None:
    """Keep every click that arrived, even when the stream then fails."""
    async for click in clicks:
        into.append(click)  # noqa: PERF401 - what arrived before an error must be kept


class ConsumerError(Exception):
    """Raised by a test's own loop body."""


async def fail_at(clicks: AsyncIterator[BroadcastClick], index: int) -> None:
    """A consumer whose loop body raises at the click with this index."""
    async for click in clicks:
        if index_of(click) == index:
            raise ConsumerError(index)


class InFlight:
    """An outermost server middleware counting clicks requests in flight."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.broadcasts: Counter[str] = Counter()
        self.peak_broadcasts = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.endswith("/clicks"):
            return await handler(request)
        broadcast = request.match_info["broadcast_id"]
        self.now += 1
        self.broadcasts[broadcast] += 1
        self.peak = max(self.peak, self.now)
        self.peak_broadcasts = max(self.peak_broadcasts, len(+self.broadcasts))
        try:
            return await handler(request)
        finally:
            self.now -= 1
            self.broadcasts[broadcast] -= 1


class Arrivals:
    """An outermost server middleware counting clicks requests as they arrive.

    FakeKit records a request only once it has answered it; this counts it
    when it comes in, so a request sent before a check cannot be mistaken for
    one sent after it.
    """

    def __init__(self) -> None:
        self.count = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.endswith("/clicks"):
            self.count += 1
        return await handler(request)


def walk(stream: kit_async.ClickStream, style: str) -> AsyncIterator[Any]:
    """The two ways to iterate a stream: its clicks, or its pages."""
    return aiter(stream) if style == "clicks" else stream.pages()


STYLES = ["clicks", "pages"]


def ids_as(kind: str, ids: list[Any]) -> Iterable[Any] | AsyncIterable[Any]:
    """The same ids as a list, a generator or an async generator."""
    if kind == "list":
        return list(ids)
    if kind == "generator":
        return (broadcast_id for broadcast_id in ids)

    async def agen() -> AsyncIterator[Any]:
        for broadcast_id in ids:
            await asyncio.sleep(0)
            yield broadcast_id

    return agen()


@asynccontextmanager
async def serve(*middlewares: Any, **options: Any) -> AsyncIterator[FakeKit]:
    """A FakeKit of its own, with extra middlewares outermost (before FakeKit's latency)."""
    server = FakeKit(**options)
    for position, middleware in enumerate(middlewares):
        server.app.middlewares.insert(position, middleware)
    async with server:
        yield server


@asynccontextmanager
async def client_for(server: FakeKit, **options: Any) -> AsyncIterator[kit_async.KitClient]:
    options.setdefault("rate_limit", None)
    async with kit_async.KitClient(
        server.api_key, base_url=server.url, timeout=5.0, **options
    ) as client:
        yield client


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What the event loop reports ("Task was destroyed...", "Unclosed client session")."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    yield reported
    loop.set_exception_handler(previous)


def assert_clean(reported: list[dict[str, Any]], caught: list[warnings.WarningMessage]) -> None:
    gc.collect()
    assert [context.get("message") for context in reported] == []
    assert [str(w.message) for w in caught] == []


# -- what is delivered --------------------------------------------------------


async def test_clicks_of_one_broadcast_keep_their_order(fake_kit: FakeKit, kit) -> None:
    clicks = [c async for c in kit.iter_clicks_for_broadcasts(range(1, 9), per_page=100)]

    for broadcast_id in range(1, 9):
        own = [index_of(c) for c in clicks if c.broadcast_id == broadcast_id]
        assert own == list(range(fake_kit.click_count(broadcast_id)))


async def test_broadcasts_interleave_as_pages_arrive() -> None:
    async with (
        serve(broadcasts=4, drafts=0, clicks=50, latency=0.005) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts([1, 2, 3, 4], concurrency=4, per_page=10)
        order = [page.broadcast_id async for page in stream.pages()]

    # Walked one after the other, four broadcasts would switch only 3 times.
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches > 3
    assert Counter(order) == {1: 5, 2: 5, 3: 5, 4: 5}


async def test_every_click_is_delivered_exactly_once(fake_kit: FakeKit, kit) -> None:
    clicks = [
        c async for c in kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=3, per_page=250)
    ]

    seen = Counter((c.broadcast_id, c.url) for c in clicks)
    expected = {(b, raw["url"]) for b in range(1, 9) for raw in fake_kit.clicks_of(b)}
    assert set(seen) == expected
    assert max(seen.values()) == 1
    assert len(clicks) == 8 * 1200


async def test_each_click_carries_its_broadcast_id_and_figures(fake_kit: FakeKit, kit) -> None:
    clicks = [c async for c in kit.iter_clicks_for_broadcasts([3, 5], per_page=1000)]

    by_key = {(c.broadcast_id, index_of(c)): c for c in clicks}
    raw = fake_kit.click(5, 7)
    assert by_key[5, 7] == BroadcastClick(broadcast_id=5, **raw)


async def test_stream_counts_pages_and_clicks_fetched(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([1, 2], per_page=500)
    clicks = [c async for c in stream]

    assert stream.pages_fetched == 6  # 1,200 clicks: pages of 500, 500, 200
    assert stream.clicks_fetched == len(clicks) == 2400
    assert sorted(stream.completed) == [1, 2]


# -- missing broadcasts -------------------------------------------------------


async def test_drafts_answering_404_are_skipped_and_listed(fake_kit: FakeKit, kit) -> None:
    # FakeKit's broadcasts 9 and 10 are a draft and a scheduled one.
    stream = kit.iter_clicks_for_broadcasts([1, 9, 2, 10], per_page=1000)
    clicks = [c async for c in stream]

    assert sorted(stream.skipped) == [9, 10]
    assert sorted(stream.completed) == [1, 2]
    assert {c.broadcast_id for c in clicks} == {1, 2}


async def test_unknown_broadcast_is_skipped_like_a_draft(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([4, 999], per_page=1000)
    clicks = [c async for c in stream]

    assert stream.skipped == [999]
    assert len(clicks) == 1200


async def test_skipped_broadcast_is_logged_at_info(
    fake_kit: FakeKit, kit, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kit_async"):
        _ = [c async for c in kit.iter_clicks_for_broadcasts([9], per_page=1000)]

    skips = [r for r in caplog.records if "broadcast 9" in r.getMessage()]
    assert [(r.name, r.levelno) for r in skips] == [("kit_async", logging.INFO)]


async def test_on_missing_raise_raises_not_found_naming_the_broadcast(
    fake_kit: FakeKit, kit
) -> None:
    stream = kit.iter_clicks_for_broadcasts([9], on_missing="raise")

    with pytest.raises(NotFoundError) as caught:
        _ = [c async for c in stream]

    assert caught.value.resource_id == 9
    assert caught.value.status_code == 404
    assert "/v4/broadcasts/9/clicks" in str(caught.value)
    assert stream.skipped == []


# -- errors that stop the fan-out --------------------------------------------


async def test_server_error_burst_stops_the_fanout_naming_broadcast_and_cursor(
    fake_kit: FakeKit, kit
) -> None:
    failing_cursor = FakeKit.cursor(400)
    # More 500s than the retries (4 attempts in tests) can absorb.
    fake_kit.inject("500", times=10, path="/broadcasts/3/clicks", after=failing_cursor)
    stream = kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=2, per_page=200)

    with pytest.raises(InternalServerError) as caught:
        _ = [c async for c in stream]

    error = caught.value
    assert (error.resource_id, error.cursor, error.attempts) == (3, failing_cursor, 4)
    assert "/v4/broadcasts/3/clicks" in str(error)
    assert repr(failing_cursor) in str(error)


async def test_transient_error_is_retried_without_stopping_the_fanout(
    fake_kit: FakeKit, kit
) -> None:
    fault = fake_kit.inject("503", times=2, path="/broadcasts/4/clicks", after=FakeKit.cursor(500))
    stream = kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=3, per_page=250)
    clicks = [c async for c in stream]

    assert fault.times == 0  # both 503s were served...
    assert len(clicks) == 8 * 1200  # ...and absorbed by the retries
    assert [index_of(c) for c in clicks if c.broadcast_id == 4] == list(range(1200))


@within(5)
async def test_fanout_sends_no_request_after_it_failed(fake_kit: FakeKit, kit) -> None:
    fake_kit.inject("500", times=10, path="/broadcasts/2/clicks")
    stream = kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=2, per_page=100)

    with pytest.raises(InternalServerError):
        _ = [c async for c in stream]
    failed_at = time.monotonic()
    await asyncio.sleep(0.05)

    assert [r for r in fake_kit.requests if r.at >= failed_at] == []
    assert fetcher_tasks() == []


async def test_unprocessable_answer_is_raised_with_broadcast_and_cursor(
    fake_kit: FakeKit, kit
) -> None:
    # FakeKit answers 422 "Invalid cursor" to a cursor it never issued.
    stream = kit.iter_clicks_for_broadcasts([1, 2], after={2: "bm90LWEtY3Vyc29y"})

    with pytest.raises(UnprocessableEntityError) as caught:
        _ = [c async for c in stream]

    assert (caught.value.resource_id, caught.value.cursor) == (2, "bm90LWEtY3Vyc29y")
    assert caught.value.attempts == 1  # a 422 is not retried


async def test_failed_broadcast_resumes_from_the_cursor_in_the_error(
    fake_kit: FakeKit, kit
) -> None:
    fake_kit.inject("503", times=10, path="/broadcasts/2/clicks", after=FakeKit.cursor(600))
    delivered: list[BroadcastClick] = []
    with pytest.raises(InternalServerError) as caught:
        await collect(aiter(kit.iter_clicks_for_broadcasts([2], per_page=300)), delivered)
    fake_kit.faults.clear()

    error = caught.value
    assert error.resource_id is not None
    assert error.cursor is not None
    resumed = kit.iter_clicks_for_broadcasts(
        [error.resource_id], per_page=300, after={error.resource_id: error.cursor}
    )
    delivered += [c async for c in resumed]

    assert [index_of(c) for c in delivered] == list(range(1200))


# -- where the ids come from --------------------------------------------------


async def test_no_ids_walks_every_sent_broadcast(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts(per_page=1000)
    clicks = [c async for c in stream]

    assert {c.broadcast_id for c in clicks} == set(range(1, 9))
    assert len(clicks) == 8 * 1200


async def test_no_ids_never_asks_drafts_or_scheduled_for_clicks(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts(per_page=1000)
    _ = [c async for c in stream]

    asked = {r.path for r in fake_kit.requests if r.path.endswith("/clicks")}
    assert asked == {f"/v4/broadcasts/{b}/clicks" for b in range(1, 9)}
    assert stream.skipped == []


async def test_async_iterable_of_ids_is_accepted(fake_kit: FakeKit, kit) -> None:
    async def ids() -> AsyncIterator[int]:
        for broadcast_id in (2, 4, 6):
            await asyncio.sleep(0)
            yield broadcast_id

    clicks = [c async for c in kit.iter_clicks_for_broadcasts(ids(), per_page=1000)]

    assert Counter(c.broadcast_id for c in clicks) == {2: 1200, 4: 1200, 6: 1200}


async def test_generator_of_ids_is_read_lazily(fake_kit: FakeKit, kit) -> None:
    pulled: list[int] = []

    def ids() -> Iterator[int]:
        for broadcast_id in (1, 2, 3):
            pulled.append(broadcast_id)
            yield broadcast_id

    stream = kit.iter_clicks_for_broadcasts(ids(), per_page=1000)
    assert pulled == []
    clicks = [c async for c in stream]

    assert pulled == [1, 2, 3]
    assert len(clicks) == 3 * 1200


async def test_after_mapping_resumes_one_broadcast_at_its_cursor(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([1, 2], per_page=100, after={2: FakeKit.cursor(1000)})
    clicks = [c async for c in stream]

    assert [index_of(c) for c in clicks if c.broadcast_id == 1] == list(range(1200))
    assert [index_of(c) for c in clicks if c.broadcast_id == 2] == list(range(1000, 1200))


# -- repeated ids ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "generator", "async"])
async def test_a_repeated_id_is_fetched_and_delivered_once(
    fake_kit: FakeKit, kit, kind: str
) -> None:
    ids = ids_as(kind, [3, 1, 3, 2, 1, 3])
    stream = kit.iter_clicks_for_broadcasts(ids, concurrency=1, per_page=500)
    order = [item.broadcast_id async for item in stream.pages()]

    # One fetcher: the broadcasts come in the order of their first occurrence.
    assert order == [3, 3, 3, 1, 1, 1, 2, 2, 2]
    asked = Counter(r.path for r in fake_kit.requests)
    assert asked == {f"/v4/broadcasts/{b}/clicks": 3 for b in (1, 2, 3)}
    assert stream.taken == [3, 1, 2]
    assert stream.completed == [3, 1, 2]
    assert stream.clicks_fetched == 3 * 1200


async def test_repeated_ids_are_fetched_once_with_many_fetchers(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([5, 5, 5, 5, 6, 5], concurrency=4, per_page=1000)
    clicks = [c async for c in stream]

    assert Counter(c.broadcast_id for c in clicks) == {5: 1200, 6: 1200}
    assert stream.taken == [5, 6]
    assert len(fake_kit.requests) == 4  # 2 pages of 1,000 for each


async def test_a_repeated_skipped_id_is_listed_once(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([9, 1, 9], per_page=1000)
    _ = [c async for c in stream]

    assert stream.skipped == [9]
    assert len([r for r in fake_kit.requests if r.path.endswith("/9/clicks")]) == 1


async def test_gather_fetches_a_repeated_id_once(fake_kit: FakeKit, kit) -> None:
    found = await deprecated_gather(kit, [2, 1, 2, 1], per_page=1000)

    assert list(found) == [2, 1]
    assert [index_of(c) for c in found[2]] == list(range(1200))
    assert len(found[1]) == 1200


# -- bounded concurrency and backpressure -------------------------------------


async def test_at_most_concurrency_broadcasts_are_in_flight() -> None:
    in_flight = InFlight()
    async with (
        serve(in_flight.middleware, broadcasts=12, drafts=0, clicks=30, latency=0.01) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts(range(1, 13), concurrency=3, per_page=10)
        clicks = [c async for c in stream]

    assert len(clicks) == 12 * 30
    # Bounded, and the bound is actually used (not one at a time).
    assert in_flight.peak == 3
    assert in_flight.peak_broadcasts == 3


async def test_one_broadcast_never_has_two_requests_in_flight() -> None:
    in_flight = InFlight()
    peak_per_broadcast = 0

    @web.middleware
    async def watch(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal peak_per_broadcast
        peak_per_broadcast = max([peak_per_broadcast, *in_flight.broadcasts.values()])
        return await handler(request)

    async with (
        serve(
            in_flight.middleware, watch, broadcasts=4, drafts=0, clicks=60, latency=0.005
        ) as server,
        client_for(server) as kit,
    ):
        _ = [c async for c in kit.iter_clicks_for_broadcasts([1, 2, 3, 4], per_page=10)]

    assert peak_per_broadcast == 1


@within(5)
@pytest.mark.parametrize("kind", ["list", "generator", "async"])
async def test_huge_concurrency_starts_no_more_fetchers_than_there_are_ids(kind: str) -> None:
    test_task = asyncio.current_task()
    peak = 0

    @web.middleware
    async def count_tasks(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal peak
        peak = max(peak, len([t for t in fetcher_tasks() if t is not test_task]))
        return await handler(request)

    async with (
        serve(count_tasks, broadcasts=3, drafts=0, clicks=20) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts(
            ids_as(kind, [1, 2, 3]), concurrency=100_000, per_page=10
        )
        clicks = [c async for c in stream]

    assert len(clicks) == 3 * 20
    assert 1 < peak <= 1 + 3  # the supervisor and one fetcher per broadcast


@within(5)
async def test_fetchers_start_only_when_every_running_one_is_busy() -> None:
    # Each id is handed out only once the previous broadcast has been read:
    # one fetcher is always enough, so no second one may start.
    test_task = asyncio.current_task()
    peak = 0
    finished = asyncio.Event()

    @web.middleware
    async def count_tasks(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal peak
        peak = max(peak, len([t for t in fetcher_tasks() if t is not test_task]))
        return await handler(request)

    async def one_at_a_time() -> AsyncIterator[int]:
        for broadcast_id in (1, 2, 3, 4):
            finished.clear()
            yield broadcast_id
            await finished.wait()

    async with (
        serve(count_tasks, broadcasts=4, drafts=0, clicks=30) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts(one_at_a_time(), concurrency=8, per_page=10)
        async for item in stream.pages():
            if not item.page.pagination.has_next_page:
                finished.set()

    assert stream.completed == [1, 2, 3, 4]
    assert peak == 2  # the supervisor and one fetcher


async def settled(stream: kit_async.ClickStream) -> int:
    """`stream.pages_fetched` once it has stopped growing for 0.1 s."""
    last = -1
    while stream.pages_fetched != last:
        last = stream.pages_fetched
        await asyncio.sleep(0.1)
    return last


@within(5)
async def test_slow_consumer_holds_the_fetchers_back() -> None:
    concurrency, buffer = 2, 3
    async with serve(broadcasts=4, drafts=0, clicks=2000) as server, client_for(server) as kit:
        stream = kit.iter_clicks_for_broadcasts(
            [1, 2, 3, 4], concurrency=concurrency, buffer=buffer, per_page=10
        )
        pages = stream.pages()
        await anext(pages)  # take one page of 800, then stop consuming
        held = await settled(stream)
        requests = len(server.requests)
        await pages.aclose()  # type: ignore[attr-defined]  # an async generator at run time

    # 1 consumed + `buffer` queued + one page per fetcher blocked on the full queue.
    assert held == 1 + buffer + concurrency
    assert requests == held  # nothing fetched ahead behind the counter's back


@within(5)
async def test_default_buffer_follows_concurrency() -> None:
    async with serve(broadcasts=8, drafts=0, clicks=2000) as server, client_for(server) as kit:
        stream = kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=4, per_page=10)
        pages = stream.pages()
        await anext(pages)
        held = await settled(stream)
        await stream.aclose()

    assert held == 1 + 4 + 4


@within(5)
async def test_default_buffer_is_no_larger_than_the_number_of_ids() -> None:
    async with serve(broadcasts=2, drafts=0, clicks=2000) as server, client_for(server) as kit:
        stream = kit.iter_clicks_for_broadcasts([1, 2], concurrency=8, per_page=10)
        pages = stream.pages()
        await anext(pages)
        held = await settled(stream)
        await stream.aclose()

    # Two fetchers, so a buffer of two pages: one per fetcher, as with fewer ids
    # than `concurrency` there are only ever that many fetchers.
    assert held == 1 + 2 + 2


# -- leaving early --------------------------------------------------------------


@within(5)
async def test_break_cancels_every_fetcher_promptly(loop_errors) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            stream = kit.iter_clicks_for_broadcasts(range(1, 11), concurrency=4, per_page=50)
            async for click in stream:
                if index_of(click) == 20:
                    break
            turns = await wait_for_no_fetchers()
            gone = time.monotonic()
            await asyncio.sleep(0.05)  # longer than one answer's latency
            assert [r for r in server.requests if r.at >= gone] == []
        assert_clean(loop_errors, caught)

    assert turns <= PROMPTLY  # a few loop turns, not waiting for in-flight answers


async def test_leaving_async_with_cancels_every_fetcher_before_the_next_line(
    loop_errors,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            async with kit.iter_clicks_for_broadcasts(
                range(1, 11), concurrency=4, per_page=50
            ) as stream:
                iterator = aiter(stream)  # kept alive: no finalizer will run
                async for click in iterator:
                    if index_of(click) == 20:
                        break
            # No loop turn in between: the fetchers are gone already.
            assert fetcher_tasks() == []
            gone = time.monotonic()
            await asyncio.sleep(0.05)
            assert [r for r in server.requests if r.at >= gone] == []
            del iterator
        assert_clean(loop_errors, caught)


@within(5)
@pytest.mark.parametrize("leave", ["break", "raise"])
@pytest.mark.parametrize("style", STYLES)
async def test_leaving_async_with_early_stops_every_fetcher_before_the_next_line(
    style: str, leave: str, loop_errors
) -> None:
    arrivals = Arrivals()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(arrivals.middleware, broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            with left_to_the_loop() as left, suppress(ConsumerError):
                async with kit.iter_clicks_for_broadcasts(
                    range(1, 11), concurrency=4, per_page=50
                ) as stream:
                    seen = 0
                    # No reference to the iterator is kept: it is dropped at
                    # the break, exactly as in everyday code.
                    async for _ in stream if style == "clicks" else stream.pages():
                        seen += 1
                        if seen == (60 if style == "clicks" else 6):
                            if leave == "break":
                                break
                            raise ConsumerError(seen)
            # No loop turn in between: the fetchers are gone already...
            assert fetcher_tasks() == []
            sent = arrivals.count
            await spin()
            # ...and the server hears nothing more.
            assert arrivals.count == sent
            assert left == []  # nothing was left for the loop to close later
        assert_clean(loop_errors, caught)


@within(5)
@pytest.mark.parametrize("style", STYLES)
async def test_aclose_after_a_break_stops_every_fetcher_before_the_next_line(
    style: str, loop_errors
) -> None:
    arrivals = Arrivals()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(arrivals.middleware, broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            stream = kit.iter_clicks_for_broadcasts(range(1, 11), concurrency=4, per_page=50)
            seen = 0
            async for _ in stream if style == "clicks" else stream.pages():
                seen += 1
                if seen == (60 if style == "clicks" else 6):
                    break
            await stream.aclose()
            assert fetcher_tasks() == []
            sent = arrivals.count
            await spin()
            assert arrivals.count == sent
        assert_clean(loop_errors, caught)


@within(5)
@pytest.mark.parametrize("style", STYLES)
async def test_aclose_stops_fetchers_even_while_the_iterator_is_referenced(
    style: str, loop_errors
) -> None:
    arrivals = Arrivals()
    async with (
        serve(arrivals.middleware, broadcasts=6, drafts=0, clicks=300, latency=0.02) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts(range(1, 7), concurrency=3, per_page=50)
        iterator = walk(stream, style)
        await anext(iterator)
        assert fetcher_tasks() != []
        await stream.aclose()
        assert fetcher_tasks() == []
        sent = arrivals.count
        await stream.aclose()  # idempotent
        with pytest.raises(StopAsyncIteration):
            await anext(iterator)
        await spin()
        assert arrivals.count == sent
    assert_clean(loop_errors, [])


@within(5)
async def test_leaving_early_while_listing_every_broadcast_leaves_no_task(loop_errors) -> None:
    # With no ids, the ids come from the broadcasts listing, which must be
    # closed with the stream rather than left to the loop's finalizer.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=2, clicks=500, latency=0.01) as server,
            client_for(server) as kit,
        ):
            with left_to_the_loop() as left:
                async with kit.iter_clicks_for_broadcasts(concurrency=2, per_page=50) as stream:
                    async for _ in stream.pages():
                        break
                assert fetcher_tasks() == []
                await spin(0)
            assert left == []
        assert_clean(loop_errors, caught)


@within(5)
@pytest.mark.parametrize("style", STYLES)
async def test_a_bare_break_still_stops_every_fetcher_when_the_iterator_is_dropped(
    style: str, loop_errors
) -> None:
    arrivals = Arrivals()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(arrivals.middleware, broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            stream = kit.iter_clicks_for_broadcasts(range(1, 11), concurrency=4, per_page=50)
            iterator = walk(stream, style)
            dropped = weakref.ref(iterator)
            seen = 0
            async for _ in iterator:
                seen += 1
                if seen == (60 if style == "clicks" else 6):
                    break
            del iterator
            # The stream is still referenced, and must not keep its iterator
            # (nor, through it, the fetchers) alive.
            turns = await wait_for_no_fetchers()
            assert dropped() is None
            sent = arrivals.count
            await spin()
            assert arrivals.count == sent
            assert stream.pages_fetched < 10 * 10  # it really stopped early
            # And once the stream is dropped too, nothing keeps it alive.
            stream_ref = weakref.ref(stream)
            del stream
            gc.collect()
            assert stream_ref() is None
        assert_clean(loop_errors, caught)

    assert turns <= PROMPTLY  # a few loop turns


@within(5)
@pytest.mark.parametrize("style", STYLES)
async def test_aclose_from_another_task_ends_a_consumer_waiting_for_a_page(
    style: str, loop_errors
) -> None:
    asked = asyncio.Event()

    @web.middleware
    async def first_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        asked.set()
        return await handler(request)

    async with (
        serve(first_request, broadcasts=4, drafts=0, clicks=100, latency=0.05) as server,
        client_for(server) as kit,
    ):
        stream = kit.iter_clicks_for_broadcasts(range(1, 5), concurrency=2, per_page=10)
        iterator = walk(stream, style)
        waiting = asyncio.ensure_future(anext(iterator))
        await asked.wait()  # the consumer now waits inside the stream for a page
        await stream.aclose()

        with pytest.raises(StopAsyncIteration):
            await waiting
        assert fetcher_tasks() == []
    assert_clean(loop_errors, [])


@pytest.mark.parametrize("style", STYLES)
async def test_a_stream_closed_before_it_is_iterated_sends_nothing(
    fake_kit: FakeKit, kit, style: str
) -> None:
    async with kit.iter_clicks_for_broadcasts([1, 2]) as stream:
        pass
    assert [item async for item in walk(stream, style)] == []
    assert fake_kit.requests == []
    assert fetcher_tasks() == []


@within(5)
async def test_exception_in_loop_body_cancels_every_fetcher(loop_errors) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            stream = kit.iter_clicks_for_broadcasts(range(1, 11), concurrency=4, per_page=50)
            with pytest.raises(ConsumerError):
                await fail_at(aiter(stream), 20)
            turns = await wait_for_no_fetchers()
        assert_clean(loop_errors, caught)

    assert turns <= PROMPTLY


@within(5)
async def test_cancelling_the_consumer_task_cancels_every_fetcher(loop_errors) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            got_some = asyncio.Event()

            async def consume() -> None:
                # No await in the body: whenever this task waits, it waits
                # inside the stream, for the next page.
                async for click in kit.iter_clicks_for_broadcasts(
                    range(1, 11), concurrency=4, per_page=50
                ):
                    if index_of(click) == 120:
                        got_some.set()

            task = asyncio.create_task(consume())
            await got_some.wait()
            task.cancel()
            # asyncio.wait does not pass a cancellation on to the task it waits for.
            await asyncio.wait([task], timeout=1.0)
            assert task.cancelled()
            # The stream unwinds inside the cancelled task: nothing is left at all.
            assert fetcher_tasks() == []
        assert_clean(loop_errors, caught)


@within(5)
async def test_cancelling_the_consumer_inside_its_body_cancels_every_fetcher(
    loop_errors,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with (
            serve(broadcasts=10, drafts=0, clicks=500, latency=0.02) as server,
            client_for(server) as kit,
        ):
            parked = asyncio.Event()

            async def consume() -> None:
                async for _ in kit.iter_clicks_for_broadcasts(
                    range(1, 11), concurrency=4, per_page=50
                ):
                    parked.set()
                    await asyncio.sleep(60)  # cancelled here, outside the stream

            task = asyncio.create_task(consume())
            await parked.wait()
            task.cancel()
            await asyncio.wait([task], timeout=1.0)
            assert task.cancelled()
            turns = await wait_for_no_fetchers()
        assert_clean(loop_errors, caught)

    assert turns <= PROMPTLY


@within(5)
async def test_client_keeps_working_after_an_early_exit(fake_kit: FakeKit, kit) -> None:
    async for click in kit.iter_clicks_for_broadcasts(range(1, 9), concurrency=4, per_page=100):
        if index_of(click) == 150:
            break
    await wait_for_no_fetchers()

    again = [c async for c in kit.iter_clicks_for_broadcasts([5], per_page=1000)]
    assert len(again) == 1200


@within(5)
async def test_failed_fanout_leaves_no_task_and_no_warning(loop_errors) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with serve(broadcasts=10, drafts=0, clicks=500, latency=0.01) as server:
            server.inject("500", times=10, path="/broadcasts/5/clicks")
            async with client_for(server) as kit:
                with pytest.raises(InternalServerError):
                    _ = [
                        c
                        async for c in kit.iter_clicks_for_broadcasts(
                            range(1, 11), concurrency=4, per_page=50
                        )
                    ]
                assert fetcher_tasks() == []
        assert_clean(loop_errors, caught)


async def test_repr_shows_concurrency_and_progress(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([1, 2], concurrency=2, per_page=1000)
    assert repr(stream) == "<ClickStream concurrency=2 completed=0>"

    _ = [c async for c in stream]
    assert repr(stream) == "<ClickStream concurrency=2 completed=2>"


async def test_a_stream_can_be_iterated_only_once(fake_kit: FakeKit, kit) -> None:
    stream = kit.iter_clicks_for_broadcasts([1], per_page=1000)
    _ = [c async for c in stream]

    with pytest.raises(RuntimeError, match="only once"):
        _ = [c async for c in stream]


# -- gather_broadcast_clicks (deprecated, still working) ------------------------


async def deprecated_gather(kit: kit_async.KitClient, *args: Any, **kwargs: Any) -> Any:
    with pytest.warns(DeprecationWarning, match=r"iter_clicks_for_broadcasts"):
        return await kit.gather_broadcast_clicks(*args, **kwargs)  # type: ignore[deprecated]


async def test_gather_is_deprecated_for_iter_clicks_for_broadcasts(fake_kit: FakeKit, kit) -> None:
    with pytest.warns(DeprecationWarning, match="gather_broadcast_clicks") as caught:
        found = await kit.gather_broadcast_clicks([1], per_page=1000)

    assert str(caught[0].message) == (
        "kit.gather_broadcast_clicks() is deprecated and will be removed in the "
        "next release; iterate kit.iter_clicks_for_broadcasts(ids) and collect "
        "the clicks by click.broadcast_id"
    )
    assert caught[0].filename == __file__
    assert len(found[1]) == 1200


async def test_gather_returns_clicks_by_broadcast_in_order() -> None:
    async with (
        serve(broadcasts=4, drafts=1, clicks={1: 25, 2: 0, 3: 7}) as server,
        client_for(server) as kit,
    ):
        found = await deprecated_gather(kit, [1, 2, 3, 4], per_page=10)

    assert set(found) == {1, 2, 3}  # 4 is a draft: skipped
    assert [index_of(c) for c in found[1]] == list(range(25))
    assert [index_of(c) for c in found[3]] == list(range(7))


async def test_gather_follows_the_order_of_the_ids_given() -> None:
    # Broadcast 3 is small and finishes first; the dict still follows the ids.
    async with (
        serve(broadcasts=3, drafts=0, clicks={1: 300, 2: 200, 3: 5}, latency=0.01) as server,
        client_for(server) as kit,
    ):
        found = await deprecated_gather(kit, [1, 2, 3], per_page=50)

    assert list(found) == [1, 2, 3]


async def test_gather_resumes_a_broadcast_with_after() -> None:
    async with serve(broadcasts=2, drafts=0, clicks=30) as server, client_for(server) as kit:
        found = await deprecated_gather(kit, [1, 2], per_page=10, after={1: FakeKit.cursor(20)})

    assert [index_of(c) for c in found[1]] == list(range(20, 30))
    assert [index_of(c) for c in found[2]] == list(range(30))


async def test_gather_maps_a_sent_broadcast_without_clicks_to_an_empty_list() -> None:
    async with serve(broadcasts=3, drafts=0, clicks={1: 5}) as server, client_for(server) as kit:
        found = await deprecated_gather(kit, [1, 2, 3])

    assert sorted(found) == [1, 2, 3]
    assert (len(found[1]), found[2], found[3]) == (5, [], [])


async def test_gather_with_no_ids_covers_every_sent_broadcast(fake_kit: FakeKit, kit) -> None:
    found = await deprecated_gather(kit, concurrency=3)

    assert sorted(found) == list(range(1, 9))
    assert all(len(clicks) == 1200 for clicks in found.values())


async def test_gather_raises_what_the_fanout_raises(fake_kit: FakeKit, kit) -> None:
    with pytest.raises(NotFoundError) as caught:
        await deprecated_gather(kit, [1, 10], on_missing="raise")

    assert caught.value.resource_id == 10


# -- the rate limiter -------------------------------------------------------------


async def test_every_fanout_request_takes_a_rate_limit_slot(fake_kit: FakeKit) -> None:
    class CountingLimit(RateLimit):
        slots = 0

        def slot(self, key: str = "default") -> Any:
            CountingLimit.slots += 1
            return super().slot(key)

    limit = CountingLimit(10_000, 60.0)
    async with client_for(fake_kit, rate_limit=limit) as kit:
        _ = [c async for c in kit.iter_clicks_for_broadcasts(per_page=500)]

    assert CountingLimit.slots == len(fake_kit.requests)
    assert len(fake_kit.requests) == 1 + 8 * 3  # the listing, then 3 pages each


async def test_shared_rate_limit_keeps_the_fanout_under_the_server_window() -> None:
    limit = RateLimit(6, 0.3)
    async with (
        serve(broadcasts=6, drafts=0, clicks=20, rate_limit=(6, 0.3)) as server,
        client_for(server, rate_limit=limit) as one,
        client_for(server, rate_limit=limit) as two,
    ):
        first, second = await asyncio.gather(
            gather_clicks(one, [1, 2, 3], per_page=10, concurrency=3),
            gather_clicks(two, [4, 5, 6], per_page=10, concurrency=3),
        )

    assert server.rate_limited == 0
    assert len(server.requests) == 12
    assert limit.total_wait > 0  # it really had to hold requests back
    assert sum(len(c) for c in (*first.values(), *second.values())) == 120


async def test_fanout_without_a_limiter_does_hit_the_server_window() -> None:
    # The control for the test above: the same load, unlimited, earns 429s.
    async with (
        serve(broadcasts=6, drafts=0, clicks=20, rate_limit=(6, 0.3)) as server,
        client_for(server, rate_limit=None, max_retries=0) as kit,
    ):
        with pytest.raises(kit_async.RateLimitError):
            await gather_clicks(kit, range(1, 7), per_page=10, concurrency=6)

    assert server.rate_limited > 0


# -- bad arguments ----------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [0, -1])
async def test_concurrency_below_one_is_refused_before_any_request(
    fake_kit: FakeKit, kit, concurrency: int
) -> None:
    with pytest.raises(ValueError, match=f"concurrency must be a positive int, got {concurrency}"):
        kit.iter_clicks_for_broadcasts([1], concurrency=concurrency)
    assert fake_kit.requests == []


@pytest.mark.parametrize(
    ("concurrency", "message"),
    [
        (True, "concurrency must be an int, got bool True"),
        (1.5, "concurrency must be an int, got float 1.5"),
        ("4", "concurrency must be an int, got str '4'"),
    ],
)
async def test_concurrency_that_is_not_an_int_is_refused_before_any_request(
    fake_kit: FakeKit, kit, concurrency: Any, message: str
) -> None:
    with pytest.raises(TypeError) as caught:
        kit.iter_clicks_for_broadcasts([1], concurrency=concurrency)
    assert str(caught.value) == message
    assert fake_kit.requests == []


@pytest.mark.parametrize("buffer", [0, -1])
async def test_buffer_below_one_is_refused_before_any_request(
    fake_kit: FakeKit, kit, buffer: int
) -> None:
    # asyncio.Queue(0) would be unbounded: no backpressure at all.
    with pytest.raises(ValueError, match=f"buffer must be a positive int, got {buffer}"):
        kit.iter_clicks_for_broadcasts([1], buffer=buffer)
    assert fake_kit.requests == []


@pytest.mark.parametrize(
    ("buffer", "message"),
    [
        ("x", "buffer must be an int, got str 'x'"),
        (True, "buffer must be an int, got bool True"),
        (2.5, "buffer must be an int, got float 2.5"),
    ],
)
async def test_buffer_that_is_not_an_int_is_refused_before_any_request(
    fake_kit: FakeKit, kit, buffer: Any, message: str
) -> None:
    with pytest.raises(TypeError) as caught:
        kit.iter_clicks_for_broadcasts([1], buffer=buffer)
    assert str(caught.value) == message
    assert fake_kit.requests == []


@pytest.mark.parametrize(
    ("per_page", "message"),
    [
        ("10", "per_page must be an int, got str '10'"),
        (10.5, "per_page must be an int, got float 10.5"),
        (True, "per_page must be an int, got bool True"),
        (None, "per_page must be an int, got NoneType None"),
    ],
)
async def test_per_page_that_is_not_an_int_is_refused_before_any_request(
    fake_kit: FakeKit, kit, per_page: Any, message: str
) -> None:
    with pytest.raises(TypeError) as caught:
        kit.iter_clicks_for_broadcasts([1], per_page=per_page)
    assert str(caught.value) == message
    assert fake_kit.requests == []


@pytest.mark.parametrize(
    ("after", "error", "message"),
    [
        ([(1, "abc")], TypeError, "after must be a mapping of broadcast id to cursor, got list"),
        ("abc", TypeError, "after must be a mapping of broadcast id to cursor, got str"),
        ({"1": "abc"}, TypeError, "broadcast id in after must be an int, got str '1'"),
        ({0: "abc"}, ValueError, "broadcast id in after must be a positive int, got 0"),
        ({True: "abc"}, TypeError, "broadcast id in after must be an int, got bool True"),
        ({1: 17}, TypeError, "after[1] must be a cursor string from a previous page, got int"),
        (
            {1: None},
            TypeError,
            "after[1] must be a cursor string from a previous page, got NoneType",
        ),
        ({1: ""}, ValueError, "after[1] must not be empty"),
    ],
)
async def test_bad_after_is_refused_before_any_request(
    fake_kit: FakeKit, kit, after: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        kit.iter_clicks_for_broadcasts([1], after=after)
    assert str(caught.value) == message
    assert fake_kit.requests == []


@pytest.mark.parametrize("on_missing", [None, "Skip", ["skip"]])
async def test_bad_on_missing_is_refused_naming_the_value(
    fake_kit: FakeKit, kit, on_missing: Any
) -> None:
    with pytest.raises(ValueError) as caught:
        kit.iter_clicks_for_broadcasts([1], on_missing=on_missing)
    assert str(caught.value) == f"on_missing must be 'skip' or 'raise', got {on_missing!r}"
    assert fake_kit.requests == []


async def test_gather_refuses_bad_arguments_before_any_request(fake_kit: FakeKit, kit) -> None:
    with pytest.raises(ValueError, match="buffer must be a positive int, got 0"):
        await deprecated_gather(kit, [1], buffer=0)
    assert fake_kit.requests == []


async def test_unknown_on_missing_is_refused(fake_kit: FakeKit, kit: kit_async.KitClient) -> None:
    with pytest.raises(ValueError, match="on_missing must be 'skip' or 'raise', got 'x'"):
        kit.iter_clicks_for_broadcasts([1], on_missing="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("ids", ["123", b"123"])
async def test_string_of_ids_is_refused(fake_kit: FakeKit, kit, ids: Any) -> None:
    with pytest.raises(TypeError, match="not a string"):
        kit.iter_clicks_for_broadcasts(ids)


async def test_single_int_instead_of_ids_is_refused(
    fake_kit: FakeKit, kit: kit_async.KitClient
) -> None:
    with pytest.raises(TypeError, match="must be an iterable of ints, got int"):
        kit.iter_clicks_for_broadcasts(147)  # type: ignore[arg-type]


@pytest.mark.parametrize("per_page", [0, 1001])
async def test_per_page_out_of_range_is_refused(fake_kit: FakeKit, kit, per_page: int) -> None:
    with pytest.raises(ValueError, match="per_page must be between 1 and 1000"):
        kit.iter_clicks_for_broadcasts([1], per_page=per_page)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("2", TypeError, "broadcast id must be an int, got str '2'"),
        (2.0, TypeError, "broadcast id must be an int, got float 2.0"),
        (True, TypeError, "broadcast id must be an int, got bool True"),
        (0, ValueError, "broadcast id must be a positive int, got 0"),
    ],
)
async def test_bad_id_in_the_ids_is_raised_clearly(
    fake_kit: FakeKit, kit, bad: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        _ = [c async for c in kit.iter_clicks_for_broadcasts([1, bad], concurrency=1)]

    assert str(caught.value) == message
    assert fetcher_tasks() == []


async def test_bad_id_in_a_list_is_refused_before_any_request(fake_kit: FakeKit, kit) -> None:
    with pytest.raises(TypeError, match="broadcast id must be an int, got str '2'"):
        kit.iter_clicks_for_broadcasts([1, 3, "2"], concurrency=1)
    assert fake_kit.requests == []


async def test_bad_id_from_an_async_iterable_is_raised_clearly(fake_kit: FakeKit, kit) -> None:
    async def ids() -> AsyncIterator[Any]:
        yield -3

    with pytest.raises(ValueError, match="broadcast id must be a positive int, got -3"):
        _ = [c async for c in kit.iter_clicks_for_broadcasts(ids())]
