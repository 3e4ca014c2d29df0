"""Many keys' lists at once, with bounded concurrency: the fan-out engine.

A list's cursor chain is sequential (page 2 needs page 1's cursor), so the
concurrency is across keys: up to `concurrency` fetchers each walk one key's
list (one broadcast's clicks, one tag's subscribers) and hand whole pages to
the consumer through a bounded queue. A slow consumer makes the fetchers wait
(backpressure) instead of letting pages pile up in memory.

`FanOutStream` is the engine, over any function that makes a key's
`AsyncPaginator`; `ClickStream` (`kit_async._resources.broadcast_clicks`) is
the engine over `kit.broadcasts.clicks`.

The stream owns the task that runs the fetchers, so `aclose()` (and leaving
`async with`) can cancel it and wait for it. The iterators it hands out hold
the stream, never the other way round: an iterator dropped after a bare
`break` is freed at once, and its finalizer cancels the fetchers.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sized,
)
from types import TracebackType
from typing import Any, Generic, Literal, NamedTuple, Self, TypeVar, cast

from ..errors import KitError, NotFoundError
from ..models import Page
from .pagination import AsyncPaginator
from .validation import check_id, check_keys, check_resume_cursors

__all__ = ["FanOutStream", "KeyedPage", "over_list_method"]

log = logging.getLogger("kit_async")

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

#: A valid id that names nothing: `over_list_method` checks arguments with it.
_STAND_IN_ID = 1


class KeyedPage(NamedTuple, Generic[K, T]):
    """One page of one key's list, as the fan-out delivers it.

    A named pair: `item.key` and `item.page`, or `key, page = item`.
    `page.cursor` is the cursor that fetched it; when
    `page.pagination.has_next_page` is false that key's list is complete.
    """

    key: K
    page: Page[T]


class _Done:
    pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = _Done()


class FanOutStream(Generic[K, T]):
    """One list per key, such as the subscribers of many tags, fetched concurrently.

    Usually made by `KitClient.fan_out`. Iterate it once, with
    `async for item in stream` (the items of every list) or
    `async for key, page in stream.pages()` (`KeyedPage`s). The items of one
    key keep their order; keys interleave as pages arrive. A key given twice
    is fetched once, where it first appears.

    Use it as an `async with` block (or call `aclose()`) to stop every
    fetcher as soon as you leave the loop early.

    Args:
        fetch: Makes the paginator of one key: `fetch(key, cursor)`, where
            `cursor` is the key's resume cursor from `after`, else `None`.
            Called once per key, by the fetcher that walks it.
        keys: Any iterable or async iterable of keys, read lazily. The keys
            of a collection (list, tuple, set...) are all checked at once;
            others as they are read.
        concurrency: Keys fetched at once, at most; fetchers start only as
            keys need them.
        on_missing: What a 404 for a key does: `"raise"` raises the
            `NotFoundError`, `"skip"` lists the key in `skipped` and goes on.
        skip_errors: Decides, for any other `KitError` of a key, whether to
            skip that key (True: the key and its error go in `failed` and the
            others go on) or to stop the fan-out (False, and the default).
            For example `lambda e: isinstance(e, BadRequestError)`.
        after: Resume cursors, key -> cursor (e.g. `page.pagination.end_cursor`
            of the last page written, or `err.cursor`).
        buffer: Pages held between the fetchers and you, a positive int
            (default: `concurrency`, or fewer when fewer keys are given in a
            sized collection).
        check_key: Checks one key and returns it, raising `TypeError` or
            `ValueError` naming it: `check_key(name, value)`. Default:
            positive ints (Kit's ids).
        key_name: What a key is called in messages (`"tag_id"`).

    Raises:
        TypeError: An argument of the wrong type (a bool is not an int).
        ValueError: An argument out of range. Both are raised here, before
            any request.

    Attributes:
        skipped: Keys that answered 404 and were skipped, in the order they
            were found.
        failed: Keys skipped by `skip_errors`, key -> its error, in the
            order they failed. A key may have delivered pages before it failed.
        completed: Keys whose lists were all delivered, in completion order.
        taken: Keys in the order the fetchers took them, each once.
        pages_fetched: Pages received from Kit so far (for progress displays;
            a few of them may still wait in the buffer for the consumer).
        items_fetched: Items in those pages.
        concurrency: Keys fetched at once, at most.
        on_missing: What a 404 does: `"skip"` or `"raise"`.
    """

    def __init__(
        self,
        fetch: Callable[[K, str | None], AsyncPaginator[T]],
        keys: Iterable[K] | AsyncIterable[K],
        *,
        concurrency: int = 8,
        on_missing: Literal["skip", "raise"] = "raise",
        after: Mapping[K, str] | None = None,
        buffer: int | None = None,
        check_key: Callable[[str, object], K] | None = None,
        key_name: str = "key",
        skip_errors: Callable[[KitError], bool] | None = None,
    ) -> None:
        # Everything is checked here, when the stream is made: a bad argument
        # must fail at the call, not after requests (or never: a buffer of 0
        # would make the queue unbounded).
        if not callable(fetch):
            msg = f"fetch must be a function of (key, cursor), got {type(fetch).__name__}"
            raise TypeError(msg)
        if check_key is None:
            # The default is for int keys only; a stream of other keys passes its own.
            check_key = cast("Callable[[str, object], K]", check_id)
        check_id("concurrency", concurrency)
        if on_missing not in ("skip", "raise"):
            msg = f"on_missing must be 'skip' or 'raise', got {on_missing!r}"
            raise ValueError(msg)
        self._after = check_resume_cursors(after, check_key, key_name)
        if buffer is not None:
            check_id("buffer", buffer)
        if skip_errors is not None and not callable(skip_errors):
            msg = f"skip_errors must be a function of an error, got {type(skip_errors).__name__}"
            raise TypeError(msg)
        check_keys(keys, check_key, key_name)
        self._fetch = fetch
        self._keys = keys
        self._check_key = check_key
        self._key_name = key_name
        self._make_page: Callable[[K, Page[T]], KeyedPage[K, T]] = KeyedPage
        self.concurrency = concurrency
        self.on_missing = on_missing
        if buffer is None:
            # One page per fetcher, and no more fetchers than keys.
            buffer = concurrency
            if isinstance(keys, Sized):
                buffer = max(1, min(concurrency, len(keys)))
        self._buffer = buffer
        self.skipped: list[K] = []
        self.failed: dict[K, KitError] = {}
        self._skip_errors = skip_errors
        self.completed: list[K] = []
        self.pages_fetched = 0
        self.items_fetched = 0
        self.taken: list[K] = []
        self._claimed = False
        self._closed = False
        self._queue: asyncio.Queue[KeyedPage[K, T] | _Done | _Failed] | None = None
        # Strong: the stream must be able to cancel and await it. Nothing it
        # runs refers to the iterators, so they stay free to be collected.
        self._supervisor: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name} concurrency={self.concurrency} completed={len(self.completed)}>"

    def __aiter__(self) -> AsyncIterator[T]:
        self._claim()
        return _Items(self)

    def pages(self) -> AsyncIterator[KeyedPage[K, T]]:
        """Yield each fetched page with its key, empty pages included."""
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
            msg = f"a {type(self).__name__} can be iterated only once"
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

    async def _next_page(self) -> KeyedPage[K, T]:
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
        if isinstance(item, KeyedPage):
            return item
        # The end or a failure: the supervisor has ended or is ending; make
        # sure it is gone before the consumer's next line.
        await self.aclose()
        if isinstance(item, _Failed):
            raise item.error
        raise StopAsyncIteration

    async def _key_source(self) -> AsyncGenerator[K, None]:
        """Each key to fetch, checked, once: where it first appears."""
        seen: set[K] = set()
        given = self._given_keys()
        try:
            async for key in given:
                if key in seen:
                    log.debug("%s %r was given again; fetched once", self._key_name, key)
                    continue
                seen.add(key)
                yield key
        finally:
            # Closed here, not left to the loop's finalizer (a task of its
            # own that would outlive the stream).
            await given.aclose()

    def _given_keys(self) -> AsyncGenerator[K, None]:
        """The keys as given, checked one by one (a subclass may list them itself)."""
        return self._read_keys(self._keys)

    async def _read_keys(self, keys: Iterable[K] | AsyncIterable[K]) -> AsyncGenerator[K, None]:
        check, name = self._check_key, self._key_name
        if isinstance(keys, AsyncIterable):
            async for value in keys:
                yield check(name, value)
        else:
            for value in keys:
                yield check(name, value)

    async def _supervise(self, queue: asyncio.Queue[KeyedPage[K, T] | _Done | _Failed]) -> None:
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

    async def _fan_out(self, queue: asyncio.Queue[KeyedPage[K, T] | _Done | _Failed]) -> None:
        # A fetcher is started only for a key just taken, and only when a
        # slot is free: never more fetchers than keys, nor than `concurrency`.
        slots = asyncio.Semaphore(self.concurrency)
        source = self._key_source()

        async def fetch(key: K) -> None:
            try:
                await self._fetch_one(key, queue)
            finally:
                slots.release()

        try:
            async with asyncio.TaskGroup() as group:
                while True:
                    await slots.acquire()
                    # Not `anext(source, None)`: None could be a key.
                    try:
                        key = await anext(source)
                    except StopAsyncIteration:
                        break
                    self.taken.append(key)
                    group.create_task(
                        fetch(key), name=f"kit_async fan-out: {self._key_name} {key!r}"
                    )
        finally:
            await source.aclose()

    async def _fetch_one(
        self, key: K, queue: asyncio.Queue[KeyedPage[K, T] | _Done | _Failed]
    ) -> None:
        make_page = self._make_page
        paginator = self._fetch(key, self._after.get(key))
        try:
            async for page in paginator.pages():
                self.pages_fetched += 1
                self.items_fetched += len(page.items)
                await queue.put(make_page(key, page))
        except NotFoundError:
            if self.on_missing == "raise":
                raise
            self._log_skipped(key)
            self.skipped.append(key)
            return
        except KitError as error:
            if self._skip_errors is None or not self._skip_errors(error):
                raise
            log.info("%s %r failed (%s); skipped", self._key_name, key, error)
            self.failed[key] = error
            return
        self.completed.append(key)

    def _log_skipped(self, key: K) -> None:
        log.info("%s %r answered 404; skipped", self._key_name, key)


def _key_name(list_method: Callable[..., object]) -> str:
    """The name of the method's first parameter (`broadcast_id`), for messages."""
    try:
        parameters = inspect.signature(list_method).parameters
    except (TypeError, ValueError):  # a builtin or a C callable may have none
        return "key"
    return next(iter(parameters), "key")


def _describe(list_method: Callable[..., object]) -> str:
    """`Broadcasts.clicks`, for messages."""
    name = getattr(list_method, "__qualname__", None)
    return str(name) if name else repr(list_method)


def over_list_method(
    list_method: Callable[..., AsyncPaginator[T]],
    keys: Iterable[int] | AsyncIterable[int],
    *,
    concurrency: int,
    on_missing: Literal["skip", "raise"],
    after: Mapping[int, str] | None,
    buffer: int | None,
    args: tuple[object, ...],
    arguments: Mapping[str, object],
) -> FanOutStream[int, T]:
    """`KitClient.fan_out`: a stream calling `list_method(key, *args, **arguments)` per key."""
    if not callable(list_method):
        msg = (
            "list_method must be a list method of the client, such as "
            f"kit.broadcasts.clicks, got {type(list_method).__name__}"
        )
        raise TypeError(msg)

    def fetch(key: int, cursor: str | None) -> AsyncPaginator[T]:
        if cursor is None:
            return list_method(key, *args, **arguments)
        return list_method(key, *args, after=cursor, **arguments)

    stream = FanOutStream(
        fetch,
        keys,
        concurrency=concurrency,
        on_missing=on_missing,
        after=after,
        buffer=buffer,
        key_name=_key_name(list_method),
    )
    # The method checks its own arguments when it makes a paginator, which
    # sends nothing: make one now, so that a bad argument fails here rather
    # than from the first fetcher. With a resume cursor if there is one (a
    # method may refuse `after=`), else for a stand-in id; it is dropped.
    probe = next(iter((after or {}).items()), (_STAND_IN_ID, None))
    made: object = fetch(*probe)
    if not isinstance(made, AsyncPaginator):
        if inspect.iscoroutine(made):
            made.close()  # never awaited: no "never awaited" warning either
        msg = (
            "list_method must return an AsyncPaginator (a list method such as "
            f"kit.broadcasts.clicks); {_describe(list_method)} returned {type(made).__name__}"
        )
        raise TypeError(msg)
    return stream


class _StreamIterator:
    """What a stream hands out to be iterated; it holds the stream.

    Not an async generator: a generator dropped after a bare `break` would
    need a task of its own to be finalized, and would keep running until
    then. This one cancels the fetchers from its finalizer, at once.
    """

    __slots__ = ("__weakref__", "_stream")

    def __init__(self, stream: FanOutStream[Any, Any]) -> None:
        self._stream = stream

    def __aiter__(self) -> Self:
        return self

    async def aclose(self) -> None:
        """Stop the stream: `FanOutStream.aclose()`."""
        await self._stream.aclose()

    def __del__(self) -> None:
        self._stream._abandon()


class _Pages(_StreamIterator, AsyncIterator[KeyedPage[K, T]]):
    __slots__ = ()

    async def __anext__(self) -> KeyedPage[K, T]:
        return await self._stream._next_page()


class _Items(_StreamIterator, AsyncIterator[T]):
    __slots__ = ("_items",)

    def __init__(self, stream: FanOutStream[Any, T]) -> None:
        super().__init__(stream)
        self._items: Iterator[T] = iter(())

    async def __anext__(self) -> T:
        stream = self._stream
        while not stream._closed:
            for item in self._items:
                return item
            self._items = iter((await stream._next_page()).page.items)
        raise StopAsyncIteration
