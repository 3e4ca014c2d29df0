"""FakeKit's tags over plain HTTP: create or find, rename, (un)tag, a tag's subscribers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


async def test_the_round_trip_a_users_app_makes(server: FakeKit, http) -> None:
    """Create a subscriber, tag it, list the tag's subscribers, untag, unsubscribe."""
    status, created = await call(
        http,
        "POST",
        "/v4/subscribers",
        json={"email_address": "ada@example.com", "first_name": "Ada"},
    )
    assert status == 201
    ada = created["subscriber"]
    status, made = await call(http, "POST", "/v4/tags", json={"name": "Customers"})
    assert status == 201
    tag_id = made["tag"]["id"]

    status, tagged = await call(
        http, "POST", f"/v4/tags/{tag_id}/subscribers", json={"email_address": "ada@example.com"}
    )
    assert status == 201
    assert tagged["subscriber"]["tagged_at"] == "2026-11-20T12:00:00Z"
    _, listed = await call(http, "GET", f"/v4/tags/{tag_id}/subscribers")
    assert [s["email_address"] for s in listed["subscribers"]] == ["ada@example.com"]

    assert await call(http, "DELETE", f"/v4/tags/{tag_id}/subscribers/{ada['id']}") == (204, None)
    _, listed = await call(http, "GET", f"/v4/tags/{tag_id}/subscribers")
    assert listed["subscribers"] == []

    assert await call(http, "POST", f"/v4/subscribers/{ada['id']}/unsubscribe", json={}) == (
        204,
        None,
    )
    assert server.account.subscribers[ada["id"]].state == "cancelled"


async def test_create_returns_the_existing_tag_with_200_whatever_the_case(http) -> None:
    first = await call(http, "POST", "/v4/tags", json={"name": "VIP"})
    again = await call(http, "POST", "/v4/tags", json={"name": "  vip "})

    assert first[0] == 201
    assert again == (200, first[1])
    assert first[1] == {"tag": {"id": 1, "name": "VIP", "created_at": "2026-11-20T12:00:00Z"}}


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": None}])
async def test_a_tag_needs_a_name(http, body: dict[str, Any]) -> None:
    assert await call(http, "POST", "/v4/tags", json=body) == (
        422,
        {"errors": ["Name can't be blank"]},
    )


async def test_a_name_that_is_not_text_is_refused(http) -> None:
    assert await call(http, "POST", "/v4/tags", json={"name": 7}) == (
        422,
        {"errors": ["name must be a string"]},
    )


async def test_list_is_newest_first_with_subscriber_counts_on_request(
    server: FakeKit, http
) -> None:
    old, new = server.add_tag("Old"), server.add_tag("New")
    server.tag_subscriber(old, server.add_subscriber("a@example.com"))
    server.tag_subscriber(old, server.add_subscriber("b@example.com"))

    _, plain = await call(http, "GET", "/v4/tags")
    _, counted = await call(http, "GET", "/v4/tags", params={"include": "subscriber_count"})

    assert [t["id"] for t in plain["tags"]] == [new.id, old.id]
    assert "subscriber_count" not in plain["tags"][0]
    assert [t["subscriber_count"] for t in counted["tags"]] == [0, 2]


async def test_an_unknown_include_is_refused(http) -> None:
    status, body = await call(http, "GET", "/v4/tags", params={"include": "colour"})

    assert status == 422
    assert "subscriber_count" in body["errors"][0]


