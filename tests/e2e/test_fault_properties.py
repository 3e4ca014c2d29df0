"""Property: however a click list is split into pages, and wherever faults
strike, the client yields exactly the original list.

One FakeKit serves every example (broadcast `n + 1` has `n` clicks), so an
example costs one client and a few loopback requests. Faults are matched
to pages by their `after` cursor (`""` is the first page).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit_async import KitClient, KitError
from kit_async.testing import FakeKit, FaultKind

MAX_CLICKS = 60
RETRYABLE: list[FaultKind] = ["500", "502", "503", "504", "429", "reset", "html"]
ATTEMPTS = 4  # stamina's testing mode, set in conftest
PROPERTY = settings(max_examples=25, deadline=None, database=None)

Case = tuple[int, int, dict[int, tuple[FaultKind, int]]]


@pytest.fixture
def served() -> Iterator[tuple[asyncio.Runner, FakeKit]]:
    """One event loop and one FakeKit for all examples of a test."""
    clicks = {b: b - 1 for b in range(1, MAX_CLICKS + 2)}
    server = FakeKit(broadcasts=MAX_CLICKS + 1, drafts=0, clicks=clicks)
    with asyncio.Runner() as runner:
        runner.run(server.start())
        try:
            yield runner, server
        finally:
            runner.run(server.close())


def page_count(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def page_cursor(page: int, per_page: int) -> str:
    return FakeKit.cursor(page * per_page) if page else ""


@st.composite
def split_with_faults(draw: st.DrawFn, max_times: int = ATTEMPTS - 1) -> Case:
    """A click count, a page size, and faults (kind, times) keyed by page."""
    count = draw(st.integers(0, MAX_CLICKS))
    per_page = draw(st.integers(1, 25))
    faults = draw(
        st.dictionaries(
            st.integers(0, page_count(count, per_page) - 1),
            st.tuples(st.sampled_from(RETRYABLE), st.integers(1, max_times)),
            max_size=4,
        )
    )
    return count, per_page, faults


def as_kit_sends(click: Any) -> dict[str, Any]:
    return {
        "url": click.url,
        "unique_clicks": click.unique_clicks,
        "click_to_delivery_rate": click.click_to_delivery_rate,
        "click_to_open_rate": click.click_to_open_rate,
    }


async def fetch(
    server: FakeKit, broadcast_id: int, per_page: int, seen: list[dict[str, Any]], after: str | None
) -> None:
    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
        async for click in kit.iter_broadcast_clicks(broadcast_id, per_page=per_page, after=after):
            seen.append(as_kit_sends(click))  # noqa: PERF401 - keeps what arrived before an error


def reset(server: FakeKit) -> None:
    server.faults.clear()
    server.requests.clear()


def test_any_split_with_retryable_faults_yields_exactly_the_original_list(
    served: tuple[asyncio.Runner, FakeKit],
) -> None:
    runner, server = served

    @PROPERTY
    @given(split_with_faults())
    def check(case: Case) -> None:
        count, per_page, faults = case
        reset(server)
        for page, (kind, times) in faults.items():
            server.inject(kind, times=times, after=page_cursor(page, per_page))
        seen: list[dict[str, Any]] = []
        runner.run(fetch(server, count + 1, per_page, seen, after=None))
        assert seen == server.clicks_of(count + 1)
        assert all(fault.times == 0 for fault in server.faults)  # every fault struck
        assert len(server.requests) == page_count(count, per_page) + sum(
            times for _, times in faults.values()
        )

    check()


@st.composite
def split_with_a_persistent_fault(draw: st.DrawFn) -> tuple[int, int, int, FaultKind]:
    count = draw(st.integers(0, MAX_CLICKS))
    per_page = draw(st.integers(1, 25))
    page = draw(st.integers(0, page_count(count, per_page) - 1))
    kinds: list[FaultKind] = [*RETRYABLE, "truncated"]
    kind = draw(st.sampled_from(kinds))
    return count, per_page, page, kind


def test_resuming_from_the_error_cursor_yields_exactly_the_original_list(
    served: tuple[asyncio.Runner, FakeKit],
) -> None:
    runner, server = served

    @PROPERTY
    @given(split_with_a_persistent_fault())
    def check(case: tuple[int, int, int, FaultKind]) -> None:
        count, per_page, page, kind = case
        reset(server)
        cursor = page_cursor(page, per_page)
        server.inject(kind, times=ATTEMPTS, after=cursor)
        seen: list[dict[str, Any]] = []
        with pytest.raises(KitError) as caught:
            runner.run(fetch(server, count + 1, per_page, seen, after=None))
        assert caught.value.cursor == (cursor or None)
        server.faults.clear()
        runner.run(fetch(server, count + 1, per_page, seen, after=caught.value.cursor))
        assert seen == server.clicks_of(count + 1)

    check()
