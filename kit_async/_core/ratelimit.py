"""Client-side rate limiting that matches Kit's rolling window.

Kit allows at most N requests in *any* rolling 60-second window per
credential. A leaky or token bucket of capacity N lets almost 2N through in
the first minute and earns 429s; this limiter instead keeps the times of the
last N requests and lets a new one go only when the oldest of them is more
than one window (plus a safety margin) in the past.

A slot is counted from the moment a request is let through until its
response has arrived, and the window is measured from that *arrival*: the
server saw the request no later than that, so two requests one window apart
on the client's clock are at least one window apart at the server, whatever
the network did in between.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from .validation import is_int, is_number

__all__ = ["RateLimit", "StorageUnavailableError"]

log = logging.getLogger("kit_async")

_KEY_PREFIX = "kit_async"


def credential_key(secret: str) -> str:
    """A stable, non-reversible key for one credential's shared budget."""
    return hashlib.sha256(secret.encode()).hexdigest()[:24]


class StorageUnavailableError(Exception):
    """The shared storage could not be read or written (the transport maps it).

    Attributes:
        storage: The storage address without credentials.
    """

    def __init__(self, message: str, *, storage: str) -> None:
        super().__init__(message)
        self.storage = storage


def _redacted(uri: str) -> str:
    """A storage URI without its user name and password (`redis://host:port/db`)."""
    scheme, _, rest = uri.partition("://")
    authority, slash, tail = rest.partition("/")
    host = authority.rpartition("@")[2]
    return f"{scheme}://{host}{slash}{tail.partition('?')[0]}"


class _Window(Protocol):
    async def acquire(self, key: str) -> None: ...

    def release(self) -> None: ...

    def close(self) -> None: ...


class _MemoryWindow:
    """The rolling window kept in this process (one budget per object).

    Times are read from the running event loop's clock (`loop.time()`, the one
    `asyncio.sleep` and `asyncio.timeout` use), so a loop with a virtual clock
    drives the window as well as its timers.
    """

    def __init__(self, requests: int, window: float, finished: tuple[float, ...] = ()) -> None:
        self._requests = requests
        self._window = window
        # When the requests still in the window arrived (loop time), oldest first.
        self._finished: deque[float] = deque(finished)
        self._in_flight = 0
        self._released: asyncio.Event | None = None

    def _free_in(self, now: float) -> float | None:
        """0 if a slot is free now, seconds until one frees, None: wait for a release."""
        horizon = now - self._window
        while self._finished and self._finished[0] <= horizon:
            self._finished.popleft()
        if len(self._finished) + self._in_flight < self._requests:
            return 0.0
        if self._finished:
            return self._finished[0] - horizon
        return None

    async def acquire(self, key: str) -> None:  # noqa: ARG002 - one budget per object
        if self._released is None:
            self._released = asyncio.Event()
        loop = asyncio.get_running_loop()
        while (delay := self._free_in(loop.time())) != 0.0:
            self._released.clear()
            try:
                async with asyncio.timeout(delay):
                    await self._released.wait()
            except TimeoutError:
                pass
        self._in_flight += 1

    def close(self) -> None:
        return None

    def recent(self, now: float) -> tuple[float, ...]:
        """The arrival times still inside the window at `now` (to seed another window)."""
        self._free_in(now)
        return tuple(self._finished)

    def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(asyncio.get_running_loop().time())
        if self._released is not None:
            self._released.set()


