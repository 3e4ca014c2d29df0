"""RateLimit on its own: arguments, defaults, and how waiters queue, on a fake clock.

The queueing tests run on an event loop with a virtual clock
(`fake_clock.on_fake_clock`): the limiter reads the loop's clock, so its
windows pass in no real time and durations are exact. The limiter against
FakeKit's own rolling window, in real time, is in tests/e2e/test_ratelimit.py.
"""

from __future__ import annotations

import asyncio

import pytest
from fake_clock import on_fake_clock

from kit_async import KitClient, RateLimit


def test_default_margin_is_one_percent_of_the_period_at_most_one_second() -> None:
    assert RateLimit(10, 10.0).margin == pytest.approx(0.1)
    assert RateLimit(120, 60.0).margin == pytest.approx(0.6)
    assert RateLimit(600, 600.0).margin == 1.0
    assert RateLimit(120, 60.0, margin=0).margin == 0.0


@on_fake_clock
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


@on_fake_clock
async def test_a_cancelled_waiter_in_the_queue_frees_its_place() -> None:
    window = 0.1
    limit = RateLimit(1, window, margin=0)
    release = asyncio.Event()
    served: dict[str, float] = {}

    async def request(name: str) -> None:
        async with limit.slot():
            served[name] = asyncio.get_running_loop().time()

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


@on_fake_clock
async def test_a_cancelled_waiter_at_the_head_of_the_queue_frees_its_place() -> None:
    window = 0.1
    limit = RateLimit(1, window, margin=0)
    async with limit.slot():
        pass
    done = asyncio.get_running_loop().time()
    head = asyncio.create_task(_holding(limit, asyncio.Event()))
    await asyncio.sleep(0.01)  # "head" now waits for the window to clear
    head.cancel()
    await asyncio.sleep(0)

    async with asyncio.timeout(2 * window):
        async with limit.slot():
            let_through = asyncio.get_running_loop().time()
    assert head.cancelled()
    assert limit.waiting == 0
    assert window <= let_through - done < 1.5 * window


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


async def test_aclose_of_an_in_memory_limiter_keeps_it_usable() -> None:
    limit = RateLimit(2, 1.0)
    await limit.aclose()
    async with limit.slot():
        assert limit.waiting == 0


@on_fake_clock
async def test_the_next_slot_opens_one_period_plus_the_margin_after_the_oldest_answer() -> None:
    # The unit counterpart of the end-to-end margin test, exact on the loop's clock.
    limit = RateLimit(2, 1.0, margin=0.25)
    loop = asyncio.get_running_loop()
    let_through: list[float] = []

    async def request(answer_after: float) -> None:
        async with limit.slot():
            let_through.append(loop.time())
            await asyncio.sleep(answer_after)

    await asyncio.gather(request(0.5), request(0.0), request(0.0))
    # The second answer came at 0 s, the first at 0.5 s: the third request goes
    # one period plus the margin after the older answer, and not before.
    assert let_through == [0.0, 0.0, pytest.approx(1.25)]
    assert limit.total_wait == pytest.approx(1.25)
