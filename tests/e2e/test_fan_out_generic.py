"""End to end: `kit.fan_out(list_method, keys)` and the `FanOutStream` engine.

Two list methods run through the engine here: `kit.broadcasts.clicks` against
FakeKit, and a tags resource written in this file (`Tags.subscribers`,
declared with `ListEndpoint` like the library's own) against a tiny loopback
server of Kit's `GET /v4/tags/{tag_id}/subscribers`. The server counts what
the promises are about: requests in flight per tag, requests as they arrive,
the query each request carried.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import pickle
import warnings
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
from aiohttp import web
from fanout_helpers import (
    PROMPTLY,
    fetcher_tasks,
    left_to_the_loop,
    spin,
    wait_for_no_fetchers,
    within,
)

import kit_async
from kit_async import (
    AsyncPaginator,
    BroadcastClick,
    BroadcastPage,
    FanOutStream,
    InternalServerError,
    KeyedPage,
    NotFoundError,
    UnprocessableEntityError,
)
from kit_async._converter import Envelope
from kit_async._core.declarations import ListEndpoint, Resource
from kit_async._core.validation import MAX_PER_PAGE, check_id
from kit_async.testing import FakeKit

# -- a list method of another resource: the subscribers of a tag ---------------


@attrs.frozen
class TagSubscriber:
    """The part of Kit's tagged subscriber these tests read."""

    id: int
    email_address: str
    state: str


TAG_SUBSCRIBERS = ListEndpoint(
    "/v4/tags/{tag_id}/subscribers", TagSubscriber, Envelope(at=("subscribers",))
)


class Tags(Resource):
    """What `kit.tags` will look like: a declaration and a documented method."""

    def subscribers(
        self,
        tag_id: int,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        status: str | None = None,
    ) -> AsyncPaginator[TagSubscriber]:
        """The subscribers of one tag."""
        return TAG_SUBSCRIBERS.paginate(
            self._transport,
            path_params={"tag_id": check_id("tag_id", tag_id)},
            params={"status": status},
            per_page=per_page,
            after=after,
        )

    def every_tag(self, *, per_page: int = MAX_PER_PAGE) -> AsyncPaginator[TagSubscriber]:
        """A list method that takes no key (the wrong kind for a fan-out)."""
        return TAG_SUBSCRIBERS.paginate(self._transport, per_page=per_page)

    def without_resume(self, tag_id: int) -> AsyncPaginator[TagSubscriber]:
        """A list method that cannot resume: it takes no `after=`."""
        return self.subscribers(tag_id)


def tags_of(kit: kit_async.KitClient) -> Tags:
    return Tags(kit._transport)


def index_of(subscriber: TagSubscriber) -> int:
    """The server's email addresses start with the subscriber's position in its tag."""
    return int(subscriber.email_address.split("@", 1)[0])