class _StorageWindow:
    """A moving window kept in shared storage (Redis) by the `limits` package."""

    def __init__(self, requests: int, window: float, storage: str) -> None:
        try:
            from limits import RateLimitItemPerSecond
            from limits.aio.strategies import MovingWindowRateLimiter
            from limits.storage import storage_from_string
        except ImportError as exc:
            msg = (
                "a shared rate-limit storage needs the 'limits' package: "
                "pip install 'kit-async[redis]'"
            )
            raise ImportError(msg) from exc
        uri = storage if storage.startswith("async+") else f"async+{storage}"
        try:
            backend: Any = storage_from_string(uri)
        except Exception as exc:  # noqa: BLE001 - limits raises several types for a bad URI
            scheme = storage.split(":", 1)[0]
            msg = f"unsupported rate-limit storage scheme {scheme!r}: {exc}"
            raise ValueError(msg) from None
        # limits counts windows in whole seconds; round up so the margin holds.
        self._item = RateLimitItemPerSecond(requests, math.ceil(window))
        self._backend = backend
        self._strategy = MovingWindowRateLimiter(backend)
        self._where = _redacted(storage)
        userinfo = storage.partition("://")[2].partition("/")[0].rpartition("@")[0]
        self._secrets = [part for part in userinfo.split(":") if part]

    async def acquire(self, key: str) -> None:
        try:
            while not await self._strategy.hit(self._item, _KEY_PREFIX, key):
                reset, _ = await self._strategy.get_window_stats(self._item, _KEY_PREFIX, key)
                # Jitter spreads the processes that all wait for the same reset.
                await asyncio.sleep(max(0.005, reset - time.time()) + random.uniform(0, 0.02))  # noqa: S311
        except Exception as exc:  # noqa: BLE001 - each storage driver has its own errors
            detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
            for secret in self._secrets:  # the driver's text may echo the URI
                detail = detail.replace(secret, "***")
            msg = f"the shared rate-limit storage {self._where} is unreachable ({detail})"
            raise StorageUnavailableError(msg, storage=self._where) from None

    def release(self) -> None:
        return None

    def close(self) -> None:
        # `limits` has no close(); its Redis bridge holds a client whose pool
        # can be disconnected. Other storages keep no sockets here.
        client = getattr(getattr(self._backend, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()


class RateLimit:
    """A client-side rolling-window rate limiter: at most `requests` per `period`.

    Pass one to `KitClient(rate_limit=...)`. By default every client makes
    its own: `RateLimit(120, 60.0)` for an API key, `RateLimit(600, 60.0)`
    for an OAuth token, matching Kit's limits. Several clients that use the
    same credential in one process should share one object; several
    processes or machines should share a storage:

    ```python
    limit = kit_async.RateLimit(120, 60.0, storage="redis://localhost:6379/0")
    ```

    Args:
        requests: Requests allowed in any rolling window of `period` seconds.
        period: Length of the window, in seconds.
        margin: Extra seconds added to the window so requests sent exactly
            one period apart never land in one server window. Defaults to
            1% of the period, at most one second.
        storage: A `limits` storage URI (`redis://host:port/db`,
            `redis+sentinel://...`, `memory://`) to share one budget between
            processes (needs `pip install 'kit-async[redis]'`). The shared
            window counts in whole seconds, rounded up from
            `period + margin`, and each request is counted when it is let
            through. `None` (the default) keeps the window in this object.

    Waiters are served in the order they arrived, and a cancelled waiter
    gives up its place.
    """

    def __init__(
        self,
        requests: int,
        period: float,
        *,
        margin: float | None = None,
        storage: str | None = None,
    ) -> None:
        if not is_int(requests) or requests < 1:
            msg = f"requests must be a positive int, got {requests!r}"
            raise ValueError(msg)
        if not is_number(period) or not period > 0:
            msg = f"period must be a positive number of seconds, got {period!r}"
            raise ValueError(msg)
        if margin is None:
            margin = min(1.0, period * 0.01)
        if margin < 0:
            msg = f"margin must not be negative, got {margin!r}"
            raise ValueError(msg)
        self.requests = requests
        self.period = float(period)
        self.margin = float(margin)
        self.storage = storage
        window = self.period + self.margin
        self._window: _Window = (
            _MemoryWindow(requests, window)
            if storage is None
            else _StorageWindow(requests, window, storage)
        )
        # FIFO: asyncio.Lock wakes waiters in arrival order, and drops a
        # cancelled waiter from the queue.
        self._lock: asyncio.Lock | None = None
        self._waiting = 0
        self._waited = 0.0

    def __repr__(self) -> str:
        where = "in memory" if self.storage is None else "in shared storage"
        return f"RateLimit({self.requests}, {self.period}, {where})"

    @property
    def waiting(self) -> int:
        """How many requests are held back right now."""
        return self._waiting

    @property
    def total_wait(self) -> float:
        """Seconds requests have spent held back by this limiter, summed."""
        return self._waited

    async def aclose(self) -> None:
        """Close the connections to a shared storage (a no-op in memory).

        A storage-backed limiter usually lives as long as the process; close
        it when the process (or the test) is done with it.
        """
        self._window.close()

    @asynccontextmanager
    async def slot(self, key: str = "default") -> AsyncIterator[None]:
        """Hold one slot of the window while the request inside is sent.

        `key` names the shared budget in storage (the client passes a hash
        of its credential); the in-memory window ignores it.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        clock = asyncio.get_running_loop()
        started = clock.time()
        self._waiting += 1
        try:
            async with self._lock:
                await self._window.acquire(key)
        finally:
            self._waiting -= 1
            waited = clock.time() - started
            self._waited += waited
        if waited > 0.5:
            log.debug("rate limiter held a request back for %.2f s", waited)
        try:
            yield
        finally:
            self._window.release()