async def test_rename_refuses_a_name_another_tag_has(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    server.add_tag("Customers")

    assert await call(http, "PUT", f"/v4/tags/{vip.id}", json={"name": "customers"}) == (
        422,
        {"errors": ["Name has already been taken"]},
    )
    status, body = await call(http, "PUT", f"/v4/tags/{vip.id}", json={"name": "vip"})
    assert (status, body["tag"]["name"]) == (200, "vip")
    assert await call(http, "PUT", "/v4/tags/99", json={"name": "x"}) == (
        404,
        {"errors": ["Not Found"]},
    )


async def test_tagging_again_is_200_with_the_first_tagged_at(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    vip = server.add_tag("VIP")
    first = datetime(2026, 1, 1, tzinfo=UTC)
    server.tag_subscriber(vip, ada, at=first)

    status, body = await call(http, "POST", f"/v4/tags/{vip.id}/subscribers/{ada.id}", json={})

    assert status == 200
    assert body["subscriber"]["tagged_at"] == "2026-01-01T00:00:00Z"
    assert body["subscriber"]["fields"] == {}


async def test_tagging_needs_an_existing_tag_and_subscriber(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    vip = server.add_tag("VIP")
    not_found = (404, {"errors": ["Not Found"]})

    assert await call(http, "POST", f"/v4/tags/99/subscribers/{ada.id}", json={}) == not_found
    assert await call(http, "POST", f"/v4/tags/{vip.id}/subscribers/99", json={}) == not_found
    assert (
        await call(
            http, "POST", f"/v4/tags/{vip.id}/subscribers", json={"email_address": "no@example.com"}
        )
        == not_found
    )
    assert await call(http, "POST", f"/v4/tags/{vip.id}/subscribers", json={}) == (
        422,
        {"errors": ["Either subscriber id or email address is required to tag subscriber"]},
    )
    assert server.account.taggings.get(vip.id, {}) == {}


async def test_untag_by_email_takes_the_address_from_the_query_or_a_body(
    server: FakeKit, http
) -> None:
    vip = server.add_tag("VIP")
    people = [server.add_subscriber(f"{name}@example.com") for name in ("a", "b", "c")]
    for person in people:
        server.tag_subscriber(vip, person)
    path = f"/v4/tags/{vip.id}/subscribers"

    assert (await call(http, "DELETE", path, params={"email_address": "A@example.com"}))[0] == 204
    assert (await call(http, "DELETE", path, json={"email_address": "b@example.com"}))[0] == 204
    assert (await call(http, "DELETE", path, data={"email_address": "c@example.com"}))[0] == 204
    assert server.account.taggings[vip.id] == {}


async def test_untag_by_email_needs_an_address_it_knows(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    path = f"/v4/tags/{vip.id}/subscribers"

    assert await call(http, "DELETE", path) == (
        422,
        {
            "errors": [
                "Either subscriber id or email address is required to remove tag from subscriber"
            ]
        },
    )
    assert await call(http, "DELETE", path, params={"email_address": "no@example.com"}) == (
        404,
        {"errors": ["Not Found"]},
    )


async def test_untagging_twice_succeeds_so_a_retried_delete_is_harmless(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com")
    vip = server.add_tag("VIP")
    server.tag_subscriber(vip, ada)

    assert (await call(http, "DELETE", f"/v4/tags/{vip.id}/subscribers/{ada.id}"))[0] == 204
    assert (await call(http, "DELETE", f"/v4/tags/{vip.id}/subscribers/{ada.id}"))[0] == 204
    assert (await call(http, "DELETE", f"/v4/tags/{vip.id}/subscribers/99"))[0] == 404


async def test_a_tags_subscribers_filter_on_when_they_were_tagged(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    for day in (1, 2, 3, 4):
        person = server.add_subscriber(f"day{day}@example.com")
        server.tag_subscriber(vip, person, at=datetime(2026, 3, day, 10, tzinfo=UTC))
    path = f"/v4/tags/{vip.id}/subscribers"

    _, everyone = await call(http, "GET", path)
    _, middle = await call(
        http, "GET", path, params={"tagged_after": "2026-03-02", "tagged_before": "2026-03-04"}
    )

    assert [s["email_address"] for s in everyone["subscribers"]] == [
        "day4@example.com",
        "day3@example.com",
        "day2@example.com",
        "day1@example.com",
    ]
    assert [s["tagged_at"] for s in middle["subscribers"]] == [
        "2026-03-03T10:00:00Z",
        "2026-03-02T10:00:00Z",
    ]


async def test_a_tags_subscribers_are_active_ones_unless_told_otherwise(
    server: FakeKit, http
) -> None:
    vip = server.add_tag("VIP")
    active = server.add_subscriber("active@example.com")
    gone = server.add_subscriber("gone@example.com", state="cancelled")
    for person in (active, gone):
        server.tag_subscriber(vip, person)
    path = f"/v4/tags/{vip.id}/subscribers"

    _, default = await call(http, "GET", path)
    _, cancelled = await call(http, "GET", path, params={"status": "cancelled"})
    _, every = await call(http, "GET", path, params={"status": "all"})
    status, refused = await call(http, "GET", path, params={"status": "gone"})

    assert [s["id"] for s in default["subscribers"]] == [active.id]
    assert [s["id"] for s in cancelled["subscribers"]] == [gone.id]
    assert {s["id"] for s in every["subscribers"]} == {active.id, gone.id}
    assert status == 422
    assert "active, inactive, bounced, complained, cancelled, all" in refused["errors"][0]


async def test_a_tags_subscribers_filter_on_creation_and_can_be_slim(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    early = server.add_subscriber("early@example.com", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    late = server.add_subscriber("late@example.com", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    for person in (early, late):
        server.tag_subscriber(vip, person)
    path = f"/v4/tags/{vip.id}/subscribers"

    _, created = await call(
        http, "GET", path, params={"created_after": "2025-06-01", "slim": "true"}
    )

    assert [s["id"] for s in created["subscribers"]] == [late.id]
    assert "fields" not in created["subscribers"][0]


async def test_a_tags_subscribers_page_with_fakekit_cursors_both_ways(
    server: FakeKit, http
) -> None:
    vip = server.add_tag("VIP")
    for n in range(5):
        server.tag_subscriber(vip, server.add_subscriber(f"s{n}@example.com"))
    path = f"/v4/tags/{vip.id}/subscribers"

    _, first = await call(
        http, "GET", path, params={"per_page": "2", "include_total_count": "true"}
    )
    after = first["pagination"]["end_cursor"]
    _, second = await call(http, "GET", path, params={"per_page": "2", "after": after})
    before = second["pagination"]["start_cursor"]
    _, back = await call(http, "GET", path, params={"per_page": "2", "before": before})
    third = second["pagination"]["end_cursor"]
    _, last = await call(http, "GET", path, params={"per_page": "2", "after": third})
    _, back_from_last = await call(
        http, "GET", path, params={"per_page": "2", "before": last["pagination"]["start_cursor"]}
    )

    assert after.startswith("++//")
    assert first["pagination"]["total_count"] == 5
    assert first["pagination"]["has_previous_page"] is False
    assert second["pagination"]["has_previous_page"] is True
    assert back["subscribers"] == first["subscribers"]
    assert back_from_last["subscribers"] == second["subscribers"]
    assert last["pagination"]["has_next_page"] is False
    assert last["pagination"]["end_cursor"] is not None
    assert [s["email_address"] for s in second["subscribers"]] == [
        "s2@example.com",
        "s1@example.com",
    ]


async def test_a_bad_cursor_or_page_size_is_422(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    path = f"/v4/tags/{vip.id}/subscribers"

    assert await call(http, "GET", path, params={"after": "WzFd"}) == (
        422,
        {"errors": ["Invalid cursor"]},
    )
    assert (await call(http, "GET", path, params={"per_page": "1001"}))[0] == 422
    assert (await call(http, "GET", path, params={"after": "x", "before": "y"}))[0] == 422
    assert await call(http, "GET", "/v4/tags/99/subscribers") == (404, {"errors": ["Not Found"]})