def tag_of(subscriber: TagSubscriber) -> int:
    return subscriber.id // 100_000


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TagServer:
    """Kit's `GET /v4/tags/{tag_id}/subscribers` on loopback, and what it saw.

    Cursors are `"c<n>"`: the page after it starts at subscriber `n`. A tag
    it does not know answers 404; a cursor it did not issue, 422.
    """

    def __init__(self, sizes: dict[int, int], *, latency: float = 0.0) -> None:
        self.sizes = sizes
        self.latency = latency
        self.url = ""
        self.arrivals = 0
        self.queries: list[tuple[int, dict[str, str]]] = []
        self.in_flight: Counter[int] = Counter()
        self.peak = 0
        self.peak_per_tag = 0
        #: (tag_id, cursor) -> how many more times to answer 500.
        self.failures: dict[tuple[int, str | None], int] = {}

    def subscribers(self, tag_id: int) -> list[dict[str, Any]]:
        return [
            {
                "id": tag_id * 100_000 + i,
                "email_address": f"{i}@tag{tag_id}.example",
                "state": "active",
            }
            for i in range(self.sizes[tag_id])
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        tag_id = int(request.match_info["tag_id"])
        query = dict(request.query)
        self.arrivals += 1
        self.in_flight[tag_id] += 1
        self.peak = max(self.peak, self.in_flight.total())
        self.peak_per_tag = max(self.peak_per_tag, self.in_flight[tag_id])
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            self.queries.append((tag_id, query))
            return self._answer(tag_id, query)
        finally:
            self.in_flight[tag_id] -= 1

    def _answer(self, tag_id: int, query: dict[str, str]) -> web.StreamResponse:
        cursor = query.get("after")
        if self.failures.get((tag_id, cursor), 0) > 0:
            self.failures[tag_id, cursor] -= 1
            return web.json_response({}, status=500)
        if tag_id not in self.sizes:
            return web.json_response({"errors": ["Not Found"]}, status=404)
        size, per_page = self.sizes[tag_id], int(query["per_page"])
        start = 0
        if cursor is not None:
            if not cursor.startswith("c") or not cursor[1:].isdigit():
                return web.json_response({"errors": ["Invalid cursor"]}, status=422)
            start = int(cursor[1:])
        end = min(start + per_page, size)
        return web.json_response(
            {
                "subscribers": self.subscribers(tag_id)[start:end],
                "pagination": {
                    "has_previous_page": start > 0,
                    "has_next_page": end < size,
                    "start_cursor": f"c{start}",
                    "end_cursor": f"c{end}",
                    "per_page": per_page,
                },
            }
        )

    def requests_of(self, tag_id: int) -> list[dict[str, str]]:
        return [query for tag, query in self.queries if tag == tag_id]


@asynccontextmanager
async def tag_server(sizes: dict[int, int], **options: Any) -> AsyncIterator[TagServer]:
    server = TagServer(sizes, **options)
    app = web.Application()
    app.router.add_get("/v4/tags/{tag_id}/subscribers", server.handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@asynccontextmanager
async def client_for(url: str, **options: Any) -> AsyncIterator[kit_async.KitClient]:
    options.setdefault("rate_limit", None)
    async with kit_async.KitClient("kit_test", base_url=url, timeout=5.0, **options) as client:
        yield client


@asynccontextmanager
async def tags_at(
    sizes: dict[int, int], **options: Any
) -> AsyncIterator[tuple[TagServer, kit_async.KitClient, Tags]]:
    async with tag_server(sizes, **options) as server, client_for(server.url) as kit:
        yield server, kit, tags_of(kit)


# -- helpers ------------------------------------------------------------------


async def collect(stream: FanOutStream[Any, TagSubscriber], into: list[TagSubscriber]) -> None:
    """Keep every item that arrived, even when the stream then fails."""
    async for subscriber in stream:
        into.append(subscriber)  # noqa: PERF401 - what arrived before an error must be kept


async def settled(stream: FanOutStream[Any, Any]) -> int:
    """`stream.pages_fetched` once it has stopped growing for 0.1 s."""
    last = -1
    while stream.pages_fetched != last:
        last = stream.pages_fetched
        await asyncio.sleep(0.1)
    return last


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


EIGHT_TAGS = dict.fromkeys(range(1, 9), 120)


# -- what is delivered --------------------------------------------------------


async def test_items_of_one_key_keep_their_order() -> None:
    async with tags_at(EIGHT_TAGS, latency=0.002) as (_, kit, tags):
        found = [s async for s in kit.fan_out(tags.subscribers, range(1, 9), per_page=25)]

    for tag_id in range(1, 9):
        assert [index_of(s) for s in found if tag_of(s) == tag_id] == list(range(120))


async def test_every_item_is_delivered_exactly_once() -> None:
    async with tags_at(EIGHT_TAGS, latency=0.002) as (server, kit, tags):
        stream = kit.fan_out(tags.subscribers, range(1, 9), concurrency=3, per_page=50)
        found = [s async for s in stream]

    seen = Counter(s.id for s in found)
    assert set(seen) == {raw["id"] for tag in range(1, 9) for raw in server.subscribers(tag)}
    assert max(seen.values()) == 1
    assert stream.items_fetched == len(found) == 8 * 120
    assert stream.pages_fetched == 8 * 3  # pages of 50, 50, 20
    assert sorted(stream.completed) == list(range(1, 9))


async def test_pages_come_as_key_and_page_pairs() -> None:
    async with tags_at({4: 30, 7: 5}) as (_, kit, tags):
        items = [item async for item in kit.fan_out(tags.subscribers, [4, 7], per_page=20).pages()]

    assert all(isinstance(item, KeyedPage) for item in items)
    by_key = {(key, page.cursor): len(page.items) for key, page in items}
    assert by_key == {(4, None): 20, (4, "c20"): 10, (7, None): 5}
    assert {item.key for item in items} == {4, 7}


async def test_arguments_reach_every_call_of_the_method() -> None:
    async with tags_at({1: 30, 2: 30}) as (server, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 2], per_page=10, status="active")
        _ = [s async for s in stream]

    assert len(server.queries) == 6
    assert {(q["per_page"], q["status"]) for _, q in server.queries} == {("10", "active")}


async def test_keys_interleave_as_pages_arrive() -> None:
    async with tags_at(dict.fromkeys(range(1, 5), 50), latency=0.005) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 2, 3, 4], concurrency=4, per_page=10)
        order = [item.key async for item in stream.pages()]

    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches > 3  # one key after the other would switch 3 times
    assert Counter(order) == {1: 5, 2: 5, 3: 5, 4: 5}


