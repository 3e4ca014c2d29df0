"""`kit.with_options()` against FakeKit: per-call options over one pool, limit and auth.

The rate-limit test keeps real time, as tests/e2e/test_ratelimit.py does:
FakeKit's own rolling window (5 requests per 0.3 s) is the point.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psutil  # type: ignore[import-untyped]
import pytest

from kit_async import (
    APITimeoutError,
    ClientClosedError,
    InternalServerError,
    KitAccounts,
    KitClient,
    RateLimit,
    TokenSet,
)
from kit_async.oauth import MemoryTokenStore
from kit_async.testing import FakeKit

N, PERIOD = 5, 0.3


def sockets_to(server: FakeKit) -> int:
    """This process's TCP connections to `server` (client side: the remote port is its)."""
    process = psutil.Process()
    listing = getattr(process, "net_connections", None) or process.connections  # psutil < 6
    return sum(
        1
        for conn in listing(kind="tcp")
        if conn.raddr and conn.raddr.port == server.port and conn.status == psutil.CONN_ESTABLISHED
    )


async def test_a_view_without_retries_gets_the_500_at_once_while_the_client_retries(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    once = kit.with_options(max_retries=0)
    fake_kit.inject("500", times=1, path="/v4/broadcasts/1")
    with pytest.raises(InternalServerError) as caught:
        await once.broadcasts.get(1)
    assert caught.value.attempts == 1
    fake_kit.inject("500", times=1, path="/v4/broadcasts/1")
    broadcast = await kit.broadcasts.get(1)
    assert broadcast.id == 1
    statuses = [r.status for r in fake_kit.requests if r.path == "/v4/broadcasts/1"]
    assert statuses == [500, 500, 200]


async def test_a_view_with_a_short_timeout_times_out_where_the_client_waits(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    hasty = kit.with_options(timeout=0.05, max_retries=0)
    fake_kit.inject("slow", times=1, path="/v4/broadcasts/1", delay=0.3)
    with pytest.raises(APITimeoutError, match=r"within 0\.05 s"):
        await hasty.broadcasts.get(1)
    fake_kit.inject("slow", times=1, path="/v4/broadcasts/1", delay=0.3)
    assert (await kit.broadcasts.get(1)).id == 1


async def test_extra_headers_reach_kit_from_the_view_only(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    traced = kit.with_options(extra_headers={"X-Request-Id": "req-1"})
    await traced.broadcasts.get(1)
    await kit.broadcasts.get(1)
    await traced.with_options(extra_headers={"x-request-id": "req-2"}).broadcasts.get(1)
    seen = [r.headers.get("X-Request-Id") for r in fake_kit.requests]
    assert seen == ["req-1", None, "req-2"]
    # The client's own headers are still sent beside them.
    assert fake_kit.requests[0].headers["Accept"] == "application/json"


async def test_the_client_and_its_views_share_one_connection(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    views = [kit.with_options(timeout=4.0), kit.with_options(max_retries=1).with_options()]
    for client in (kit, *views, kit, *views):
        await client.broadcasts.get(1)
    # One keep-alive connection served all six: one pool. A view with a
    # session of its own would open a connection of its own.
    assert sockets_to(fake_kit) == 1
    assert len(fake_kit.requests) == 6


@pytest.fixture
async def windowed() -> AsyncIterator[FakeKit]:
    """A FakeKit that answers 429 beyond N requests in any PERIOD."""
    async with FakeKit(rate_limit=(N, PERIOD)) as server:
        yield server


async def test_the_client_and_two_views_share_one_rate_limit(windowed: FakeKit) -> None:
    async with KitClient(
        windowed.api_key,
        base_url=windowed.url,
        rate_limit=RateLimit(N, PERIOD),
        max_retries=0,  # a 429 would surface as an error instead of being retried away
    ) as kit:
        clients = [kit, kit.with_options(timeout=5.0), kit.with_options(extra_headers={"X-A": "b"})]
        await asyncio.gather(*(client.broadcasts.get(1) for client in clients for _ in range(N)))
    assert len(windowed.requests) == 3 * N
    assert windowed.rate_limited == 0


async def test_closing_the_client_fails_a_request_a_view_has_waiting(fake_kit: FakeKit) -> None:
    kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=RateLimit(1, 60.0))
    view = kit.with_options(timeout=5.0)
    await kit.broadcasts.get(1)  # spends the budget: the view's request waits a minute
    waiting = asyncio.create_task(view.broadcasts.get(2))
    limit = kit.rate_limit
    assert limit is not None
    for _ in range(100):
        if limit.waiting:
            break
        await asyncio.sleep(0)
    assert limit.waiting == 1
    await kit.aclose()
    with pytest.raises(ClientClosedError, match="closed before this request completed"):
        await waiting
    assert view.closed
    assert len(fake_kit.requests) == 1


async def test_a_view_of_a_closed_client_fails_without_waiting_for_the_limiter(
    fake_kit: FakeKit,
) -> None:
    limit = RateLimit(1, 2.0)
    kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=limit)
    view = kit.with_options(max_retries=0)
    await view.broadcasts.get(1)  # spends the budget
    waited = limit.total_wait
    await kit.aclose()
    with pytest.raises(ClientClosedError, match="is closed"):
        await view.broadcasts.get(1)
    assert limit.total_wait == waited
    assert len(fake_kit.requests) == 1


async def test_a_view_of_a_kit_accounts_client_shares_its_account_state(
    fake_kit: FakeKit,
) -> None:
    store = MemoryTokenStore()
    access, refresh = fake_kit.issue_tokens(account=fake_kit.account)
    await store.save(1, TokenSet(access, refresh, expires_in=7200))
    async with KitAccounts(
        token_store=store, client_id=fake_kit.client_id, base_url=fake_kit.url
    ) as pool:
        kit = pool.client(1)
        once = kit.with_options(max_retries=0, extra_headers={"X-Job": "nightly"})
        assert once.rate_limit is kit.rate_limit
        fake_kit.inject("500", times=1, path="/v4/broadcasts/1")
        with pytest.raises(InternalServerError):
            await once.broadcasts.get(1)
        assert (await once.broadcasts.get(1)).id == 1
    assert [r.headers.get("X-Job") for r in fake_kit.requests] == ["nightly", "nightly"]


async def test_the_client_and_its_views_refresh_an_expired_token_once() -> None:
    async with FakeKit(
        access_token="fake_at", refresh_token="fake_rt", client_id="app", latency=0.05
    ) as server:
        server.expire_tokens()
        async with KitClient(
            access_token="fake_at",
            refresh_token="fake_rt",
            client_id="app",
            base_url=server.url,
            rate_limit=None,
        ) as kit:
            views = [kit.with_options(timeout=5.0), kit.with_options(extra_headers={"X-A": "b"})]
            found = await asyncio.gather(
                *(client.broadcasts.get(n) for client in (kit, *views) for n in (1, 2))
            )
            # The refreshed token serves the client afterwards.
            await kit.broadcasts.get(3)
        assert [b.id for b in found] == [1, 2] * 3
        assert server.refreshes == 1
        token_requests = [r for r in server.requests if r.path == "/v4/oauth/token"]
        assert len(token_requests) == 1
        assert "X-A" not in token_requests[0].headers
        assert [r.status for r in server.requests if r.path == "/v4/broadcasts/3"] == [200]
