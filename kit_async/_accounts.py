"""`KitAccounts`: the connected accounts of a Kit App, served from one pool.

One aiohttp session (one connection pool) for every account; per account, one
`StoreAuth` (so concurrent clients of an account refresh once) and one rate
limit (Kit's budget is per OAuth token). That per-account state lives while
a client of the account does; then the pool keeps it whole for the last
`HOT_ACCOUNTS` accounts used, and for the others only the arrival times of
their requests still in Kit's window (so an account that comes back starts
from its spent budget), until `idle_after` has passed since the account's
last request. The process's memory follows the accounts in use, not the
accounts connected.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import NoReturn

import aiohttp
import attrs

from ._client import KitClient
from ._core.config import OAUTH_LIMIT, prebuilt, resolve_base_url
from ._core.ratelimit import RateLimit, _MemoryWindow
from ._core.retry import RetryPolicy
from ._core.store_auth import DisconnectCallback, StoreAuth
from ._core.transport import Transport
from ._core.validation import check_credential, check_timeout, is_int, is_number
from .errors import ClientClosedError
from .oauth._store import OpenedAsContext, TokenStore

__all__ = ["KitAccounts"]

#: Accounts whose whole state (auth with its pair, rate limiter) the pool keeps
#: after their clients are gone, the most recently used first: a web app that
#: builds a client per request then reads the pair from the store once.
HOT_ACCOUNTS = 1000


class _Account(RateLimit):
    """One account's state: its rate limit, and the auth its clients share.

    Every request of the account passes through `slot`, so it is where the
    pool learns that the account is in use and when it last was.
    """

    def __init__(
        self, pool: KitAccounts, account_id: int, auth: StoreAuth, finished: tuple[float, ...]
    ) -> None:
        super().__init__(*OAUTH_LIMIT)
        shared = pool._shared_limit
        if shared is not None:
            # One storage connection for every account; each account still
            # gets its own queue, so one account's wait holds no other back.
            self._window = shared._window
            self.storage = shared.storage
        elif finished:
            self._window = _MemoryWindow(self.requests, self.period + self.margin, finished)
        self.pool = pool
        self.account_id = account_id
        self.auth = auth
        self.in_flight = 0
        self.last_used = 0.0

    @asynccontextmanager
    async def slot(self, key: str = "default") -> AsyncIterator[None]:
        """Hold one slot of the account's window (see `RateLimit.slot`)."""
        self.in_flight += 1
        self.pool._touch(self)
        try:
            async with super().slot(key):
                yield
        finally:
            self.in_flight -= 1
            self.pool._touch(self)


def _retry_policy(max_retries: object) -> RetryPolicy:
    if max_retries is None:
        return RetryPolicy()
    if not is_int(max_retries) or max_retries < 0:
        msg = f"max_retries must be an int >= 0, got {max_retries!r}"
        raise ValueError(msg)
    return attrs.evolve(RetryPolicy(), max_retries=max_retries)