@pytest.mark.parametrize("kind", ["list", "generator", "async"])
async def test_a_repeated_key_is_fetched_and_delivered_once(kind: str) -> None:
    given = [3, 1, 3, 2, 1, 3]

    async def agen() -> AsyncIterator[int]:
        for tag_id in given:
            await asyncio.sleep(0)
            yield tag_id

    keys: Any = {"list": given, "generator": iter(given), "async": agen()}[kind]
    async with tags_at({1: 20, 2: 20, 3: 20}) as (server, kit, tags):
        stream = kit.fan_out(tags.subscribers, keys, concurrency=1, per_page=10)
        order = [item.key async for item in stream.pages()]

    assert order == [3, 3, 1, 1, 2, 2]
    assert Counter(tag for tag, _ in server.queries) == {1: 2, 2: 2, 3: 2}
    assert stream.taken == stream.completed == [3, 1, 2]


async def test_keys_of_a_generator_are_read_lazily() -> None:
    pulled: list[int] = []

    def keys() -> Iterator[int]:
        for tag_id in (1, 2):
            pulled.append(tag_id)
            yield tag_id

    async with tags_at({1: 5, 2: 5}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, keys())
        assert pulled == []
        found = [s async for s in stream]

    assert pulled == [1, 2]
    assert len(found) == 10


async def test_making_the_stream_sends_nothing() -> None:
    async with tags_at({1: 5}) as (server, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1], per_page=5, after={1: "c2"})
        await spin(0.05)
        assert server.arrivals == 0
        async with stream:
            pass
        assert [s async for s in stream] == []
        assert server.arrivals == 0


# -- over kit.broadcasts.clicks -------------------------------------------------


async def test_fan_out_over_broadcast_clicks_delivers_what_the_named_shortcut_does(
    fake_kit: FakeKit, kit: kit_async.KitClient
) -> None:
    ids = [3, 1, 2]
    generic = kit.fan_out(kit.broadcasts.clicks, ids, concurrency=2, per_page=500)
    by_generic = [c async for c in generic]
    shortcut = [c async for c in kit.iter_clicks_for_broadcasts(ids, concurrency=2, per_page=500)]

    def key(click: BroadcastClick) -> tuple[int, str]:
        return click.broadcast_id, click.url

    assert sorted(by_generic, key=key) == sorted(shortcut, key=key)
    assert Counter(c.broadcast_id for c in by_generic) == {1: 1200, 2: 1200, 3: 1200}
    for broadcast_id in ids:
        urls = [c.url for c in by_generic if c.broadcast_id == broadcast_id]
        assert urls == [raw["url"] for raw in fake_kit.clicks_of(broadcast_id)]
    assert generic.taken == [3, 1, 2]


async def test_fan_out_over_broadcast_clicks_raises_a_draft_404_by_default(
    fake_kit: FakeKit, kit: kit_async.KitClient
) -> None:
    # Unlike iter_clicks_for_broadcasts (made for broadcasts, where a draft
    # is expected), the generic fan-out treats a missing key as an error.
    stream = kit.fan_out(kit.broadcasts.clicks, [1, 9], concurrency=1)

    with pytest.raises(NotFoundError) as caught:
        _ = [c async for c in stream]

    assert caught.value.resource_id == 9
    assert caught.value.path_params == {"broadcast_id": 9}
    assert stream.completed == [1]


