"""End to end: the broadcasts endpoints, run by the real client against FakeKit.

FakeKit (the `fake_kit` fixture: 10 broadcasts, the last two unsent, 1,200
clicks each) serves opaque base64 cursors that always contain `+` and `/`,
keeps the last page's `end_cursor` non-null like Kit, and records every
request it gets, so each test can check what crossed the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import attrs
import pytest
from aiohttp import web

import kit_async
from kit_async import (
    AuthenticationError,
    Broadcast,
    BroadcastClick,
    BroadcastStats,
    EmailTemplate,
    InternalServerError,
    KitClient,
    NotFoundError,
    Page,
    PaginationError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from kit_async.testing import FakeKit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def as_sent(click: BroadcastClick) -> dict[str, Any]:
    """A click as FakeKit serves it (without the envelope's broadcast id)."""
    fields = attrs.asdict(click)
    del fields["broadcast_id"]
    return fields


def client_for(server: FakeKit, **options: Any) -> KitClient:
    options.setdefault("rate_limit", None)
    options.setdefault("timeout", 5.0)
    return KitClient(server.api_key, base_url=server.url, **options)


async def drain(paginator: AsyncIterable[BroadcastClick], into: list[BroadcastClick]) -> None:
    """Iterate `paginator`, keeping each item as it arrives (even if it then fails)."""
    async for item in paginator:
        into.append(item)  # noqa: PERF401 - items must be kept before an error


def queries(server: FakeKit, path: str) -> list[dict[str, str]]:
    return [dict(r.query) for r in server.requests if r.path == path]


class RawQueries:
    """A FakeKit middleware keeping each request's query string as it arrived."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.seen.append(request.raw_path.partition("?")[2])
        return await handler(request)


@pytest.fixture
async def wire() -> AsyncIterator[tuple[FakeKit, RawQueries]]:
    raw = RawQueries()
    server = FakeKit(broadcasts=2, clicks=30, drafts=0)
    server.app.middlewares.insert(0, raw.middleware)
    async with server:
        yield server, raw


# -- clicks ---------------------------------------------------------------------------------


async def test_every_click_of_a_multi_page_broadcast_is_yielded_once_in_order(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    clicks = [c async for c in kit.iter_broadcast_clicks(3)]

    assert [as_sent(c) for c in clicks] == fake_kit.clicks_of(3)
    assert {c.broadcast_id for c in clicks} == {3}
    assert len(queries(fake_kit, "/v4/broadcasts/3/clicks")) == 2


async def test_clicks_are_fetched_1000_per_page_unless_told_otherwise(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    _ = [c async for c in kit.iter_broadcast_clicks(1)]

    assert [q["per_page"] for q in queries(fake_kit, "/v4/broadcasts/1/clicks")] == [
        "1000",
        "1000",
    ]


@pytest.mark.parametrize(
    ("per_page", "requests"), [(100, 12), (250, 5), (400, 3), (600, 2), (999, 2)]
)
async def test_every_click_is_yielded_once_in_order_whatever_the_page_size(
    fake_kit: FakeKit, kit: KitClient, per_page: int, requests: int
) -> None:
    clicks = [c async for c in kit.broadcasts.clicks(2, per_page=per_page)]

    assert [as_sent(c) for c in clicks] == fake_kit.clicks_of(2)
    assert len(queries(fake_kit, "/v4/broadcasts/2/clicks")) == requests


async def test_the_last_page_has_an_end_cursor_yet_nothing_more_is_fetched(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    pages = [p async for p in kit.broadcasts.clicks(1, per_page=500).pages()]

    last = pages[-1].pagination
    assert last.has_next_page is False
    assert last.end_cursor is not None
    assert len(pages) == 3
    assert len(fake_kit.requests) == 3


async def test_a_sent_broadcast_without_clicks_yields_nothing() -> None:
    async with FakeKit(broadcasts=2, clicks={1: 0}, drafts=0) as server, client_for(server) as kit:
        clicks = [c async for c in kit.iter_broadcast_clicks(1)]

    assert clicks == []
    assert len(server.requests) == 1


async def test_exactly_one_full_page_is_fetched_with_one_request() -> None:
    async with FakeKit(broadcasts=1, clicks=1000, drafts=0) as server, client_for(server) as kit:
        clicks = [c async for c in kit.iter_broadcast_clicks(1)]

    assert len(clicks) == 1000
    assert len(server.requests) == 1


async def test_cursors_cross_the_wire_url_encoded_exactly_once(
    wire: tuple[FakeKit, RawQueries],
) -> None:
    server, raw = wire

    async with client_for(server) as kit:
        pages = [p async for p in kit.broadcasts.clicks(1, per_page=10).pages()]

    cursors = [p.cursor for p in pages[1:]]
    assert cursors == [FakeKit.cursor(10), FakeKit.cursor(20)]
    assert all("+" in c and "/" in c and "=" in c for c in cursors)  # type: ignore[operator]
    for query, cursor in zip(raw.seen[1:], cursors, strict=True):
        after = dict(part.split("=", 1) for part in query.split("&"))["after"]
        assert "+" not in after
        assert "/" not in after
        assert "%25" not in after  # not encoded twice
        assert unquote(after) == cursor


async def test_awaiting_clicks_fetches_only_the_first_page(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    page = await kit.broadcasts.clicks(1)

    assert isinstance(page, Page)
    assert page.cursor is None
    assert [as_sent(c) for c in page.items] == fake_kit.clicks_of(1)[:1000]
    assert page.pagination.has_next_page is True
    assert len(fake_kit.requests) == 1


async def test_before_walks_backwards_to_the_first_page(fake_kit: FakeKit, kit: KitClient) -> None:
    end = FakeKit.cursor(1200)

    pages = [p async for p in kit.broadcasts.clicks(1, per_page=500, before=end).pages()]

    assert [len(p.items) for p in pages] == [500, 500, 200]
    walked_forwards = [as_sent(c) for p in reversed(pages) for c in p.items]
    assert walked_forwards == fake_kit.clicks_of(1)
    assert pages[0].cursor == end
    assert pages[-1].pagination.has_previous_page is False
    sent = queries(fake_kit, "/v4/broadcasts/1/clicks")
    assert [q.get("before") for q in sent] == [p.cursor for p in pages]
    assert all("after" not in q for q in sent)


async def test_after_resumes_from_a_saved_page_cursor(fake_kit: FakeKit, kit: KitClient) -> None:
    pages = [p async for p in kit.broadcasts.clicks(1, per_page=500).pages()]
    saved = pages[1].cursor

    resumed = [c async for c in kit.broadcasts.clicks(1, per_page=500, after=saved)]

    assert [as_sent(c) for c in resumed] == fake_kit.clicks_of(1)[500:]


async def test_an_export_interrupted_by_an_error_resumes_where_it_failed(
    fake_kit: FakeKit,
) -> None:
    fake_kit.inject("500", after=FakeKit.cursor(600))
    received: list[BroadcastClick] = []

    async with client_for(fake_kit, max_retries=0) as kit:
        with pytest.raises(InternalServerError) as info:
            await drain(kit.broadcasts.clicks(1, per_page=300), received)
        received += [
            c async for c in kit.broadcasts.clicks(1, per_page=300, after=info.value.cursor)
        ]

    assert info.value.cursor == FakeKit.cursor(600)
    assert [as_sent(c) for c in received] == fake_kit.clicks_of(1)


async def test_a_repeated_cursor_from_the_server_raises_pagination_error(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    stuck = FakeKit.cursor(500)
    fake_kit.inject("repeat_cursor", after=stuck)

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(1, per_page=500)]

    assert info.value.path == "/v4/broadcasts/1/clicks"
    assert info.value.cursor == stuck
    assert len(fake_kit.requests) == 2


async def test_a_missing_cursor_from_the_server_raises_pagination_error(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("missing_cursor", after=FakeKit.cursor(500))

    with pytest.raises(PaginationError) as info:
        _ = [c async for c in kit.broadcasts.clicks(1, per_page=500)]

    assert info.value.cursor == FakeKit.cursor(500)


async def test_a_truncated_json_body_raises_response_validation_error(fake_kit: FakeKit) -> None:
    fake_kit.inject("truncated")

    async with client_for(fake_kit, max_retries=0) as kit:
        with pytest.raises(ResponseValidationError) as info:
            _ = [c async for c in kit.broadcasts.clicks(1)]

    assert info.value.path == "/v4/broadcasts/1/clicks"
    assert info.value.field is None


@pytest.mark.parametrize("broadcast_id", [9, 10])
async def test_clicks_of_a_draft_or_scheduled_broadcast_raise_not_found_error(
    fake_kit: FakeKit, kit: KitClient, broadcast_id: int
) -> None:
    with pytest.raises(NotFoundError) as info:
        _ = [c async for c in kit.iter_broadcast_clicks(broadcast_id)]

    assert info.value.status_code == 404
    assert info.value.errors == ("Not Found",)
    assert info.value.path == f"/v4/broadcasts/{broadcast_id}/clicks"
    assert len(fake_kit.requests) == 1


async def test_clicks_of_an_unknown_broadcast_raise_not_found_error(kit: KitClient) -> None:
    with pytest.raises(NotFoundError):
        await kit.broadcasts.clicks(999)


# -- credentials ------------------------------------------------------------------------------


async def test_a_wrong_api_key_raises_authentication_error_with_kits_message(
    fake_kit: FakeKit,
) -> None:
    wrong = "kit_wrong_key_0123456789"

    async with KitClient(wrong, base_url=fake_kit.url, rate_limit=None) as kit:
        with pytest.raises(AuthenticationError) as info:
            await kit.broadcasts.get(1)

    assert info.value.status_code == 401
    assert info.value.errors == ("The API key is invalid",)
    assert "The API key is invalid" in str(info.value)
    assert wrong not in str(info.value)
    assert wrong not in repr(info.value)
    assert len(fake_kit.requests) == 1


async def test_a_wrong_access_token_raises_authentication_error_with_the_challenge(
    fake_kit: FakeKit,
) -> None:
    async with KitClient(access_token="wrong_token", base_url=fake_kit.url) as kit:
        with pytest.raises(AuthenticationError) as info:
            _ = [c async for c in kit.iter_broadcast_clicks(1)]

    assert info.value.errors == ("The access token is invalid",)
    assert info.value.www_authenticate is not None
    assert "invalid_token" in info.value.www_authenticate


# -- list, get, stats ---------------------------------------------------------------------------


async def test_list_decodes_every_broadcast_newest_first(fake_kit: FakeKit, kit: KitClient) -> None:
    broadcasts = [b async for b in kit.broadcasts.list()]

    assert [b.id for b in broadcasts] == list(range(10, 0, -1))
    assert all(isinstance(b, Broadcast) for b in broadcasts)
    assert [b.status for b in broadcasts] == [fake_kit.status_of(i) for i in range(10, 0, -1)]


async def test_list_keeps_the_status_filter_on_every_page(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    broadcasts = [b async for b in kit.broadcasts.list(status="completed", per_page=2)]

    expected = [i for i in range(10, 0, -1) if fake_kit.status_of(i) == "completed"]
    assert [b.id for b in broadcasts] == expected
    sent = queries(fake_kit, "/v4/broadcasts")
    assert len(sent) == 3
    assert [q.get("status") for q in sent] == ["completed"] * 3
    assert "after" in sent[1]


async def test_list_sends_include_total_count_on_the_first_request_only(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    pages = [p async for p in kit.broadcasts.list(per_page=4, include_total_count=True).pages()]

    sent = queries(fake_kit, "/v4/broadcasts")
    assert [q.get("include_total_count") for q in sent] == ["true", None, None]
    assert [p.pagination.total_count for p in pages] == [10, None, None]


async def test_list_with_an_unknown_status_is_refused_before_sending(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    with pytest.raises(ValueError, match=r"status must be one of draft, .*, completed, aborted"):
        kit.broadcasts.list(status="sent")  # type: ignore[arg-type]

    assert queries(fake_kit, "/v4/broadcasts") == []


async def test_kits_422_for_an_unknown_status_names_the_accepted_ones(kit: KitClient) -> None:
    # Through the escape hatch, which sends whatever it is given.
    with pytest.raises(UnprocessableEntityError) as info:
        await kit.request("GET", "/v4/broadcasts", params={"status": "sent"})

    assert "completed" in info.value.errors[0]


async def test_get_decodes_a_broadcast(fake_kit: FakeKit, kit: KitClient) -> None:
    broadcast = await kit.broadcasts.get(4)

    served = fake_kit.broadcast(4)
    assert broadcast.id == 4
    assert broadcast.subject == served["subject"]
    assert broadcast.created_at.isoformat() == served["created_at"].replace("Z", "+00:00")
    assert broadcast.email_template == EmailTemplate(6, "Text Only")
    assert broadcast.subscriber_filter == tuple(served["subscriber_filter"])
    assert broadcast.status == served["status"]


async def test_get_of_a_draft_says_it_is_a_draft(kit: KitClient) -> None:
    broadcast = await kit.broadcasts.get(9)

    assert broadcast.status == "draft"
    assert broadcast.published_at is None


async def test_get_of_an_unknown_broadcast_raises_not_found_error(kit: KitClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await kit.broadcasts.get(11)

    assert info.value.path == "/v4/broadcasts/11"


async def test_stats_decode(fake_kit: FakeKit, kit: KitClient) -> None:
    stats = await kit.broadcasts.stats(2)

    assert isinstance(stats, BroadcastStats)
    assert stats == BroadcastStats(broadcast_id=2, **fake_kit.stats(2))


# -- arguments refused before any request ------------------------------------------------------

BAD_IDS = [
    pytest.param(True, TypeError, id="bool"),
    pytest.param("1/../x", TypeError, id="path"),
    pytest.param("1", TypeError, id="digit-string"),
    pytest.param(1.0, TypeError, id="float"),
    pytest.param(None, TypeError, id="none"),
    pytest.param(0, ValueError, id="zero"),
    pytest.param(-1, ValueError, id="negative"),
]


@pytest.mark.parametrize(("broadcast_id", "error"), BAD_IDS)
async def test_clicks_refuse_a_bad_broadcast_id_before_any_request(
    fake_kit: FakeKit, kit: KitClient, broadcast_id: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="broadcast_id"):
        kit.broadcasts.clicks(broadcast_id)
    with pytest.raises(error, match="broadcast_id"):
        kit.iter_broadcast_clicks(broadcast_id)

    assert fake_kit.requests == []


@pytest.mark.parametrize(("broadcast_id", "error"), BAD_IDS)
async def test_get_and_stats_refuse_a_bad_broadcast_id_before_any_request(
    fake_kit: FakeKit, kit: KitClient, broadcast_id: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="broadcast_id"):
        await kit.broadcasts.get(broadcast_id)
    with pytest.raises(error, match="broadcast_id"):
        await kit.broadcasts.stats(broadcast_id)

    assert fake_kit.requests == []


@pytest.mark.parametrize("per_page", [0, 1001])
async def test_an_out_of_range_per_page_is_refused_before_any_request(
    fake_kit: FakeKit, kit: KitClient, per_page: int
) -> None:
    with pytest.raises(ValueError, match="per_page"):
        kit.iter_broadcast_clicks(1, per_page=per_page)

    assert fake_kit.requests == []


async def test_the_headline_example_runs_against_fake_kit(fake_kit: FakeKit) -> None:
    seen = []
    async with kit_async.KitClient(api_key=fake_kit.api_key, base_url=fake_kit.url) as kit:
        async for click in kit.iter_broadcast_clicks(1):
            seen.append((click.url, click.unique_clicks))  # noqa: PERF401 - as in the README

    assert seen == [(c["url"], c["unique_clicks"]) for c in fake_kit.clicks_of(1)]


# -- writes: the client's create/update/delete against FakeKit's broadcasts -------------------


async def test_a_draft_is_created_scheduled_unscheduled_and_deleted(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    draft = await kit.broadcasts.create(
        subject="Hello!",
        content="<p>Let me introduce myself</p>",
        description="Intro email",
        email_template_id=2,
        subscriber_filter=[{"all": [{"type": "segment", "ids": [16]}], "any": None}],
    )
    assert (draft.status, draft.send_at) == ("draft", None)
    assert draft.email_template == EmailTemplate(2, "Classic")
    assert draft.subscriber_filter == ({"all": [{"type": "segment", "ids": [16]}]},)
    assert await kit.broadcasts.get(draft.id) == draft
    drafts = [b.id async for b in kit.broadcasts.list(status="draft", slim=True)]
    assert draft.id in drafts

    when = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    scheduled = await kit.broadcasts.update(draft.id, send_at=when)
    assert (scheduled.status, scheduled.send_at, scheduled.subject) == ("scheduled", when, "Hello!")

    unscheduled = await kit.broadcasts.update(draft.id, send_at=None)
    assert (unscheduled.status, unscheduled.send_at) == ("draft", None)

    await kit.broadcasts.delete(draft.id)
    with pytest.raises(NotFoundError):
        await kit.broadcasts.get(draft.id)
    writes = [(r.method, r.status) for r in fake_kit.requests if r.method != "GET"]
    assert writes == [("POST", 201), ("PUT", 200), ("PUT", 200), ("DELETE", 204)]


async def test_a_sent_broadcast_can_be_neither_changed_nor_deleted(kit: KitClient) -> None:
    with pytest.raises(UnprocessableEntityError):
        await kit.broadcasts.update(1, subject="Too late")
    with pytest.raises(UnprocessableEntityError):
        await kit.broadcasts.delete(1)
    assert (await kit.broadcasts.get(1)).subject == "Broadcast 1"


async def test_scheduling_without_content_is_kits_422_and_changes_nothing(
    kit: KitClient,
) -> None:
    draft = await kit.broadcasts.create(subject="No body yet")
    with pytest.raises(UnprocessableEntityError) as info:
        await kit.broadcasts.update(draft.id, send_at="2030-01-01T00:00:00Z")
    assert any("Content" in message for message in info.value.errors)
    assert (await kit.broadcasts.get(draft.id)).send_at is None


async def test_a_create_whose_answer_is_lost_is_not_sent_twice(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    # FakeKit creates the broadcast, then cuts the connection mid-answer.
    fake_kit.inject("reset", method="POST", path="/v4/broadcasts")
    with pytest.raises(kit_async.APIConnectionError):
        await kit.broadcasts.create(subject="Once")

    assert [r.method for r in fake_kit.requests].count("POST") == 1
    subjects = [b.subject async for b in kit.broadcasts.list()]
    assert subjects.count("Once") == 1


async def test_an_update_whose_answer_is_lost_is_retried_safely(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    draft = await kit.broadcasts.create(subject="Draft")
    fake_kit.inject("reset", method="PUT")
    changed = await kit.broadcasts.update(draft.id, subject="Renamed")

    assert changed.subject == "Renamed"
    assert [r.method for r in fake_kit.requests].count("PUT") == 2


async def test_twenty_concurrent_creates_make_twenty_broadcasts(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    made = await asyncio.gather(*(kit.broadcasts.create(subject=f"Draft {n}") for n in range(20)))

    assert len({b.id for b in made}) == 20
    assert sorted(b.subject or "" for b in made) == sorted(f"Draft {n}" for n in range(20))
    assert [r.method for r in fake_kit.requests].count("POST") == 20
    listed = [b.id async for b in kit.broadcasts.list()]
    assert len(listed) == 10 + 20
    assert {b.id for b in made} <= set(listed)


async def test_concurrent_updates_of_one_draft_each_change_only_their_field(
    kit: KitClient,
) -> None:
    draft = await kit.broadcasts.create(subject="Draft", content="<p>Hi</p>")
    fields: list[dict[str, Any]] = [
        {"subject": "New subject"},
        {"preview_text": "New preview"},
        {"description": "New description"},
        {"thumbnail_alt": "New alt"},
    ]
    await asyncio.gather(*(kit.broadcasts.update(draft.id, **f) for f in fields))

    final = await kit.broadcasts.get(draft.id)
    assert (final.subject, final.preview_text, final.description, final.thumbnail_alt) == (
        "New subject",
        "New preview",
        "New description",
        "New alt",
    )
    assert final.content == "<p>Hi</p>"


async def test_stats_of_every_broadcast_name_each_one(fake_kit: FakeKit, kit: KitClient) -> None:
    items = [item async for item in kit.broadcasts.list_stats(per_page=3)]

    assert [item.id for item in items] == list(range(10, 0, -1))
    assert items[-1].subject == "Broadcast 1"
    assert items[-1].stats.recipients == fake_kit.stats(1)["recipients"]
    completed = [i.id async for i in kit.broadcasts.list_stats(status="completed")]
    assert completed == [i.id for i in items if i.stats.status == "completed"]


async def test_stats_of_every_broadcast_need_a_pro_plan() -> None:
    async with FakeKit(stats_forbidden=True) as server, client_for(server) as kit:
        with pytest.raises(kit_async.PermissionDeniedError):
            await kit.broadcasts.list_stats()