class KitAccounts(OpenedAsContext):
    """The connected accounts of a Kit App: a `KitClient` for any of them, from one pool.

    ```python
    from kit_async.oauth import MemoryTokenStore

    store = MemoryTokenStore()  # an app's: open_token_store(url, encryption_key=...)
    async with kit_async.KitAccounts(token_store=store, client_id="your-client-id") as accounts:
        for account_id in await accounts.connected():
            account = await accounts.client(account_id).account.get()
            print(account_id, account.name)
    ```

    Every client shares the pool's one aiohttp session, so at most
    `connection_limit` connections are open whatever the number of accounts.
    Each account has its own rate limit, Kit's 600 requests per 60 seconds
    per OAuth token: an account that spends its budget holds no other
    account back. Each account's pair is read from `token_store` on its
    first request and refreshed through the store's lock, once per process
    however many clients of the account run at once.

    What the pool keeps per account (its auth and its rate-limit window) is
    dropped once no client of the account is left and its last request
    finished `idle_after` seconds ago; the next request reads the pair from
    the store again. Build one pool per process (each worker its own).

    Args:
        token_store: Where the accounts' pairs are (a `kit_async.oauth`
            store, opened).
        client_id: Your app's OAuth client id.
        client_secret: Your app's client secret, if it has one.
        rate_limit_storage: A `limits` storage URI (`redis://host:6379/0`)
            to share each account's budget between processes and machines
            (needs `kit-async[redis]`); `None` (the default) keeps each
            account's window in this process. Per OAuth token, as Kit counts.
        base_url: Kit's origin (default `KIT_BASE_URL`, else
            `https://api.kit.com`); tokens are refreshed at
            `{base_url}/v4/oauth/token`.
        on_disconnected: Called (a plain function or a coroutine function)
            with the account id and the reason (`"invalid_grant"`,
            `"revoked"`) when Kit refuses an account's pair; the store has
            marked it disconnected by then.
        timeout: Seconds allowed for each request attempt.
        max_retries: Retries after a first failed attempt (see `RetryPolicy`).
        connection_limit: Connections the shared session opens at most, for
            all accounts together (aiohttp's `TCPConnector(limit=...)`).
        idle_after: Seconds after its last request before an account's state
            may be dropped. The default, Kit's window plus the limiter's
            margin (60.6 s), drops nothing that could still matter; a shorter
            one lets an account that comes back sooner start a fresh window,
            which may earn 429s if it had spent most of its budget.

    Raises:
        TypeError: `token_store` is not a `TokenStore`.
        ValueError: an empty `client_id` or `client_secret`, a bad
            `base_url`, `timeout`, `max_retries`, `connection_limit` or
            `idle_after`, or a `rate_limit_storage` of an unknown scheme.
    """

    def __init__(
        self,
        *,
        token_store: TokenStore,
        client_id: str,
        client_secret: str | None = None,
        rate_limit_storage: str | None = None,
        base_url: str | None = None,
        on_disconnected: DisconnectCallback | None = None,
        timeout: float = 30.0,
        max_retries: int | None = None,
        connection_limit: int = 100,
        idle_after: float | None = None,
    ) -> None:
        if not isinstance(token_store, TokenStore):
            msg = f"token_store must be a kit_async.oauth token store, got {type(token_store).__name__}"
            raise TypeError(msg)
        if not is_int(connection_limit) or connection_limit < 1:
            msg = f"connection_limit must be a positive int, got {connection_limit!r}"
            raise ValueError(msg)
        if idle_after is not None and (not is_number(idle_after) or not idle_after > 0):
            msg = f"idle_after must be a positive number of seconds, got {idle_after!r}"
            raise ValueError(msg)
        self._store = token_store
        self._client_id = check_credential("client_id", client_id)
        self._client_secret = (
            None if client_secret is None else check_credential("client_secret", client_secret)
        )
        self.base_url = resolve_base_url(base_url)
        self._token_url = f"{self.base_url}/v4/oauth/token"
        self._on_disconnected = on_disconnected
        self._timeout = check_timeout(timeout)
        self._retry = _retry_policy(max_retries)
        self.connection_limit = connection_limit
        # Only for its storage connection, which every account's limit shares.
        self._shared_limit = (
            None
            if rate_limit_storage is None
            else RateLimit(*OAUTH_LIMIT, storage=rate_limit_storage)
        )
        probe = RateLimit(*OAUTH_LIMIT)
        self.idle_after = (
            float(idle_after) if idle_after is not None else probe.period + probe.margin
        )
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # Every account's state while something uses it (a client, a
        # paginator), so that a second client of the account shares it; a
        # weak reference, whose callback keeps what must outlive it.
        self._live: dict[int, weakref.ref[_Account]] = {}
        # Strongly, the states of the accounts used last (at most
        # HOT_ACCOUNTS, none idle for `idle_after`), oldest first.
        self._hot: OrderedDict[int, _Account] = OrderedDict()
        # Of the other accounts used within `idle_after`: when their requests
        # arrived, to start their next limiter where the last one was.
        self._cold: dict[int, tuple[float, ...]] = {}

    def __repr__(self) -> str:
        limits = "in memory" if self._shared_limit is None else "in shared storage"
        state = "closed" if self._closed else "open"
        return (
            f"<KitAccounts {self.base_url} rate limits {limits}, "
            f"{self.held_accounts} accounts held, {state}>"
        )

    def __reduce__(self) -> NoReturn:
        msg = (
            "a KitAccounts cannot be pickled: it holds your app's client secret and "
            "a connection pool. Build one in each process from your configuration"
        )
        raise TypeError(msg)

    def __copy__(self) -> NoReturn:
        msg = "a KitAccounts cannot be copied: share the one pool of the process"
        raise TypeError(msg)

    def __deepcopy__(self, memo: object) -> NoReturn:
        self.__copy__()

    # -- lifecycle --------------------------------------------------------
    @property
    def closed(self) -> bool:
        """True once `aclose()` has been called."""
        return self._closed

    @property
    def held_accounts(self) -> int:
        """How many accounts' state (auth, rate-limit window) this process holds now.

        The accounts with a client or a request alive, the recently used
        (at most 1,000 of them in full, the others as the times of their
        requests still in Kit's window), until `idle_after` passes.
        """
        return len(self._live) + len(self._cold)

    def _session_here(self) -> aiohttp.ClientSession:
        if self._closed:
            msg = "this KitAccounts is closed; create a new one (or use 'async with')"
            raise ClientClosedError(msg)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            msg = "KitAccounts.client() needs a running event loop (call it in async code)"
            raise RuntimeError(msg) from None
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            msg = (
                "this KitAccounts was first used in another event loop: create one "
                "pool per event loop (each asyncio.run() starts a new one)"
            )
            raise RuntimeError(msg)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connection_limit),
                # Kit's API needs no cookies; redirects are refused per request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def open(self) -> None:
        """Create the shared session (`async with` does it; idempotent)."""
        self._session_here()

    async def aclose(self) -> None:
        """Close the shared session and the rate-limit storage's connections (idempotent).

        Clients of the pool still in use fail their next request with
        `ClientClosedError`. The token store is yours: it stays open.
        """
        if self._closed:
            return
        self._closed = True
        self._hot.clear()
        self._cold.clear()
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.close()
        finally:
            if self._shared_limit is not None:
                await self._shared_limit.aclose()

    # -- accounts ---------------------------------------------------------
    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, from the token store, in ascending order."""
        return list(await self._store.connected())

    def client(self, account_id: int) -> KitClient:
        """A `KitClient` for one account, on the pool's session (no I/O here).

        Cheap: build one per task or request and drop it; `async with` on it
        (or its `aclose()`) leaves the pool's session open. An account the
        store does not know, or holds as disconnected, is found out by the
        first request, which raises `AccountDisconnectedError`: finding it
        out here would take a round trip to the store.

        Raises:
            TypeError: `account_id` is not an int.
            ValueError: `account_id` is not positive.
            ClientClosedError: the pool is closed.
            RuntimeError: no event loop runs, or another than the pool's.
        """
        if not is_int(account_id):
            msg = f"account_id must be an int, got {type(account_id).__name__}"
            raise TypeError(msg)
        if account_id < 1:
            msg = f"account_id must be positive, got {account_id!r}"
            raise ValueError(msg)
        session = self._session_here()
        state = self._state(account_id)
        transport = Transport(
            base_url=self.base_url,
            auth=state.auth,
            timeout=self._timeout,
            retry=self._retry,
            rate_limit=state,
            session=session,
            env_proxies=True,  # the pool's own session, as a client's own
        )
        with prebuilt(transport):
            return KitClient()

    def _state(self, account_id: int) -> _Account:
        """The account's one state object in this process, made when none is left."""
        ref = self._live.get(account_id)
        state = None if ref is None else ref()
        if state is None:
            auth = StoreAuth(
                self._store,
                account_id,
                client_id=self._client_id,
                client_secret=self._client_secret,
                token_url=self._token_url,
                on_disconnected=self._on_disconnected,
            )
            state = _Account(self, account_id, auth, self._cold.pop(account_id, ()))
            gone = functools.partial(self._gone, account_id, state._window)
            self._live[account_id] = weakref.ref(state, gone)
        self._touch(state)
        return state

    def _gone(self, account_id: int, window: object, ref: weakref.ref[_Account]) -> None:
        """An account's state is no longer used: keep its window's times while they matter."""
        if self._live.get(account_id) is ref:
            del self._live[account_id]
        loop = self._loop
        if self._closed or loop is None or not isinstance(window, _MemoryWindow):
            return  # a shared storage keeps the window itself
        finished = window.recent(loop.time())
        if finished and finished[-1] > loop.time() - self.idle_after:
            self._cold.pop(account_id, None)  # re-inserted last: the newest
            self._cold[account_id] = finished

    def _touch(self, state: _Account) -> None:
        """Note that the account is used now, and let go of what went idle.

        `_hot` and `_cold` are ordered by last use, so the idle ones are at
        their fronts; an account with a request in flight goes back to the
        end. Each call removes at most what went idle, so the cost is
        constant per request, amortised.
        """
        if self._closed:
            return
        now = asyncio.get_running_loop().time()
        state.last_used = now
        hot = self._hot
        hot[state.account_id] = state
        hot.move_to_end(state.account_id)
        horizon = now - self.idle_after
        while hot:
            oldest = next(iter(hot.values()))
            if oldest.in_flight:
                if oldest is state:
                    break
                hot.move_to_end(oldest.account_id)
            elif len(hot) > HOT_ACCOUNTS or oldest.last_used <= horizon:
                del hot[oldest.account_id]  # its clients, if any, keep it alive
            else:
                break
        cold = self._cold
        while cold:
            account_id, finished = next(iter(cold.items()))
            if finished[-1] > horizon:
                break
            del cold[account_id]