async def test_fan_out_over_broadcast_clicks_skips_drafts_when_asked(
    fake_kit: FakeKit, kit: kit_async.KitClient
) -> None:
    stream = kit.fan_out(kit.broadcasts.clicks, [9, 2, 10], on_missing="skip")
    clicks = [c async for c in stream]

    assert stream.skipped == [9, 10]
    assert {c.broadcast_id for c in clicks} == {2}


async def test_click_stream_is_the_engine_and_its_pages_keyed_pages(
    fake_kit: FakeKit, kit: kit_async.KitClient
) -> None:
    stream = kit.iter_clicks_for_broadcasts([2], per_page=1000)
    assert isinstance(stream, FanOutStream)
    items = [item async for item in stream.pages()]

    assert [type(item) for item in items] == [BroadcastPage, BroadcastPage]
    assert all(isinstance(item, KeyedPage) for item in items)
    first = items[0]
    assert first.key == first.broadcast_id == 2
    assert stream.clicks_fetched == stream.items_fetched == 1200


def test_broadcast_page_keeps_its_name_keyword_and_repr() -> None:
    page: kit_async.Page[BroadcastClick] = kit_async.Page(items=(), pagination=_LAST_PAGE)
    item = BroadcastPage(broadcast_id=5, page=page)

    assert item == (5, page)
    assert item == BroadcastPage(5, page)
    assert repr(item) == f"BroadcastPage(broadcast_id=5, page={page!r})"
    assert pickle.loads(pickle.dumps(item)) == item  # noqa: S301 - our own bytes
    assert type(pickle.loads(pickle.dumps(item))) is BroadcastPage  # noqa: S301


_LAST_PAGE = kit_async.Pagination(
    has_previous_page=False, has_next_page=False, start_cursor=None, end_cursor=None, per_page=10
)


# -- missing keys ---------------------------------------------------------------


async def test_a_missing_key_raises_after_the_pages_fetched_before_it() -> None:
    async with tags_at({1: 25}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 99], concurrency=1, per_page=10)
        delivered: list[TagSubscriber] = []
        with pytest.raises(NotFoundError) as caught:
            await collect(stream, delivered)

    error = caught.value
    assert (error.resource_id, error.status_code) == (99, 404)
    assert (error.method, error.path) == ("GET", "/v4/tags/99/subscribers")
    assert error.path_params == {"tag_id": 99}
    assert [index_of(s) for s in delivered] == list(range(25))
    assert stream.skipped == []


async def test_on_missing_skip_lists_the_key_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async with tags_at({1: 5, 3: 5}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [98, 1, 99, 3], on_missing="skip", concurrency=1)
        with caplog.at_level("INFO", logger="kit_async"):
            found = [s async for s in stream]

    assert stream.skipped == [98, 99]
    assert stream.completed == [1, 3]
    assert len(found) == 10
    assert [r.getMessage() for r in caplog.records if "404" in r.getMessage()] == [
        "tag_id 98 answered 404; skipped",
        "tag_id 99 answered 404; skipped",
    ]


# -- errors carry the key, and resume there -----------------------------------------


async def test_a_server_error_names_the_key_and_the_cursor() -> None:
    async with tags_at(dict.fromkeys(range(1, 6), 40)) as (server, kit, tags):
        server.failures[3, "c20"] = 10  # more than the 4 attempts of the tests
        stream = kit.fan_out(tags.subscribers, range(1, 6), concurrency=2, per_page=10)
        with pytest.raises(InternalServerError) as caught:
            _ = [s async for s in stream]

    error = caught.value
    assert (error.resource_id, error.cursor, error.attempts) == (3, "c20", 4)
    assert error.path_params == {"tag_id": 3}
    assert "/v4/tags/3/subscribers" in str(error)
    assert fetcher_tasks() == []


async def test_a_failed_key_resumes_from_the_cursor_in_the_error() -> None:
    async with tags_at({1: 50, 2: 50}) as (server, kit, tags):
        server.failures[2, "c30"] = 10
        delivered: list[TagSubscriber] = []
        with pytest.raises(InternalServerError) as caught:
            await collect(kit.fan_out(tags.subscribers, [2], per_page=10), delivered)
        server.failures.clear()

        error = caught.value
        resumed = kit.fan_out(
            tags.subscribers, [error.resource_id], per_page=10, after={2: str(error.cursor)}
        )
        delivered += [s async for s in resumed]

    assert [index_of(s) for s in delivered] == list(range(50))


