"""RateLimit: Kit's rolling window, enforced on the client.

Windows are shortened (5 requests per 0.3 s) so each test stays well under
two seconds; arrival times are the ones `FakeKit` records on its own clock.
"""

from __future__ import annotations

import asyncio
import time
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


def test_default_margin_is_one_percent_of_the_period_at_most_one_second() -> None:
    assert RateLimit(10, 10.0).margin == pytest.approx(0.1)
    assert RateLimit(120, 60.0).margin == pytest.approx(0.6)
    assert RateLimit(600, 600.0).margin == 1.0
    assert RateLimit(120, 60.0, margin=0).margin == 0.0


async def test_waiters_are_served_in_arrival_order() -> None:
    limit = RateLimit(2, 0.05)
    served: list[int] = []

    async def request(number: int) -> None:
        async with limit.slot():
            served.append(number)

    tasks = []
    for number in range(8):
        tasks.append(asyncio.create_task(request(number)))
        await asyncio.sleep(0.001)  # each one arrives before the next
    await asyncio.gather(*tasks)
    assert served == list(range(8))


async def _holding(limit: RateLimit, release: asyncio.Event) -> None:
    async with limit.slot():
        await release.wait()


async def test_a_cancelled_waiter_in_the_queue_frees_its_place() -> None:
    window = 0.1
    limit = RateLimit(1, window, margin=0)
    release = asyncio.Event()
    served: dict[str, float] = {}

    async def request(name: str) -> None:
        async with limit.slot():
            served[name] = time.monotonic()

    holder = asyncio.create_task(_holding(limit, release))
    await asyncio.sleep(0.01)
    first, second, third = (asyncio.create_task(request(n)) for n in "abc")
    await asyncio.sleep(0.01)
    assert limit.waiting == 3

    second.cancel()
    await asyncio.sleep(0.01)
    assert limit.waiting == 2

    release.set()
    await asyncio.gather(holder, first, third)
    assert second.cancelled()
    assert list(served) == ["a", "c"]
    # "c" took the slot "b" gave up: one window after "a", not two.
    assert served["c"] - served["a"] < 1.5 * window


async def test_a_cancelled_waiter_at_the_head_of_the_queue_frees_its_place() -> None:
    window = 0.1
    limit = RateLimit(1, window, margin=0)
    async with limit.slot():
        pass
    done = time.monotonic()
    head = asyncio.create_task(_holding(limit, asyncio.Event()))
    await asyncio.sleep(0.01)  # "head" now waits for the window to clear
    head.cancel()
    await asyncio.sleep(0)

    async with asyncio.timeout(2 * window):
        async with limit.slot():
            let_through = time.monotonic()
    assert head.cancelled()
    assert limit.waiting == 0
    assert window <= let_through - done < 1.5 * window


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


def test_api_key_clients_default_to_120_requests_per_60_seconds() -> None:
    limit = KitClient("kit_example").rate_limit
    assert limit is not None
    assert (limit.requests, limit.period, limit.storage) == (120, 60.0, None)


def test_oauth_clients_default_to_600_requests_per_60_seconds() -> None:
    limit = KitClient(access_token="example-token").rate_limit
    assert limit is not None
    assert (limit.requests, limit.period, limit.storage) == (600, 60.0, None)


def test_every_client_gets_its_own_default_limiter() -> None:
    assert KitClient("kit_example").rate_limit is not KitClient("kit_example").rate_limit


def test_a_limiter_passed_in_is_used_as_is() -> None:
    limit = RateLimit(10, 1.0)
    assert KitClient("kit_example", rate_limit=limit).rate_limit is limit


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


@pytest.mark.parametrize(
    ("requests", "period"),
    [
        *[(0, 1.0), (-1, 1.0), (1.5, 1.0), (True, 1.0), ("5", 1.0)],
        *[(5, 0), (5, -1.0), (5, float("nan")), (5, "1"), (5, None), (5, False)],
    ],
)
def test_bad_arguments_raise_value_error(requests: object, period: object) -> None:
    with pytest.raises(ValueError, match=r"requests|period"):
        RateLimit(requests, period)  # type: ignore[arg-type]


def test_a_negative_margin_raises_value_error() -> None:
    with pytest.raises(ValueError, match="margin"):
        RateLimit(5, 1.0, margin=-0.1)


def test_a_rate_limit_that_is_not_a_ratelimit_raises_type_error() -> None:
    with pytest.raises(TypeError, match="rate_limit must be a RateLimit or None"):
        KitClient("kit_example", rate_limit=(120, 60))  # type: ignore[arg-type]


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


async def test_aclose_of_an_in_memory_limiter_keeps_it_usable() -> None:
    limit = RateLimit(2, 1.0)
    await limit.aclose()
    async with limit.slot():
        assert limit.waiting == 0
