"""RateLimit: Kit's rolling window, enforced on the client.

These tests keep real time: FakeKit enforces its own rolling window on its
clock, and that real window is the point. Windows are shortened (5 requests
per 0.3 s) so each test stays well under two seconds; arrival times are the
ones `FakeKit` records. The limiter's own queueing, on a fake clock, is in
tests/unit/test_ratelimit.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fanout_helpers import gather_clicks

from kit_async import KitClient, RateLimit
from kit_async.testing import FakeKit

N, PERIOD = 5, 0.3


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of `times` inside any window (t - period, t]."""
    times = sorted(times)
    most = start = 0
    for end, now in enumerate(times):
        while times[start] <= now - period:
            start += 1
        most = max(most, end - start + 1)
    return most


def client(server: FakeKit, limit: RateLimit | None, **options: object) -> KitClient:
    # max_retries=0: a 429 would surface as an error instead of being retried away.
    return KitClient(
        server.api_key,
        base_url=server.url,
        rate_limit=limit,
        timeout=5.0,
        max_retries=0,
        **options,  # type: ignore[arg-type]
    )


async def fire(kit: KitClient, count: int) -> None:
    await asyncio.gather(*(kit.broadcasts.get(1) for _ in range(count)))


@pytest.fixture
async def windowed() -> AsyncIterator[FakeKit]:
    """A FakeKit that answers 429 beyond N requests in any PERIOD."""
    async with FakeKit(rate_limit=(N, PERIOD)) as server:
        yield server


def test_most_in_any_window_counts_a_rolling_window() -> None:
    # The helper itself: 3 inside (0.9, 1.2], and a window is half-open.
    assert most_in_any_window([0.0, 0.1, 0.2, 1.0, 1.1, 1.2], 0.3) == 3
    assert most_in_any_window([0.0, 0.3, 0.6], 0.3) == 1
    assert most_in_any_window([], 0.3) == 0


async def test_never_more_than_n_requests_in_any_window_at_the_server(
    windowed: FakeKit,
) -> None:
    async with client(windowed, RateLimit(N, PERIOD)) as kit:
        await fire(kit, 3 * N)
    times = [r.at for r in windowed.requests]
    assert len(times) == 3 * N
    assert most_in_any_window(times, PERIOD) <= N
    assert windowed.rate_limited == 0


async def test_no_burst_beyond_n_in_the_first_window(windowed: FakeKit) -> None:
    # A leaky bucket of capacity N would let about 2N through here.
    async with client(windowed, RateLimit(N, PERIOD)) as kit:
        await fire(kit, 2 * N)
    first = windowed.requests[0].at
    in_first_window = [r for r in windowed.requests if r.at < first + PERIOD]
    assert len(in_first_window) == N
    assert windowed.rate_limited == 0


async def test_the_next_window_opens_a_safety_margin_after_the_oldest_answer(
    windowed: FakeKit,
) -> None:
    limit = RateLimit(N, PERIOD)
    async with client(windowed, limit) as kit:
        await fire(kit, N + 1)
    arrivals = sorted(r.at for r in windowed.requests)
    assert limit.margin == pytest.approx(PERIOD * 0.01)
    assert arrivals[N] - arrivals[0] >= PERIOD + limit.margin


async def test_one_limiter_shared_by_two_clients_shares_one_budget(windowed: FakeKit) -> None:
    limit = RateLimit(N, PERIOD)
    async with client(windowed, limit) as one, client(windowed, limit) as two:
        await asyncio.gather(fire(one, N), fire(two, N))
    assert len(windowed.requests) == 2 * N
    assert most_in_any_window([r.at for r in windowed.requests], PERIOD) <= N
    assert windowed.rate_limited == 0


async def test_two_clients_with_their_own_limiters_do_not_share_a_budget(
    windowed: FakeKit,
) -> None:
    # The contrast to the test above: separate objects, separate budgets.
    async with (
        client(windowed, RateLimit(N, PERIOD)) as one,
        client(windowed, RateLimit(N, PERIOD)) as two,
    ):
        await asyncio.gather(fire(one, N), fire(two, N), return_exceptions=True)
    assert windowed.rate_limited == N


async def test_rate_limit_none_switches_limiting_off() -> None:
    async with FakeKit(rate_limit=(3, 60.0)) as server, client(server, None) as kit:
        assert kit.rate_limit is None
        results = await asyncio.gather(
            *(kit.broadcasts.get(1) for _ in range(6)), return_exceptions=True
        )
    # Nothing held the requests back, so the server refused the excess.
    assert len(server.requests) == 6
    assert server.rate_limited == 3
    assert sum(isinstance(r, Exception) for r in results) == 3


async def test_a_workload_of_several_windows_gets_no_429(windowed: FakeKit) -> None:
    # Two broadcasts fetched at once, 8 pages each: 16 requests, 4 windows.
    async with client(windowed, RateLimit(N, PERIOD)) as kit:
        found = await gather_clicks(kit, [1, 2], per_page=150)
    assert windowed.rate_limited == 0
    assert len(windowed.requests) == 16
    assert most_in_any_window([r.at for r in windowed.requests], PERIOD) <= N
    for broadcast_id in (1, 2):
        expected = [c["url"] for c in windowed.clicks_of(broadcast_id)]
        assert [c.url for c in found[broadcast_id]] == expected
