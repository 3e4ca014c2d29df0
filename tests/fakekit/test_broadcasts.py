"""FakeKit's broadcasts over plain HTTP: create, update, delete, list filters, stats of many."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=10, clicks=30, clock=lambda: NOW) as fake:
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


DRAFT = {"subject": "Hello!", "content": "<p>Hi</p>", "send_at": None, "public": False}


async def test_create_saves_a_draft_with_a_new_id(server: FakeKit, http) -> None:
    status, body = await call(http, "POST", "/v4/broadcasts", json=DRAFT)

    assert status == 201
    created = body["broadcast"]
    assert created["id"] == created["publication_id"] == 11
    assert created["status"] == "draft"
    assert created["subject"] == "Hello!"
    assert created["created_at"] == "2026-11-20T12:00:00Z"
    assert created["email_template"] == {"id": 6, "name": "Text Only"}
    assert created["subscriber_filter"] == [{"all": [{"type": "all_subscribers"}]}]
    assert await call(http, "GET", "/v4/broadcasts/11") == (200, {"broadcast": created})
    assert server.account.broadcasts[11].subject == "Hello!"


async def test_create_with_send_at_schedules_it(http) -> None:
    body = {**DRAFT, "send_at": "2026-12-01T09:00:00Z", "public": True}

    status, answer = await call(http, "POST", "/v4/broadcasts", json=body)

    assert status == 201
    assert answer["broadcast"]["status"] == "scheduled"
    assert answer["broadcast"]["send_at"] == "2026-12-01T09:00:00Z"


async def test_scheduling_without_subject_or_content_is_refused(server: FakeKit, http) -> None:
    body = {"send_at": "2026-12-01T09:00:00Z"}

    status, answer = await call(http, "POST", "/v4/broadcasts", json=body)

    assert status == 422
    assert answer == {
        "errors": [
            "Subject can't be blank when scheduling a broadcast",
            "Content can't be blank when scheduling a broadcast",
        ]
    }
    assert sorted(server.account.broadcasts) == list(range(1, 11))


async def test_an_unknown_template_and_two_filter_groups_are_both_reported(http) -> None:
    body = {
        **DRAFT,
        "email_template_id": 999,
        "subscriber_filter": [{"all": [{"type": "segment", "ids": [1]}], "any": [{"type": "x"}]}],
    }

    status, answer = await call(http, "POST", "/v4/broadcasts", json=body)

    assert status == 422
    assert answer["errors"] == [
        "Email template not found",
        "Only a single filter group is supported. Use one of `all`, `any`, or `none`.",
    ]


async def test_a_starting_point_template_is_refused(http) -> None:
    status, answer = await call(
        http, "POST", "/v4/broadcasts", json={**DRAFT, "email_template_id": 8}
    )

    assert (status, answer) == (
        422,
        {"errors": ["Starting point email template is not supported"]},
    )


async def test_a_filter_group_is_kept_without_its_null_siblings(http) -> None:
    body = {
        **DRAFT,
        "subscriber_filter": [
            {"all": [{"type": "segment", "ids": [16]}], "any": None, "none": None}
        ],
    }

    _, answer = await call(http, "POST", "/v4/broadcasts", json=body)

    assert answer["broadcast"]["subscriber_filter"] == [{"all": [{"type": "segment", "ids": [16]}]}]


async def test_update_changes_a_draft(http) -> None:
    status, answer = await call(http, "PUT", "/v4/broadcasts/9", json={"subject": "Renamed"})

    assert status == 200
    assert answer["broadcast"]["subject"] == "Renamed"
    _, again = await call(http, "GET", "/v4/broadcasts/9")
    assert again["broadcast"]["subject"] == "Renamed"


async def test_a_refused_update_changes_nothing(server: FakeKit, http) -> None:
    before = server.broadcast(9)

    status, _ = await call(
        http, "PUT", "/v4/broadcasts/9", json={"subject": "New", "email_template_id": 999}
    )

    assert status == 422
    assert server.broadcast(9) == before


@pytest.mark.parametrize(
    ("broadcast_id", "message"),
    [(1, "Broadcast has already been sent."), (3, "Broadcast has already been sent.")],
)
async def test_a_sent_broadcast_can_be_neither_updated_nor_deleted(
    server: FakeKit, http, broadcast_id: int, message: str
) -> None:
    before = server.broadcast(broadcast_id)

    assert await call(http, "PUT", f"/v4/broadcasts/{broadcast_id}", json={"subject": "x"}) == (
        422,
        {"errors": [message]},
    )
    assert await call(http, "DELETE", f"/v4/broadcasts/{broadcast_id}") == (
        422,
        {"errors": [message]},
    )
    assert server.broadcast(broadcast_id) == before


async def test_a_sending_broadcast_says_so(server: FakeKit, http) -> None:
    sending = server.account.add_broadcast(status="sending", subject="On its way")

    status, answer = await call(http, "DELETE", f"/v4/broadcasts/{sending.id}")

    assert (status, answer) == (422, {"errors": ["Broadcast is already sending."]})


async def test_deleting_a_draft_answers_204_and_it_is_gone(server: FakeKit, http) -> None:
    assert await call(http, "DELETE", "/v4/broadcasts/10") == (204, None)

    assert await call(http, "GET", "/v4/broadcasts/10") == (404, {"errors": ["Not Found"]})
    assert (await call(http, "GET", "/v4/broadcasts/10/stats"))[0] == 404
    assert (await call(http, "DELETE", "/v4/broadcasts/10"))[0] == 404
    _, listed = await call(http, "GET", "/v4/broadcasts")
    assert [b["id"] for b in listed["broadcasts"]] == list(range(9, 0, -1))


async def test_unknown_ids_are_404_on_every_broadcast_route(http) -> None:
    for method, path in [
        ("GET", "/v4/broadcasts/99"),
        ("PUT", "/v4/broadcasts/99"),
        ("DELETE", "/v4/broadcasts/99"),
        ("GET", "/v4/broadcasts/99/stats"),
        ("GET", "/v4/broadcasts/99/clicks"),
        ("GET", "/v4/broadcasts/0"),
    ]:
        assert await call(http, method, path, json={}) == (404, {"errors": ["Not Found"]}), path


async def test_slim_leaves_out_the_heavy_fields(http) -> None:
    _, full = await call(http, "GET", "/v4/broadcasts", params={"per_page": "1"})
    _, slim = await call(http, "GET", "/v4/broadcasts", params={"per_page": "1", "slim": "true"})

    dropped = set(full["broadcasts"][0]) - set(slim["broadcasts"][0])
    assert dropped == {
        "content",
        "public_url",
        "email_address",
        "email_template",
        "subscriber_filter",
    }


async def test_sent_after_and_before_keep_broadcasts_sent_in_that_range(http) -> None:
    # Generated broadcast n was sent on 2024-01-01 + n days; 9 and 10 are unsent.
    # `after` keeps that day, `before` stops before it.
    params = {"sent_after": "2024-01-03", "sent_before": "2024-01-06"}

    _, answer = await call(http, "GET", "/v4/broadcasts", params=params)

    assert [b["id"] for b in answer["broadcasts"]] == [4, 3, 2]


async def test_a_bad_date_filter_is_refused_with_its_name(http) -> None:
    status, answer = await call(http, "GET", "/v4/broadcasts", params={"sent_after": "last week"})

    assert status == 422
    assert "sent_after" in answer["errors"][0]


async def test_stats_of_many_pages_with_fakekit_cursors(server: FakeKit, http) -> None:
    seen, after = [], None
    while True:
        params = {"per_page": "4", **({"after": after} if after else {})}
        status, page = await call(http, "GET", "/v4/broadcasts/stats", params=params)
        assert status == 200
        seen += page["broadcasts"]
        if not page["pagination"]["has_next_page"]:
            break
        after = page["pagination"]["end_cursor"]
        assert after.startswith("++//")

    assert [b["id"] for b in seen] == list(range(10, 0, -1))
    assert seen[-1] == {
        "id": 1,
        "subject": "Broadcast 1",
        "send_at": None,
        "stats": server.stats(1),
    }


async def test_stats_of_many_filters_on_status(server: FakeKit, http) -> None:
    _, answer = await call(http, "GET", "/v4/broadcasts/stats", params={"status": "draft"})

    assert [b["id"] for b in answer["broadcasts"]] == [9]
    assert answer["broadcasts"][0]["stats"]["status"] == "draft"


async def test_stats_of_many_is_403_with_an_empty_body_without_a_pro_plan() -> None:
    async with FakeKit(stats_forbidden=True) as server, aiohttp.ClientSession() as http:
        headers = {"X-Kit-Api-Key": server.api_key}
        async with http.get(f"{server.url}/v4/broadcasts/stats", headers=headers) as response:
            assert response.status == 403
            assert await response.json() == {}
        # Only that endpoint: one broadcast's stats are still served.
        async with http.get(f"{server.url}/v4/broadcasts/1/stats", headers=headers) as response:
            assert response.status == 200


async def test_stats_older_than_five_years_are_400_and_left_out_of_the_list(
    server: FakeKit, http
) -> None:
    old = server.account.add_broadcast(
        status="completed", subject="Old", published_at=NOW - timedelta(days=6 * 365)
    )
    recent = server.account.add_broadcast(
        status="completed", subject="Recent", published_at=NOW - timedelta(days=4 * 365)
    )

    status, answer = await call(http, "GET", f"/v4/broadcasts/{old.id}/stats")
    assert status == 400
    assert "last 5 years" in answer["errors"][0]
    assert (await call(http, "GET", f"/v4/broadcasts/{old.id}/clicks"))[0] == 400
    assert (await call(http, "GET", f"/v4/broadcasts/{recent.id}/stats"))[0] == 200
    _, listed = await call(http, "GET", "/v4/broadcasts/stats")
    ids = [b["id"] for b in listed["broadcasts"]]
    assert recent.id in ids
    assert old.id not in ids


async def test_an_added_sent_broadcast_serves_its_own_clicks_and_stats(
    server: FakeKit, http
) -> None:
    clicks = [
        {
            "url": f"https://example.com/{i}",
            "unique_clicks": i,
            "click_to_delivery_rate": 0.1,
            "click_to_open_rate": 0.2,
        }
        for i in range(5)
    ]
    stats = {**server.stats(1), "recipients": 42}
    added = server.account.add_broadcast(status="completed", clicks=clicks, stats=stats)

    _, first = await call(
        http, "GET", f"/v4/broadcasts/{added.id}/clicks", params={"per_page": "3"}
    )
    _, second = await call(
        http,
        "GET",
        f"/v4/broadcasts/{added.id}/clicks",
        params={"per_page": "3", "after": first["pagination"]["end_cursor"]},
    )
    _, served_stats = await call(http, "GET", f"/v4/broadcasts/{added.id}/stats")

    assert first["broadcast"]["clicks"] + second["broadcast"]["clicks"] == clicks
    assert second["pagination"]["has_next_page"] is False
    assert served_stats["broadcast"]["stats"]["recipients"] == 42
    assert served_stats["broadcast"]["stats"]["status"] == "completed"


async def test_the_generated_broadcasts_are_served_as_fakekit_renders_them(
    server: FakeKit, http
) -> None:
    for broadcast_id in (1, 4, 9, 10):
        _, answer = await call(http, "GET", f"/v4/broadcasts/{broadcast_id}")
        assert answer == {"broadcast": server.broadcast(broadcast_id)}
    assert server.broadcast(1)["public_url"] is not None
    assert server.broadcast(9)["public_url"] is None


def test_broadcast_of_an_unknown_id_names_it() -> None:
    server = FakeKit(broadcasts=2)

    with pytest.raises(KeyError, match="no broadcast 3"):
        server.broadcast(3)
    with pytest.raises(KeyError, match="no broadcast 3"):
        server.stats(3)