async def test_after_resumes_only_its_own_key() -> None:
    async with tags_at({1: 30, 2: 30}) as (server, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 2], per_page=10, after={2: "c20"})
        found = [s async for s in stream]

    assert [index_of(s) for s in found if tag_of(s) == 1] == list(range(30))
    assert [index_of(s) for s in found if tag_of(s) == 2] == list(range(20, 30))
    assert server.requests_of(2)[0]["after"] == "c20"
    assert "after" not in server.requests_of(1)[0]


async def test_an_unprocessable_cursor_is_raised_with_its_key() -> None:
    async with tags_at({1: 5, 2: 5}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 2], after={2: "not-ours"})
        with pytest.raises(UnprocessableEntityError) as caught:
            _ = [s async for s in stream]

    assert (caught.value.resource_id, caught.value.cursor) == (2, "not-ours")


# -- bounded concurrency and backpressure ---------------------------------------


async def test_at_most_concurrency_keys_are_in_flight_at_the_server() -> None:
    async with tags_at(dict.fromkeys(range(1, 13), 30), latency=0.01) as (server, kit, tags):
        found = [
            s async for s in kit.fan_out(tags.subscribers, range(1, 13), concurrency=3, per_page=10)
        ]

    assert len(found) == 12 * 30
    assert server.peak == 3  # bounded, and the bound is used
    assert server.peak_per_tag == 1  # one key's pages are a chain


@within(5)
async def test_a_slow_consumer_holds_the_fetchers_back() -> None:
    concurrency, buffer = 2, 3
    async with tags_at(dict.fromkeys(range(1, 5), 2000)) as (server, kit, tags):
        stream = kit.fan_out(
            tags.subscribers, [1, 2, 3, 4], concurrency=concurrency, buffer=buffer, per_page=10
        )
        pages = stream.pages()
        await anext(pages)  # take one page of 800, then stop consuming
        held = await settled(stream)
        arrived = server.arrivals
        await stream.aclose()

    # 1 consumed + `buffer` queued + one page per fetcher blocked on the full queue.
    assert held == 1 + buffer + concurrency
    assert arrived == held  # nothing fetched ahead behind the counter's back


@within(5)
async def test_the_default_buffer_is_no_larger_than_the_number_of_keys() -> None:
    async with tags_at({1: 2000, 2: 2000}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1, 2], concurrency=8, per_page=10)
        pages = stream.pages()  # kept: a dropped iterator would stop the fetchers
        await anext(pages)
        held = await settled(stream)
        await stream.aclose()

    assert held == 1 + 2 + 2


# -- leaving early ----------------------------------------------------------------


