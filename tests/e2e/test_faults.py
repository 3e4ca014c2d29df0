"""The client against every FakeKit fault, end to end on loopback.

For each misbehaviour the outcome is one of two: transparent recovery with
every click yielded exactly once and in order, or one typed error that says
what happened (and carries the cursor of the failed page).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fanout_helpers import gather_clicks

from kit_async import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    KitClient,
    KitError,
    PaginationError,
    RateLimit,
    RateLimitError,
    ResponseValidationError,
)
from kit_async.testing import FAULT_KINDS, FakeKit, FaultKind

PER_PAGE = 300  # 1,200 clicks: four pages
PAGE_3 = FakeKit.cursor(2 * PER_PAGE)
RECOVERABLE: list[FaultKind] = ["500", "502", "503", "504", "429", "reset", "html", "slow"]


def expected(server: FakeKit, broadcast_id: int = 1) -> list[str]:
    return [c["url"] for c in server.clicks_of(broadcast_id)]


async def drain(kit: KitClient, seen: list[str], **options: object) -> None:
    """Collect click urls into `seen` until the end or an error."""
    async for click in kit.iter_broadcast_clicks(1, per_page=PER_PAGE, **options):  # type: ignore[arg-type]
        seen.append(click.url)  # noqa: PERF401 - keeps what arrived before an error


@pytest.fixture
async def kit(fake_kit: FakeKit) -> AsyncIterator[KitClient]:
    """A client whose timeout (0.2 s) is shorter than a "slow" fault (1 s)."""
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, timeout=0.2
    ) as client:
        yield client


def test_every_fault_kind_is_covered_here() -> None:
    typed = {"truncated", "repeat_cursor", "missing_cursor"}
    assert set(RECOVERABLE) | typed == FAULT_KINDS


@pytest.mark.parametrize("kind", RECOVERABLE)
async def test_a_fault_on_a_middle_page_is_recovered_with_every_click_once(
    fake_kit: FakeKit, kit: KitClient, kind: FaultKind
) -> None:
    fault = fake_kit.inject(kind, times=2, after=PAGE_3, delay=1.0)
    seen: list[str] = []
    await drain(kit, seen)
    assert seen == expected(fake_kit)
    assert fault.times == 0


@pytest.mark.parametrize("kind", ["500", "502", "503", "504"])
async def test_a_5xx_burst_on_the_first_page_is_recovered(
    fake_kit: FakeKit, kit: KitClient, kind: FaultKind
) -> None:
    fake_kit.inject(kind, times=3, after="")
    seen: list[str] = []
    await drain(kit, seen)
    assert seen == expected(fake_kit)
    assert len(fake_kit.requests) == 3 + 1200 // PER_PAGE


async def test_a_plain_text_429_is_recovered_and_counted_by_the_server(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("429", times=2, after=PAGE_3)
    seen: list[str] = []
    await drain(kit, seen)
    assert seen == expected(fake_kit)
    assert fake_kit.rate_limited == 2
    assert [r.status for r in fake_kit.requests].count(429) == 2


@pytest.mark.parametrize(
    ("kind", "error", "says"),
    [
        ("503", InternalServerError, "answered 503: no message"),
        ("html", InternalServerError, "answered 502: <html><head><title>502 Bad Gateway"),
        ("429", RateLimitError, "answered 429: Retry later"),
        ("reset", APIConnectionError, "connection failed"),
        ("slow", APITimeoutError, "no complete answer within 0.2 s"),
    ],
)
async def test_a_persistent_fault_raises_one_typed_error_that_says_what_happened(
    fake_kit: FakeKit, kit: KitClient, kind: FaultKind, error: type[KitError], says: str
) -> None:
    fake_kit.inject(kind, times=4, after=PAGE_3, delay=1.0)  # testing mode: 4 attempts
    seen: list[str] = []
    with pytest.raises(error) as caught:
        await drain(kit, seen)
    message = str(caught.value)
    assert message.startswith("GET /v4/broadcasts/1/clicks")
    assert says in message
    assert "after 4 attempts" in message
    assert caught.value.attempts == 4
    assert caught.value.cursor == PAGE_3
    assert seen == expected(fake_kit)[: 2 * PER_PAGE]


async def test_a_persistent_fault_can_be_resumed_from_the_error_cursor(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("reset", times=4, after=PAGE_3)
    seen: list[str] = []
    with pytest.raises(APIConnectionError) as caught:
        await drain(kit, seen)
    await drain(kit, seen, after=caught.value.cursor)  # the fault is spent now
    assert seen == expected(fake_kit)


async def test_truncated_json_raises_a_validation_error_with_the_page_cursor(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("truncated", after=PAGE_3)
    seen: list[str] = []
    with pytest.raises(ResponseValidationError, match="the body is not JSON") as caught:
        await drain(kit, seen)
    assert caught.value.field is None
    assert caught.value.cursor == PAGE_3
    assert seen == expected(fake_kit)[: 2 * PER_PAGE]
    await drain(kit, seen, after=caught.value.cursor)
    assert seen == expected(fake_kit)


async def test_truncated_json_on_the_first_page_raises_a_validation_error(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("truncated", after="")
    with pytest.raises(ResponseValidationError, match=r"GET /v4/broadcasts/1/clicks: invalid"):
        await drain(kit, [])
    assert len(fake_kit.requests) == 1


async def test_a_repeated_cursor_raises_instead_of_looping(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("repeat_cursor", after=PAGE_3)
    seen: list[str] = []
    with pytest.raises(PaginationError, match=r"sent cursor .* again") as caught:
        await drain(kit, seen)
    assert caught.value.cursor == PAGE_3
    # The faulty page's own clicks were good and were yielded once.
    assert seen == expected(fake_kit)[: 3 * PER_PAGE]
    assert len(fake_kit.requests) == 3


async def test_a_missing_cursor_raises_instead_of_stopping_early(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("missing_cursor", after="")
    seen: list[str] = []
    with pytest.raises(PaginationError, match="sent no cursor") as caught:
        await drain(kit, seen)
    assert caught.value.cursor is None
    assert seen == expected(fake_kit)[:PER_PAGE]


async def test_faults_on_every_page_at_once_are_all_recovered(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    kinds: list[FaultKind] = ["503", "reset", "429", "html"]
    for page, kind in enumerate(kinds):
        fake_kit.inject(kind, after=FakeKit.cursor(page * PER_PAGE) if page else "")
    seen: list[str] = []
    await drain(kit, seen)
    assert seen == expected(fake_kit)
    assert all(fault.times == 0 for fault in fake_kit.faults)


async def test_faults_during_a_fan_out_lose_no_click() -> None:
    async with FakeKit(broadcasts=4, drafts=1, clicks=900) as server:
        server.inject("503", path="/v4/broadcasts/1/", times=2)
        server.inject("reset", path="/v4/broadcasts/2/", after=FakeKit.cursor(300))
        server.inject("429", path="/v4/broadcasts/3/", after=FakeKit.cursor(600))
        async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
            found = await gather_clicks(kit, [1, 2, 3, 4], per_page=PER_PAGE)
        assert sorted(found) == [1, 2, 3]  # 4 is a draft: skipped
        for broadcast_id in (1, 2, 3):
            assert [c.url for c in found[broadcast_id]] == expected(server, broadcast_id)
        assert all(fault.times == 0 for fault in server.faults)


async def test_the_rolling_window_itself_is_never_tripped() -> None:
    # The server enforces 5 per 0.3 s; four broadcasts of 4 pages each
    # (16 requests, 4 windows) through the client's own limiter.
    async with FakeKit(broadcasts=4, drafts=0, clicks=1200, rate_limit=(5, 0.3)) as server:
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=RateLimit(5, 0.3), max_retries=0
        ) as kit:
            found = await gather_clicks(kit, [1, 2, 3, 4], per_page=PER_PAGE)
        assert server.rate_limited == 0
        assert len(server.requests) == 16
        times = sorted(r.at for r in server.requests)
        assert all(later - earlier >= 0.3 for earlier, later in zip(times, times[5:], strict=False))
        for broadcast_id in (1, 2, 3, 4):
            assert [c.url for c in found[broadcast_id]] == expected(server, broadcast_id)


async def test_without_the_limiter_the_same_workload_trips_the_window() -> None:
    # The contrast to the test above: the server's window does bite.
    async with FakeKit(broadcasts=4, drafts=0, clicks=1200, rate_limit=(5, 0.3)) as server:
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, max_retries=0
        ) as kit:
            with pytest.raises(RateLimitError):
                await gather_clicks(kit, [1, 2, 3, 4], per_page=PER_PAGE)
        assert server.rate_limited > 0


async def test_a_reset_delete_is_retried_and_the_next_create_goes_through(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    draft = await kit.broadcasts.create(subject="Doomed")
    fake_kit.inject("reset", method="DELETE")

    await kit.broadcasts.delete(draft.id)  # deleted; the retry finds nothing: done
    made = await kit.broadcasts.create(subject="Next")  # no dead pooled connection

    writes = [(r.method, r.status) for r in fake_kit.requests if r.method != "GET"]
    assert writes == [("POST", 201), ("DELETE", 0), ("DELETE", 404), ("POST", 201)]
    assert made.subject == "Next"
    assert draft.id not in fake_kit.account.broadcasts


async def test_a_reset_get_is_recorded_as_cut_then_retried(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("reset", path="/v4/broadcasts/1")

    assert (await kit.broadcasts.get(1)).id == 1
    assert [r.status for r in fake_kit.requests] == [0, 200]
