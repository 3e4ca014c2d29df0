"""The cursor-pagination engine, unit-tested with aioresponses.

Each test scripts the pages Kit would answer, in order, and checks what the
paginator asked for (the query of every request, as the server decodes it)
and what it yielded. A request nobody scripted fails the test: aioresponses
refuses it, so "stopped at the right page" is checked by construction.
End-to-end pagination against FakeKit is in `e2e/test_broadcasts.py`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aioresponses import aioresponses

import kit_async
from kit_async import (
    AsyncPaginator,
    BroadcastClick,
    InternalServerError,
    Page,
    PaginationError,
    ResponseValidationError,
)

CLICKS_PATH = "/v4/broadcasts/7/clicks"
CLICKS_URL = re.compile(r"^https://api\.kit\.com/v4/broadcasts/7/clicks(\?.*)?$")
LIST_URL = re.compile(r"^https://api\.kit\.com/v4/broadcasts(\?.*)?$")


def click(n: int) -> dict[str, Any]:
    return {
        "url": f"https://example.com/{n}",
        "unique_clicks": n,
        "click_to_delivery_rate": 0.25,
        "click_to_open_rate": 0.5,
    }


def pagination(
    *,
    has_next: bool = False,
    end_cursor: str | None = "WzBd",
    has_previous: bool = False,
    start_cursor: str | None = "WzBd",
    per_page: int = 1000,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "has_previous_page": has_previous,
        "has_next_page": has_next,
        "start_cursor": start_cursor,
        "end_cursor": end_cursor,
        "per_page": per_page,
        **extra,
    }


def clicks_page(numbers: range | list[int], **paging: Any) -> dict[str, Any]:
    return {
        "broadcast": {"id": 7, "clicks": [click(n) for n in numbers]},
        "pagination": pagination(**paging),
    }


def broadcasts_page(ids: list[int], **paging: Any) -> dict[str, Any]:
    return {
        "broadcasts": [{"id": i, "created_at": "2024-01-01T00:00:00Z"} for i in ids],
        "pagination": pagination(**paging),
    }


class Script:
    """Answers scripted for one endpoint, served in order; records every query."""

    def __init__(self, mocked: aioresponses, url: re.Pattern[str]) -> None:
        self._mocked = mocked
        self._url = url
        self.queries: list[dict[str, str]] = []

    def _record(self, url: Any, **_: Any) -> None:
        self.queries.append(dict(url.query))

    def answer(self, payload: dict[str, Any] | None = None, *, status: int = 200) -> None:
        self._mocked.get(self._url, status=status, payload=payload, callback=self._record)


@pytest.fixture
def clicks(mocked: aioresponses) -> Script:
    return Script(mocked, CLICKS_URL)


@pytest.fixture
def listing(mocked: aioresponses) -> Script:
    return Script(mocked, LIST_URL)


@pytest.fixture
async def kit() -> AsyncIterator[kit_async.KitClient]:
    async with kit_async.KitClient("kit_unit_test_key", rate_limit=None, max_retries=0) as client:
        yield client


def numbers(items: list[BroadcastClick]) -> list[int]:
    return [item.unique_clicks for item in items]


async def drain(paginator: AsyncPaginator[BroadcastClick], into: list[BroadcastClick]) -> None:
    """Iterate `paginator`, keeping each item as it arrives (even if it then fails)."""
    async for item in paginator:
        into.append(item)  # noqa: PERF401 - items must be kept before an error


# -- following cursors ------------------------------------------------------------


async def test_stops_when_has_next_page_is_false_even_with_end_cursor(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1, 2], has_next=False, end_cursor="WzJd"))

    items = [c async for c in kit.broadcasts.clicks(7)]

    assert numbers(items) == [1, 2]
    assert len(clicks.queries) == 1


async def test_follows_end_cursor_while_has_next_page_is_true(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1, 2], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([3, 4], has_next=True, end_cursor="c2"))
    clicks.answer(clicks_page([5], has_next=False, end_cursor="c3"))

    items = [c async for c in kit.broadcasts.clicks(7)]

    assert numbers(items) == [1, 2, 3, 4, 5]
    assert [q.get("after") for q in clicks.queries] == [None, "c1", "c2"]


async def test_a_page_is_let_go_before_the_next_one_is_fetched(
    kit: kit_async.KitClient, mocked: aioresponses
) -> None:
    # Two pages alive at once would double the objects the collector walks
    # while the next page is decoded; only what the caller holds may stay.
    first_page: list[weakref.ref[BroadcastClick]] = []
    alive_while_fetching: list[int] = []

    def fetched(url: Any, **_: Any) -> None:
        alive_while_fetching.append(sum(ref() is not None for ref in first_page))

    for page in (
        clicks_page([1, 2, 3], has_next=True, end_cursor="c1"),
        clicks_page([4], has_next=False, end_cursor="c2"),
    ):
        mocked.get(CLICKS_URL, payload=page, callback=fetched)

    seen = []
    async for item in kit.broadcasts.clicks(7):
        if item.unique_clicks <= 3:
            first_page.append(weakref.ref(item))
        seen.append(item.unique_clicks)

    assert seen == [1, 2, 3, 4]
    # While page 2 was fetched, only the click the loop variable held (3) was alive.
    assert alive_while_fetching == [0, 1]


async def test_continues_through_empty_pages_while_has_next_page_is_true(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([], has_next=True, end_cursor="c2"))
    clicks.answer(clicks_page([], has_next=True, end_cursor="c3"))
    clicks.answer(clicks_page([2], has_next=False, end_cursor="c4"))

    items = [c async for c in kit.broadcasts.clicks(7)]

    assert numbers(items) == [1, 2]
    assert len(clicks.queries) == 4


async def test_an_empty_first_page_with_has_next_page_is_followed(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([1], has_next=False, end_cursor="c2"))

    items = [c async for c in kit.broadcasts.clicks(7)]

    assert numbers(items) == [1]


async def test_an_empty_last_page_ends_the_iteration(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([], has_next=False, end_cursor=None))

    assert [c async for c in kit.broadcasts.clicks(7)] == []
    assert len(clicks.queries) == 1


# -- broken cursors ------------------------------------------------------------------


async def test_repeated_cursor_raises_pagination_error_naming_path_and_cursor(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="WzFd"))
    clicks.answer(clicks_page([2], has_next=True, end_cursor="WzFd"))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.path == CLICKS_PATH
    assert info.value.cursor == "WzFd"
    assert CLICKS_PATH in str(info.value)
    assert "WzFd" in str(info.value)
    assert len(clicks.queries) == 2


async def test_null_end_cursor_with_has_next_page_raises_pagination_error(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([2], has_next=True, end_cursor=None))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.path == CLICKS_PATH
    assert info.value.cursor == "c1"
    assert CLICKS_PATH in str(info.value)
    assert "'c1'" in str(info.value)


async def test_empty_end_cursor_with_has_next_page_raises_pagination_error(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([2], has_next=True, end_cursor=""))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.path == CLICKS_PATH
    assert info.value.cursor == "c1"


async def test_missing_cursor_on_the_first_page_raises_with_no_cursor_to_resume_from(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor=None))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.path == CLICKS_PATH
    assert info.value.cursor is None


async def test_items_of_the_page_before_a_broken_cursor_are_still_yielded(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1, 2], has_next=True, end_cursor=None))
    received: list[BroadcastClick] = []

    with pytest.raises(PaginationError):
        await drain(kit.broadcasts.clicks(7), received)

    assert numbers(received) == [1, 2]


async def test_repeated_start_cursor_walking_backwards_raises_pagination_error(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([5], has_previous=True, start_cursor="c5"))
    clicks.answer(clicks_page([4], has_previous=True, start_cursor="c5"))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7, before="c9")]

    assert info.value.cursor == "c5"


# -- what is sent ---------------------------------------------------------------------


async def test_cursor_with_equals_plus_and_slash_is_sent_exactly_as_received(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    # The server decodes the query once: it must see the cursor it sent, so
    # the client encoded it exactly once ('+' unencoded would arrive as ' ').
    cursor = "++//WzEwMDBd+a/b=="
    clicks.answer(clicks_page([1], has_next=True, end_cursor=cursor))
    clicks.answer(clicks_page([2], has_next=False, end_cursor="x"))

    _ = [c async for c in kit.broadcasts.clicks(7)]

    assert clicks.queries[1]["after"] == cursor


async def test_after_cursor_with_reserved_characters_is_sent_exactly_as_given(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    cursor = "a+b/c=d=="
    clicks.answer(clicks_page([1]))

    await kit.broadcasts.clicks(7, after=cursor)

    assert clicks.queries[0]["after"] == cursor


async def test_per_page_defaults_to_1000(kit: kit_async.KitClient, clicks: Script) -> None:
    clicks.answer(clicks_page([1]))

    paginator = kit.broadcasts.clicks(7)
    await paginator

    assert paginator.per_page == 1000
    assert clicks.queries[0]["per_page"] == "1000"


async def test_per_page_is_sent_on_every_page(kit: kit_async.KitClient, clicks: Script) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1", per_page=50))
    clicks.answer(clicks_page([2], has_next=False, per_page=50))

    _ = [c async for c in kit.broadcasts.clicks(7, per_page=50)]

    assert [q["per_page"] for q in clicks.queries] == ["50", "50"]


async def test_status_filter_is_kept_on_later_pages(
    kit: kit_async.KitClient, listing: Script
) -> None:
    listing.answer(broadcasts_page([3, 2], has_next=True, end_cursor="c1"))
    listing.answer(broadcasts_page([1], has_next=True, end_cursor="c2"))
    listing.answer(broadcasts_page([], has_next=False))

    items = [b async for b in kit.broadcasts.list(status="completed", per_page=2)]

    assert [b.id for b in items] == [3, 2, 1]
    assert [q.get("status") for q in listing.queries] == ["completed"] * 3
    assert [q.get("per_page") for q in listing.queries] == ["2"] * 3


async def test_include_total_count_is_sent_on_the_first_request_only(
    kit: kit_async.KitClient, listing: Script
) -> None:
    listing.answer(broadcasts_page([2], has_next=True, end_cursor="c1", total_count=2))
    listing.answer(broadcasts_page([1], has_next=False))

    paginator = kit.broadcasts.list(include_total_count=True, status="completed")
    pages = [p async for p in paginator.pages()]

    assert listing.queries[0]["include_total_count"] == "true"
    assert "include_total_count" not in listing.queries[1]
    assert listing.queries[1]["status"] == "completed"
    assert pages[0].pagination.total_count == 2


async def test_include_total_count_is_not_sent_unless_asked(
    kit: kit_async.KitClient, listing: Script
) -> None:
    listing.answer(broadcasts_page([1]))

    page = await kit.broadcasts.list()

    assert "include_total_count" not in listing.queries[0]
    assert "status" not in listing.queries[0]
    assert page.pagination.total_count is None


async def test_before_walks_backwards_following_start_cursor_while_has_previous_page(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    # has_next_page is true on every page: walking backwards ignores it.
    clicks.answer(clicks_page([5, 6], has_previous=True, start_cursor="c4", has_next=True))
    clicks.answer(clicks_page([3, 4], has_previous=True, start_cursor="c2", has_next=True))
    clicks.answer(clicks_page([1, 2], has_previous=False, start_cursor="c0", has_next=True))

    pages = [p async for p in kit.broadcasts.clicks(7, before="c6", per_page=2).pages()]

    assert [q.get("before") for q in clicks.queries] == ["c6", "c4", "c2"]
    assert all("after" not in q for q in clicks.queries)
    assert [numbers(list(p.items)) for p in pages] == [[5, 6], [3, 4], [1, 2]]
    assert [p.cursor for p in pages] == ["c6", "c4", "c2"]


async def test_before_stops_when_has_previous_page_is_false_even_with_start_cursor(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_previous=False, start_cursor="c0", has_next=True))

    items = [c async for c in kit.broadcasts.clicks(7, before="c1")]

    assert numbers(items) == [1]
    assert len(clicks.queries) == 1


async def test_after_resumes_from_a_saved_cursor(kit: kit_async.KitClient, clicks: Script) -> None:
    clicks.answer(clicks_page([4], has_next=True, end_cursor="c4"))
    clicks.answer(clicks_page([5], has_next=False))

    pages = [p async for p in kit.broadcasts.clicks(7, after="c3").pages()]

    assert [q.get("after") for q in clicks.queries] == ["c3", "c4"]
    assert [p.cursor for p in pages] == ["c3", "c4"]


async def test_iter_broadcast_clicks_passes_its_arguments_through(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1]))

    items = [c async for c in kit.iter_broadcast_clicks(7, per_page=10, after="c9")]

    assert numbers(items) == [1]
    assert clicks.queries == [{"per_page": "10", "after": "c9"}]


# -- the paginator's shape -------------------------------------------------------------


async def test_list_call_is_a_plain_call_that_sends_nothing_until_iterated(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    paginator = kit.broadcasts.clicks(7)

    assert isinstance(paginator, AsyncPaginator)
    assert clicks.queries == []


async def test_awaiting_the_paginator_returns_only_the_first_page(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1, 2], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([3], has_next=False))

    page = await kit.broadcasts.clicks(7)

    assert isinstance(page, Page)
    assert numbers(list(page.items)) == [1, 2]
    assert page.pagination.has_next_page is True
    assert page.pagination.end_cursor == "c1"
    assert len(clicks.queries) == 1


async def test_page_cursor_is_none_for_the_first_page_then_the_cursor_used(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(clicks_page([2], has_next=True, end_cursor="c2"))
    clicks.answer(clicks_page([3], has_next=False, end_cursor="c3"))

    pages = [p async for p in kit.broadcasts.clicks(7).pages()]

    assert [p.cursor for p in pages] == [None, "c1", "c2"]


async def test_page_items_are_a_tuple(kit: kit_async.KitClient, clicks: Script) -> None:
    clicks.answer(clicks_page([1, 2]))

    page = await kit.broadcasts.clicks(7)

    assert isinstance(page.items, tuple)


async def test_each_iteration_starts_again_from_the_start(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    paginator = kit.broadcasts.clicks(7, after="c3")
    clicks.answer(clicks_page([4]))
    clicks.answer(clicks_page([4]))

    first = [c async for c in paginator]
    second = [c async for c in paginator]

    assert first == second
    assert [q.get("after") for q in clicks.queries] == ["c3", "c3"]


async def test_an_error_on_a_later_page_carries_that_pages_cursor(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(status=500)

    with pytest.raises(InternalServerError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.cursor == "c1"
    assert info.value.path == CLICKS_PATH


async def test_after_an_error_cursor_resumes_exactly_at_the_failed_page(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer(status=500)
    clicks.answer(clicks_page([2], has_next=False))
    received: list[BroadcastClick] = []

    with pytest.raises(InternalServerError) as info:
        await drain(kit.broadcasts.clicks(7), received)
    received += [c async for c in kit.broadcasts.clicks(7, after=info.value.cursor)]

    assert numbers(received) == [1, 2]
    assert clicks.queries[2]["after"] == "c1"


async def test_a_schema_error_on_a_later_page_carries_that_pages_cursor(
    kit: kit_async.KitClient, clicks: Script
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    clicks.answer({"broadcast": {"id": 7, "clicks": [{"url": "x"}]}, "pagination": pagination()})

    with pytest.raises(ResponseValidationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.cursor == "c1"


async def test_a_non_json_later_page_carries_that_pages_cursor(
    kit: kit_async.KitClient, clicks: Script, mocked: aioresponses
) -> None:
    clicks.answer(clicks_page([1], has_next=True, end_cursor="c1"))
    mocked.get(CLICKS_URL, body="<html>502 Bad Gateway</html>", content_type="text/html")

    with pytest.raises(ResponseValidationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(7)]

    assert info.value.cursor == "c1"
    assert info.value.field is None


# -- arguments refused before any request -------------------------------------------------


@pytest.mark.parametrize("per_page", [0, -1, 1001, 10_000])
def test_per_page_out_of_range_raises_value_error_before_any_request(
    kit: kit_async.KitClient, clicks: Script, per_page: int
) -> None:
    with pytest.raises(ValueError, match="per_page must be between 1 and 1000"):
        kit.broadcasts.clicks(7, per_page=per_page)
    with pytest.raises(ValueError, match="per_page"):
        kit.broadcasts.list(per_page=per_page)

    assert clicks.queries == []


@pytest.mark.parametrize("per_page", [True, False, "5", 5.0, None])
def test_per_page_that_is_not_an_int_raises_type_error_before_any_request(
    kit: kit_async.KitClient, clicks: Script, per_page: Any
) -> None:
    with pytest.raises(TypeError, match="per_page must be an int"):
        kit.broadcasts.clicks(7, per_page=per_page)

    assert clicks.queries == []


def test_after_and_before_together_raise_value_error(kit: kit_async.KitClient) -> None:
    with pytest.raises(ValueError, match="either after= or before="):
        kit.broadcasts.clicks(7, after="c1", before="c2")


def test_an_empty_cursor_raises_value_error(kit: kit_async.KitClient) -> None:
    with pytest.raises(ValueError, match="after must not be empty"):
        kit.broadcasts.clicks(7, after="")


def test_a_cursor_that_is_not_a_string_raises_type_error(kit: kit_async.KitClient) -> None:
    with pytest.raises(TypeError, match="before must be a cursor string"):
        kit.broadcasts.clicks(7, before=12)  # type: ignore[arg-type]


def test_status_filter_that_is_not_a_string_raises_type_error(kit: kit_async.KitClient) -> None:
    with pytest.raises(TypeError, match="status must be a str"):
        kit.broadcasts.list(status=["completed"])  # type: ignore[arg-type]