@within(5)
@pytest.mark.parametrize("style", ["items", "pages"])
async def test_leaving_async_with_stops_every_fetcher_before_the_next_line(
    style: str, loop_errors: list[dict[str, Any]]
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with tags_at(dict.fromkeys(range(1, 11), 500), latency=0.02) as (server, kit, tags):
            with left_to_the_loop() as left:
                async with kit.fan_out(
                    tags.subscribers, range(1, 11), concurrency=4, per_page=50
                ) as stream:
                    seen = 0
                    async for _ in stream if style == "items" else stream.pages():
                        seen += 1
                        if seen == (60 if style == "items" else 6):
                            break
                # No loop turn in between: the fetchers are gone already...
                assert fetcher_tasks() == []
                sent = server.arrivals
                await spin()
                # ...and the server hears nothing more.
                assert server.arrivals == sent
                assert left == []
        assert_clean(loop_errors, caught)


@within(5)
async def test_a_bare_break_stops_every_fetcher_when_the_iterator_is_dropped(
    loop_errors: list[dict[str, Any]],
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with tags_at(dict.fromkeys(range(1, 11), 500), latency=0.02) as (server, kit, tags):
            stream = kit.fan_out(tags.subscribers, range(1, 11), concurrency=4, per_page=50)
            iterator = aiter(stream)
            dropped = weakref.ref(iterator)
            async for subscriber in iterator:
                if index_of(subscriber) == 20:
                    break
            del iterator
            turns = await wait_for_no_fetchers()
            assert dropped() is None
            sent = server.arrivals
            await spin()
            assert server.arrivals == sent
            assert stream.pages_fetched < 10 * 10
        assert_clean(loop_errors, caught)

    assert turns <= PROMPTLY


@within(5)
async def test_cancelling_the_consumer_task_cancels_every_fetcher(
    loop_errors: list[dict[str, Any]],
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with tags_at(dict.fromkeys(range(1, 11), 500), latency=0.02) as (_, kit, tags):
            got_some = asyncio.Event()

            async def consume() -> None:
                async for subscriber in kit.fan_out(
                    tags.subscribers, range(1, 11), concurrency=4, per_page=50
                ):
                    if index_of(subscriber) == 120:
                        got_some.set()

            task = asyncio.create_task(consume())
            await got_some.wait()
            task.cancel()
            await asyncio.wait([task], timeout=1.0)
            assert task.cancelled()
            assert fetcher_tasks() == []
        assert_clean(loop_errors, caught)


@within(5)
async def test_a_failed_fan_out_leaves_no_task_and_sends_nothing_more(
    loop_errors: list[dict[str, Any]],
) -> None:
    async with tags_at(dict.fromkeys(range(1, 11), 500), latency=0.01) as (server, kit, tags):
        server.failures[5, None] = 10
        with pytest.raises(InternalServerError):
            _ = [
                s
                async for s in kit.fan_out(
                    tags.subscribers, range(1, 11), concurrency=4, per_page=50
                )
            ]
        assert fetcher_tasks() == []
        sent = server.arrivals
        await spin(0.05)
        assert server.arrivals == sent
    assert_clean(loop_errors, [])


# -- the engine itself, over other keys -----------------------------------------------


def check_name(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        msg = f"{name} must be a non-empty str, got {value!r}"
        raise TypeError(msg)
    return value


async def test_the_engine_takes_keys_of_any_kind_with_their_own_check() -> None:
    ids = {"news": 1, "vip": 2}
    async with tags_at({1: 15, 2: 15}) as (_, _kit, tags):

        def by_name(name: str, cursor: str | None) -> AsyncPaginator[TagSubscriber]:
            return tags.subscribers(ids[name], per_page=10, after=cursor)

        stream = FanOutStream(
            by_name, ["vip", "news", "vip"], check_key=check_name, key_name="tag name"
        )
        pages = [(key, len(page.items)) async for key, page in stream.pages()]

    assert sorted(pages) == [("news", 5), ("news", 10), ("vip", 5), ("vip", 10)]
    assert stream.taken == ["vip", "news"]
    names: list[Any] = ["vip", 3]
    with pytest.raises(TypeError, match="tag name must be a non-empty str, got 3"):
        FanOutStream(by_name, names, check_key=check_name, key_name="tag name")
    with pytest.raises(TypeError, match="tag name in after must be a non-empty str, got ''"):
        FanOutStream(by_name, ["vip"], after={"": "c1"}, check_key=check_name, key_name="tag name")


def tag_or_none(name: str, value: object) -> int | None:
    return None if value is None else check_id(name, value)


async def test_a_key_that_is_none_is_fetched_like_any_other() -> None:
    # The account-wide list as the `None` key: the end of the keys is not a
    # key that happens to be falsy or None.
    async with tags_at({1: 5, 2: 5}) as (_, _kit, tags):

        def fetch(tag_id: int | None, cursor: str | None) -> AsyncPaginator[TagSubscriber]:
            return tags.subscribers(tag_id or 2, after=cursor)

        stream = FanOutStream(fetch, [1, None], check_key=tag_or_none, concurrency=1)
        found = [s async for s in stream]

    assert stream.completed == [1, None]
    assert len(found) == 10


async def test_the_engine_repr_names_its_class() -> None:
    async with tags_at({1: 5}) as (_, kit, tags):
        stream = kit.fan_out(tags.subscribers, [1], concurrency=2)
        assert repr(stream) == "<FanOutStream concurrency=2 completed=0>"
        _ = [s async for s in stream]
        assert repr(stream) == "<FanOutStream concurrency=2 completed=1>"
        with pytest.raises(RuntimeError, match="a FanOutStream can be iterated only once"):
            stream.pages()


# -- bad arguments: refused at the call, before any request -------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"per_pag": 10}, TypeError, "got an unexpected keyword argument 'per_pag'"),
        ({"per_page": 0}, ValueError, "per_page must be between 1 and 1000, got 0"),
        ({"per_page": "10"}, TypeError, "per_page must be an int, got str '10'"),
    ],
)
async def test_a_bad_argument_for_the_method_is_refused_at_the_call(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with tags_at({1: 5}) as (server, kit, tags):
        with pytest.raises(error) as caught:
            kit.fan_out(tags.subscribers, [1], **arguments)
        await spin(0.02)
        assert server.arrivals == 0

    assert message in str(caught.value)


async def test_a_method_without_after_is_refused_only_when_resuming() -> None:
    async with tags_at({1: 5}) as (server, kit, tags):
        found = [s async for s in kit.fan_out(tags.without_resume, [1])]
        assert len(found) == 5
        sent = server.arrivals

        with pytest.raises(TypeError, match="unexpected keyword argument 'after'"):
            kit.fan_out(tags.without_resume, [1], after={1: "c2"})
        assert server.arrivals == sent


async def test_a_method_that_takes_no_key_is_refused(fake_kit: FakeKit, kit) -> None:
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        kit.fan_out(kit.broadcasts.list, [1])
    assert fake_kit.requests == []


async def test_a_method_that_is_not_a_list_is_refused_without_a_warning(
    fake_kit: FakeKit, kit, loop_errors: list[dict[str, Any]]
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError) as refused:
            kit.fan_out(kit.broadcasts.get, [1])
        gc.collect()
    assert str(refused.value) == (
        "list_method must return an AsyncPaginator (a list method such as "
        "kit.broadcasts.clicks); Broadcasts.get returned coroutine"
    )
    assert_clean(loop_errors, caught)
    assert fake_kit.requests == []


@pytest.mark.parametrize("list_method", [None, 3, "kit.broadcasts.clicks"])
async def test_a_list_method_that_is_not_callable_is_refused(
    fake_kit: FakeKit, kit, list_method: Any
) -> None:
    with pytest.raises(TypeError) as caught:
        kit.fan_out(list_method, [1])
    assert str(caught.value) == (
        "list_method must be a list method of the client, such as kit.broadcasts.clicks, "
        f"got {type(list_method).__name__}"
    )


@pytest.mark.parametrize(
    ("keys", "error", "message"),
    [
        ([1, "2"], TypeError, "broadcast_id must be an int, got str '2'"),
        ([1, 0], ValueError, "broadcast_id must be a positive int, got 0"),
        ([True], TypeError, "broadcast_id must be an int, got bool True"),
        ("12", TypeError, "keys must be an iterable of keys, not a string"),
        (12, TypeError, "keys must be an iterable or async iterable of keys, got int"),
    ],
)
async def test_bad_keys_are_refused_naming_the_methods_parameter(
    fake_kit: FakeKit, kit, keys: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        kit.fan_out(kit.broadcasts.clicks, keys)
    assert str(caught.value) == message
    assert fake_kit.requests == []


async def test_a_bad_key_from_a_generator_is_raised_from_the_loop(fake_kit: FakeKit, kit) -> None:
    stream = kit.fan_out(kit.broadcasts.clicks, (k for k in [1, -2]), concurrency=1)

    with pytest.raises(ValueError, match="broadcast_id must be a positive int, got -2"):
        _ = [c async for c in stream]
    assert fetcher_tasks() == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"concurrency": 0}, ValueError, "concurrency must be a positive int, got 0"),
        ({"buffer": 0}, ValueError, "buffer must be a positive int, got 0"),
        (
            {"on_missing": "ignore"},
            ValueError,
            "on_missing must be 'skip' or 'raise', got 'ignore'",
        ),
        (
            {"after": [(1, "c")]},
            TypeError,
            "after must be a mapping of broadcast_id to cursor, got list",
        ),
        ({"after": {"1": "c"}}, TypeError, "broadcast_id in after must be an int, got str '1'"),
        ({"after": {1: ""}}, ValueError, "after[1] must not be empty"),
        ({"after": {1: "c"}, "before": "d"}, ValueError, "pass either after= or before=, not both"),
    ],
)
async def test_bad_options_are_refused_at_the_call(
    fake_kit: FakeKit, kit, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        kit.fan_out(kit.broadcasts.clicks, [1], **options)
    assert str(caught.value) == message
    assert fake_kit.requests == []


def test_the_engine_refuses_a_fetch_that_is_not_callable() -> None:
    with pytest.raises(TypeError, match="fetch must be a function of \\(key, cursor\\), got int"):
        FanOutStream(3, [1])  # type: ignore[arg-type]
