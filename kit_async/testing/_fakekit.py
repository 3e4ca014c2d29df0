"""`FakeKit`: a real aiohttp server that behaves like Kit's v4 API.

This module holds the server's options, its lifecycle and the helpers tests
call, each a short call into the part that does the work:

- the application and its gate: credentials, rate limit, faults, the record (`_app`);
- the routes, one module per Kit resource (`_routes/`), and pagination (`_paging`);
- the account (`_account`: its data, generated broadcasts, changes, lookups,
  seeding, each in a module of its own) and its credentials (`_credentials`);
- faults (`_faults`); webhook deliveries and bulk callbacks (`_deliveries`).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import _deliveries, _paging
from ._account import FakeAccount
from ._account_data import now_utc
from ._app import RecordedRequest, make_app
from ._creators import Creators
from ._deliveries import BulkCallback, WebhookDelivery
from ._faults import Fault, FaultKind
from ._routes import broadcasts
from ._shortcuts import SeedingShortcuts

__all__ = ["FakeKit"]


class FakeKit(SeedingShortcuts, Creators):
    """A fake Kit v4 API on loopback, for tests and demos.

    ```python
    from kit_async.testing import FakeKit

    async with FakeKit(broadcasts=5, clicks=2500) as server:
        async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
            clicks = [c async for c in kit.iter_broadcast_clicks(1)]
    ```

    Args:
        broadcasts: How many broadcasts the account has (ids 1..N, newest
            last). The last `drafts` of them are a draft and a scheduled
            broadcast, which answer 404 on clicks, like Kit.
        clicks: Clicks per sent broadcast, or a mapping id -> count.
        drafts: How many of the broadcasts are unsent (draft/scheduled).
        api_key: The API key it accepts (a random one by default).
        access_token: An OAuth access token it accepts, if any.
        refresh_token: The refresh token that goes with `access_token`.
        client_id: The OAuth client id the OAuth endpoints accept.
        client_secret: The client secret they require, if any (`None`: any
            or none is accepted at the token endpoint).
        token_ttl: Seconds an issued access token stays valid (`None`: forever),
            the default of every account (`add_account(token_ttl=)` sets one's).
        rate_limit: `(requests, period)`: enforce Kit's rolling window per
            credential (each API key and each access token has its own
            budget), answering 429 `Retry later` beyond it.
        token_rate_limit: `(requests, period)` for OAuth access tokens when
            they differ from `rate_limit` (Kit: `(600, 60.0)` per token and
            `(120, 60.0)` per API key); `None`: `rate_limit` for both.
        accounts: How many accounts (creators) to start with: the first is
            `server.account` (id 1, named `FakeKit`); the others (ids 2..N,
            named `Creator <id>`) get the same `broadcasts`, `clicks` and
            `drafts`, and credentials of their own.
        latency: Seconds to wait before answering each request.
        status_filter: Whether `GET /v4/broadcasts` accepts `status=` (newer
            Kit accounts do); an unknown value gets 422 either way.
        stats_forbidden: Answer `GET /v4/broadcasts/stats` with 403 `{}`, as
            Kit does for accounts without a Pro plan.
        private_webhook_urls: Accept webhook URLs on private and loopback
            addresses (so that `emit` can reach your test's receiver); Kit
            refuses them (False: a 422 like Kit's).
        subscriber_limit: The account's subscriber limit, if any: a bulk
            import that would pass it gets Kit's 403.
        bulk_queue_limit: How many items one queued bulk request (more than
            100 items) may carry; beyond it Kit's 413 (`None`: no limit).
        clock: Returns the current time (an aware datetime) for every
            timestamp FakeKit sets; the real time by default.
        host: The loopback address to listen on.
        port: The port to listen on (0: a free port, read it back from `port`).

    Attributes:
        account: The first account's data: one dict per collection, from id
            to a mutable record (`subscribers`, `tags`, ...), the links between
            them (`taggings`, ...), and the seeding helpers (`add_*`). While a
            request is answered, the account of the request's credential.
        accounts: Every account, by Kit's account id (`add_account` adds one).
        requests: Every request received, as a `RecordedRequest`.
        faults: The faults injected (spent ones have `times == 0`).
        deliveries: Every webhook delivery `emit` made, as a `WebhookDelivery`.
        callbacks: Every bulk callback sent, as a `BulkCallback`.
        rate_limited: How many requests got a 429 (from the window or a fault).
        refreshes: Successful refresh-token grants by account id
            (`server.refreshes[account_id]`; compared with an int, the total).
        refused_refreshes: Refused refresh-token grants, by the account whose
            (rotated or revoked) refresh token it was; `None` for unknown ones.
        code_exchanges: Authorization codes exchanged for a pair, by account id.
        authorizations: Kit's OAuth authorization server: the authorization
            codes issued by the page (`GET /v4/oauth/authorize`) or `approve`.
    """

    def __init__(
        self,
        *,
        broadcasts: int = 10,
        clicks: int | Mapping[int, int] = 1200,
        drafts: int = 2,
        api_key: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str = "fake-client-id",
        client_secret: str | None = None,
        token_ttl: float | None = None,
        rate_limit: tuple[int, float] | None = None,
        token_rate_limit: tuple[int, float] | None = None,
        accounts: int = 1,
        latency: float = 0.0,
        status_filter: bool = True,
        stats_forbidden: bool = False,
        private_webhook_urls: bool = True,
        subscriber_limit: int | None = None,
        bulk_queue_limit: int | None = None,
        clock: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        Creators.__init__(self, clock=clock or now_utc, token_ttl=token_ttl, client_id=client_id)
        self.add_account(
            name="FakeKit",
            broadcasts=broadcasts,
            clicks=clicks,
            drafts=drafts,
            api_key=api_key,
            access_token=access_token,
            refresh_token=refresh_token,
        )
        for _ in range(accounts - 1):
            self.add_account(broadcasts=broadcasts, clicks=clicks, drafts=drafts)
        self.client_secret = client_secret
        self.rate_limit = rate_limit
        self.token_rate_limit = token_rate_limit
        self.latency = latency
        self.status_filter = status_filter
        self.stats_forbidden = stats_forbidden
        self.private_webhook_urls = private_webhook_urls
        self.subscriber_limit = subscriber_limit
        self.bulk_queue_limit = bulk_queue_limit
        self.host = host
        self.port = port
        self.faults: list[Fault] = []
        self.deliveries: list[WebhookDelivery] = []
        self.callbacks: list[BulkCallback] = []
        self._pending: set[asyncio.Task[None]] = set()
        # Requests the server is answering (see close()).
        self._answering: set[asyncio.Task[object]] = set()
        self.requests: list[RecordedRequest] = []
        self.rate_limited = 0
        # The arrival times of each credential's requests in the rate-limit window
        # (kept here, not in the gate, so that a benchmark can clear them).
        self._windows: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self._runner: web.AppRunner | None = None
        self.app = make_app(self)

    def __repr__(self) -> str:
        return f"<FakeKit {self.url if self._runner else 'not started'}>"

    @property
    def url(self) -> str:
        """The base URL to give a client (`http://127.0.0.1:PORT`)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Start listening; `port` is set to the real port."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop the server once the requests in progress are answered.

        A request still being answered (a `"slow"` fault, `latency=`) is
        finished and recorded first, even if its client has gone, as a real
        server would; bulk callbacks not sent yet are dropped.
        """
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self._answering:
            await asyncio.wait(set(self._answering))
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def inject(
        self,
        kind: FaultKind,
        *,
        times: int = 1,
        path: str | None = None,
        after: str | None = None,
        delay: float = 5.0,
        method: str | None = None,
    ) -> Fault:
        """Add a `Fault` and return it (`inject("503", times=2)`).

        Args:
            kind: One of `FAULT_KINDS`.
            times: How many matching requests get it (then it is spent).
            path: Only requests whose path contains this string.
            after: Only requests sent with this `after` cursor (`""`: the
                first page).
            delay: Seconds to wait, for the `"slow"` kind.
            method: Only requests with this HTTP method (`"POST"`, ...).
        """
        fault = Fault(kind, times=times, path=path, after=after, delay=delay, method=method)
        self.faults.append(fault)
        return fault

    async def emit(
        self, event_type: str, /, *, account: FakeAccount | int | None = None, **resources: Any
    ) -> list[WebhookDelivery]:
        """Deliver an event to every active webhook endpoint subscribed to its type.

        Each endpoint gets a signed delivery, as Kit sends it: the JSON body
        `{"delivery_id": ..., "events": [event]}` with `X-Kit-Signature`
        (two `v1` entries while a rotated secret's overlap is open, by
        FakeKit's clock), `X-Kit-Delivery` and `User-Agent: Kit-Webhooks/2.0`.
        The event is built by [`make_event`][kit_async.testing.make_event];
        pass its resources by name, as mappings or as records of the account
        (`subscriber=server.account.subscribers[1]`). Endpoints on loopback
        and private addresses are reached too (Kit refuses to register those;
        FakeKit accepts them unless `private_webhook_urls=False`). Nothing is
        retried; legacy webhooks (`/v4/webhooks`) get nothing. A receiver
        gets 30 seconds to answer; wrap the call in `asyncio.timeout()` for less.

        Args:
            event_type: The event type, e.g. `subscriber.tag_added`.
            account: The account whose endpoints get it, whose records the
                resources are (a `FakeAccount` or its id; the first by default).
            **resources: The event's `data` by name (`subscriber=`, `tag=`, ...).

        Returns:
            One `WebhookDelivery` per endpoint, also added to `server.deliveries`.

        Example:
            ```python
            from aiohttp import web
            from aiohttp.test_utils import TestServer

            from kit_async.webhooks import WebhookVerifier

            received = []


            async def receive(request: web.Request) -> web.Response:
                received.append((await request.read(), dict(request.headers)))
                return web.Response(status=204)


            app = web.Application()
            app.router.add_post("/kit", receive)
            async with TestServer(app) as receiver, FakeKit() as server:
                endpoint = server.add_webhook_endpoint(
                    str(receiver.make_url("/kit")), ["subscriber.tag_added"]
                )
                alice = server.add_subscriber("alice@example.com")
                vip = server.add_tag("VIP")
                [delivery] = await server.emit("subscriber.tag_added", subscriber=alice, tag=vip)

            assert delivery.status == 204
            body, headers = received[0]
            event = WebhookVerifier(endpoint.secret).verify(body, headers).events[0]
            assert event.data.subscriber.email_address == "alice@example.com"
            ```
        """
        with self.serving(self._find(account)):
            return await _deliveries.emit(self, event_type, resources)

    async def wait_callbacks(self) -> list[BulkCallback]:
        """Wait until every queued bulk request's results are POSTed to its `callback_url`.

        Returns:
            Every callback sent so far (`server.callbacks`).
        """
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        return list(self.callbacks)

    def _queue_callback(self, url: str, result: Mapping[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(_deliveries.post_callback(self, url, result))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @property
    def broadcast_count(self) -> int:
        """How many broadcasts were generated (ids 1..N)."""
        return self.account.broadcast_count

    @property
    def drafts(self) -> int:
        """How many of the generated broadcasts are unsent (the last ones)."""
        return self.account.drafts

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        return self.account.is_sent(broadcast_id)

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        return self.account.status_of(broadcast_id)

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has."""
        return self.account.click_count(broadcast_id)

    def click(self, broadcast_id: int, index: int) -> dict[str, Any]:
        """The click at `index` of a broadcast, as Kit sends it."""
        return self.account.click(broadcast_id, index)

    def clicks_of(self, broadcast_id: int) -> list[dict[str, Any]]:
        """Every click of a broadcast, in the order pages serve them."""
        return self.account.clicks_of(broadcast_id)

    def broadcast(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast as Kit shows it (`GET /v4/broadcasts/{id}`)."""
        if broadcast_id not in self.account.broadcasts:
            msg = f"this FakeKit has no broadcast {broadcast_id}"
            raise KeyError(msg)
        return broadcasts.render(self.account, self.account.broadcasts[broadcast_id])

    def stats(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast's stats object."""
        return self.account.stats(broadcast_id)

    @staticmethod
    def cursor(offset: int) -> str:
        """The opaque cursor `FakeKit` uses for a list offset (it starts with `++//`)."""
        return _paging.cursor(offset)

    async def _clicks(self, request: web.Request) -> web.StreamResponse:
        """One page of a broadcast's clicks (a method, so a subclass may cache pages)."""
        return await broadcasts.clicks_page(self, request)
