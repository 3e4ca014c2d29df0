"""Changing FakeKit's broadcasts between two syncs, seen over plain HTTP as a sync sees them.

`server.account` adds clicks and opens to a sent broadcast (materializing a
generated one first), sends a draft, ages one out of Kit's 5-year retention
and deletes one; every figure Kit serves follows, and nothing else moves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit
from kit_async.testing._account import generated_click, generated_total

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


async def call(http: aiohttp.ClientSession, path: str, **params: str) -> tuple[int, Any]:
    async with http.get(path, params=params) as response:
        return response.status, await response.json()


async def served_clicks(http: aiohttp.ClientSession, broadcast_id: int) -> list[dict[str, Any]]:
    """Every click of a broadcast, page by page (7 a page: several pages)."""
    clicks: list[dict[str, Any]] = []
    after: dict[str, str] = {}
    while True:
        status, page = await call(
            http, f"/v4/broadcasts/{broadcast_id}/clicks", per_page="7", **after
        )
        assert status == 200, page
        clicks += page["broadcast"]["clicks"]
        if not page["pagination"]["has_next_page"]:
            return clicks
        after = {"after": page["pagination"]["end_cursor"]}


async def stats_list(http: aiohttp.ClientSession) -> dict[int, dict[str, Any]]:
    status, answer = await call(http, "/v4/broadcasts/stats", per_page="1000")
    assert status == 200
    assert answer["pagination"]["has_next_page"] is False
    return {item["id"]: item for item in answer["broadcasts"]}


async def served_stats(http: aiohttp.ClientSession, broadcast_id: int) -> dict[str, Any]:
    status, answer = await call(http, f"/v4/broadcasts/{broadcast_id}/stats")
    assert status == 200, answer
    stats: dict[str, Any] = answer["broadcast"]["stats"]
    return stats


async def everything(http: aiohttp.ClientSession, broadcast_id: int) -> tuple[Any, ...]:
    return (
        await served_clicks(http, broadcast_id),
        await served_stats(http, broadcast_id),
        await call(http, f"/v4/broadcasts/{broadcast_id}"),
        await stats_list(http),
    )


# -- materializing -------------------------------------------------------------------


async def test_a_materialized_broadcast_serves_exactly_what_it_generated(
    server: FakeKit, http
) -> None:
    before = await everything(http, 3)

    broadcast = server.account.materialize(3)

    assert broadcast.generated is False
    assert len(broadcast.clicks) == 30
    assert await everything(http, 3) == before


def test_materializing_an_added_broadcast_changes_nothing(server: FakeKit) -> None:
    added = server.account.add_broadcast(status="completed", stats={"recipients": 5})

    assert server.account.materialize(added.id) is added
    assert added.stats == {"recipients": 5}


def test_generated_total_adds_up_the_generated_clicks() -> None:
    for broadcast_id, count in ((1, 0), (1, 1), (7, 30), (500, 1200)):
        clicks = [generated_click(broadcast_id, i) for i in range(count)]
        assert generated_total(broadcast_id, count) == sum(c["unique_clicks"] for c in clicks)


# -- clicks and opens ----------------------------------------------------------------


async def test_more_clicks_of_a_link_change_that_click_and_the_totals_only(
    server: FakeKit, http
) -> None:
    clicks, stats, _, listed = await everything(http, 3)
    url = clicks[5]["url"]
    recipients, opened = stats["recipients"], stats["emails_opened"]

    returned = server.account.add_clicks(3, url, 4)

    unique = clicks[5]["unique_clicks"] + 4
    changed = {
        "url": url,
        "unique_clicks": unique,
        "click_to_delivery_rate": round(unique / recipients, 4),
        "click_to_open_rate": round(unique / opened, 4),
    }
    assert returned == changed
    assert await served_clicks(http, 3) == [*clicks[:5], changed, *clicks[6:]]
    total = stats["total_clicks"] + 4
    expected_stats = {**stats, "total_clicks": total, "click_rate": round(total / recipients, 4)}
    assert await served_stats(http, 3) == expected_stats
    after = await stats_list(http)
    assert after[3] == {**listed[3], "stats": expected_stats}
    assert {k: v for k, v in after.items() if k != 3} == {k: v for k, v in listed.items() if k != 3}


async def test_a_new_link_adds_a_click_last(server: FakeKit, http) -> None:
    clicks, stats, _, _ = await everything(http, 2)

    server.account.add_clicks(2, "https://example.com/new", 3)

    assert await served_clicks(http, 2) == [
        *clicks,
        {
            "url": "https://example.com/new",
            "unique_clicks": 3,
            "click_to_delivery_rate": round(3 / stats["recipients"], 4),
            "click_to_open_rate": round(3 / stats["emails_opened"], 4),
        },
    ]
    assert (await served_stats(http, 2))["total_clicks"] == stats["total_clicks"] + 3


async def test_opens_change_the_open_rate_and_every_click_to_open_rate(
    server: FakeKit, http
) -> None:
    clicks, stats, _, _ = await everything(http, 4)
    opened = stats["emails_opened"] + 1000

    returned = server.account.add_opens(4, 1000)

    expected = {
        **stats,
        "emails_opened": opened,
        "open_rate": round(opened / stats["recipients"], 4),
    }
    assert returned == expected
    assert await served_stats(http, 4) == expected
    assert await served_clicks(http, 4) == [
        {**click, "click_to_open_rate": round(click["unique_clicks"] / opened, 4)}
        for click in clicks
    ]


async def test_clicks_with_opens_count_both(server: FakeKit, http) -> None:
    stats = await served_stats(http, 1)

    click = server.account.add_clicks(1, "https://example.com/both", 2, opens=10)

    after = await served_stats(http, 1)
    assert after["emails_opened"] == stats["emails_opened"] + 10
    assert after["total_clicks"] == stats["total_clicks"] + 2
    assert click["click_to_open_rate"] == round(2 / after["emails_opened"], 4)


async def test_an_added_broadcast_computes_what_its_stats_leave_out(server: FakeKit, http) -> None:
    clicks = [
        {
            "url": "https://example.com/a",
            "unique_clicks": 10,
            "click_to_delivery_rate": 0.05,
            "click_to_open_rate": 0.1,
        }
    ]
    added = server.account.add_broadcast(
        status="completed", clicks=clicks, stats={"recipients": 200, "emails_opened": 100}
    )

    stats = await served_stats(http, added.id)

    assert stats["total_clicks"] == 10
    assert stats["click_rate"] == 0.05
    assert stats["open_rate"] == 0.5
    assert stats["click_tracking_disabled"] is False


async def test_figures_given_to_an_added_broadcast_follow_its_clicks_once_changed(
    server: FakeKit, http
) -> None:
    clicks = [
        {
            "url": "https://example.com/a",
            "unique_clicks": 10,
            "click_to_delivery_rate": 0.05,
            "click_to_open_rate": 0.1,
        }
    ]
    given = {**server.stats(1), "recipients": 200, "emails_opened": 100, "total_clicks": 999}
    added = server.account.add_broadcast(status="completed", clicks=clicks, stats=given)
    assert (await served_stats(http, added.id))["total_clicks"] == 999  # as given

    server.account.add_clicks(added.id, "https://example.com/a", 5)

    stats = await served_stats(http, added.id)
    assert (stats["total_clicks"], stats["click_rate"]) == (15, 0.075)
    assert (stats["recipients"], stats["emails_opened"]) == (200, 100)
    # The list the test gave is left as it was.
    assert clicks[0]["unique_clicks"] == 10


def test_clicks_are_refused_where_kit_could_not_have_them(server: FakeKit) -> None:
    account = server.account
    no_recipients = account.add_broadcast(status="completed")
    untracked = account.add_broadcast(
        status="completed", stats={"recipients": 100}, click_tracking_disabled=True
    )

    with pytest.raises(KeyError, match="no broadcast 99"):
        account.add_clicks(99, "https://example.com/x")
    with pytest.raises(ValueError, match="broadcast 9 is draft: only a sent one has clicks"):
        account.add_clicks(9, "https://example.com/x")
    with pytest.raises(ValueError, match="count must be at least 1, got 0"):
        account.add_clicks(1, "https://example.com/x", 0)
    with pytest.raises(ValueError, match="has 0 recipients, fewer than 1 unique clicks"):
        account.add_clicks(no_recipients.id, "https://example.com/x")
    with pytest.raises(ValueError, match="click tracking disabled"):
        account.add_clicks(untracked.id, "https://example.com/x")
    with pytest.raises(ValueError, match="fewer than 101 opens"):
        account.add_opens(untracked.id, 51)  # half of them opened it already
    with pytest.raises(ValueError, match="broadcast 10 is scheduled"):
        account.add_opens(10)


async def test_a_refused_change_changes_nothing(server: FakeKit, http) -> None:
    before = await everything(http, 1)
    recipients = before[1]["recipients"]

    with pytest.raises(ValueError, match="fewer than"):
        server.account.add_clicks(1, "https://example.com/x", 1, opens=recipients)

    assert await everything(http, 1) == before


# -- click tracking ------------------------------------------------------------------


async def test_a_broadcast_without_click_tracking_says_so_and_has_no_clicks(
    server: FakeKit, http
) -> None:
    server.account.broadcasts[2].click_tracking_disabled = True
    added = server.account.add_broadcast(
        status="completed", stats={"recipients": 100}, click_tracking_disabled=True
    )

    listed = await stats_list(http)

    for broadcast_id in (2, added.id):
        assert listed[broadcast_id]["stats"]["click_tracking_disabled"] is True
        assert listed[broadcast_id]["stats"]["total_clicks"] == 0
        assert await served_clicks(http, broadcast_id) == []
    assert listed[1]["stats"]["click_tracking_disabled"] is False


# -- sending, ageing out, deleting ---------------------------------------------------


async def test_a_sent_draft_has_recipients_and_no_clicks_until_some_come(
    server: FakeKit, http
) -> None:
    assert (await call(http, "/v4/broadcasts/9/clicks"))[0] == 404

    server.account.send_broadcast(9, recipients=500)

    stats = (await stats_list(http))[9]["stats"]
    assert (stats["status"], stats["recipients"], stats["total_clicks"]) == ("completed", 500, 0)
    assert await served_clicks(http, 9) == []
    _, shown = await call(http, "/v4/broadcasts/9")
    assert (
        shown["broadcast"]["send_at"]
        == shown["broadcast"]["published_at"]
        == ("2026-11-20T12:00:00Z")
    )

    server.account.add_clicks(9, "https://example.com/launch", 50, opens=250)

    assert (await served_stats(http, 9))["total_clicks"] == 50
    with pytest.raises(ValueError, match="broadcast 9 is completed already"):
        server.account.send_broadcast(9, recipients=1)


async def test_an_aged_out_broadcast_leaves_the_stats_and_answers_400(
    server: FakeKit, http
) -> None:
    clicks = await served_clicks(http, 3)
    _, listed_before = await call(http, "/v4/broadcasts", per_page="1000")

    server.account.age_out(3)

    assert 3 not in await stats_list(http)
    for path in ("/v4/broadcasts/3/clicks", "/v4/broadcasts/3/stats"):
        status, answer = await call(http, path)
        assert status == 400
        assert "last 5 years" in answer["errors"][0]
    # Still a broadcast of the account, sent a day beyond the window.
    _, listed = await call(http, "/v4/broadcasts", per_page="1000")
    assert [b["id"] for b in listed["broadcasts"]] == [b["id"] for b in listed_before["broadcasts"]]
    published = datetime.fromisoformat(
        next(b for b in listed["broadcasts"] if b["id"] == 3)["published_at"]
    )
    assert published < NOW - timedelta(days=5 * 365)
    assert server.account.clicks_of(3) == clicks


async def test_age_out_moves_every_date_back_together(server: FakeKit) -> None:
    broadcast = server.account.broadcasts[4]
    created = broadcast.created_at
    sent_at = datetime(2019, 1, 1, tzinfo=UTC)

    server.account.age_out(4, sent_at=sent_at)

    assert broadcast.published_at == sent_at
    assert broadcast.created_at == sent_at  # a generated broadcast is published as created
    assert created != sent_at


def test_age_out_refuses_a_date_within_the_window(server: FakeKit) -> None:
    with pytest.raises(ValueError, match=r"sent_at must be before 2021-11-\d\dT12:00:00\+00:00"):
        server.account.age_out(3, sent_at=NOW - timedelta(days=365))

    assert server.account.within_retention(server.account.broadcasts[3])


async def test_a_deleted_sent_broadcast_is_gone_everywhere(server: FakeKit, http) -> None:
    server.account.delete_broadcast(3)

    assert 3 not in await stats_list(http)
    _, listed = await call(http, "/v4/broadcasts", per_page="1000")
    assert 3 not in [b["id"] for b in listed["broadcasts"]]
    for path in ("/v4/broadcasts/3", "/v4/broadcasts/3/clicks", "/v4/broadcasts/3/stats"):
        assert (await call(http, path))[0] == 404
    with pytest.raises(KeyError, match="no broadcast 3"):
        server.account.delete_broadcast(3)


# -- large accounts ------------------------------------------------------------------


async def test_the_stats_of_a_thousand_broadcasts_are_one_page() -> None:
    async with (
        FakeKit(broadcasts=1000, clicks=5, drafts=0) as server,
        aiohttp.ClientSession(
            base_url=server.url, headers={"X-Kit-Api-Key": server.api_key}
        ) as http,
    ):
        listed = await stats_list(http)

    assert list(listed) == list(range(1000, 0, -1))
    assert listed[1] == {
        "id": 1,
        "subject": "Broadcast 1",
        "send_at": None,
        "stats": server.stats(1),
    }
