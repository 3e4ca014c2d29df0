"""FakeKit's account endpoints, posts, segments and email templates over plain HTTP."""

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


async def test_account_shows_the_user_plan_and_sending_addresses(server: FakeKit, http) -> None:
    server.account.info["name"] = "My Newsletter"

    status, body = await call(http, "GET", "/v4/account")

    assert status == 200
    assert body["user"] == {"id": 1, "email": "creator@example.com"}
    assert body["account"]["name"] == "My Newsletter"
    assert body["account"]["created_at"] == "2023-02-17T11:43:55Z"
    assert body["account"]["timezone"]["name"] == "America/New_York"
    assert body["account"]["plan"]["plan_type"] == "creator"
    assert body["account"]["sending_addresses"][0]["is_default"] is True


async def test_colors_are_replaced_by_valid_hex_codes_only(server: FakeKit, http) -> None:
    assert await call(http, "PUT", "/v4/account/colors", json={"colors": ["#000000", "#fff"]}) == (
        200,
        {"colors": ["#000000", "#fff"]},
    )
    assert await call(http, "GET", "/v4/account/colors") == (200, {"colors": ["#000000", "#fff"]})
    assert await call(
        http, "PUT", "/v4/account/colors", json={"colors": ["#123_not_a_code", "#00ff00", "red"]}
    ) == (
        422,
        {
            "errors": [
                "Colors #123_not_a_code is not a valid hex color code.",
                "Colors red is not a valid hex color code.",
            ]
        },
    )
    assert (await call(http, "PUT", "/v4/account/colors", json={"colors": "#000"}))[0] == 422
    assert server.account.colors == ["#000000", "#fff"]


async def test_the_creator_profile_is_404_when_there_is_none(server: FakeKit, http) -> None:
    status, body = await call(http, "GET", "/v4/account/creator_profile")
    server.account.creator_profile = None

    assert status == 200
    assert set(body["profile"]) == {"name", "byline", "bio", "image_url", "profile_url"}
    assert await call(http, "GET", "/v4/account/creator_profile") == (
        404,
        {"errors": ["Not Found"]},
    )


async def test_email_stats_add_up_the_subscribers(server: FakeKit, http) -> None:
    for sent, opened in ((4, 2), (6, 1)):
        server.add_subscriber(f"s{sent}@example.com").stats.update(sent=sent, opened=opened)

    _, body = await call(http, "GET", "/v4/account/email_stats")

    stats = body["stats"]
    assert (stats["sent"], stats["opened"], stats["open_rate"]) == (10, 3, 0.3)
    assert (stats["starting"], stats["ending"]) == ("2026-08-22T12:00:00Z", "2026-11-20T12:00:00Z")


async def test_growth_stats_count_in_the_accounts_time_zone(server: FakeKit, http) -> None:
    server.add_subscriber("old@example.com", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    server.add_subscriber("new@example.com", created_at=datetime(2026, 11, 10, tzinfo=UTC))
    gone = server.add_subscriber("gone@example.com", created_at=datetime(2026, 11, 11, tzinfo=UTC))
    gone.state, gone.canceled_at = "cancelled", datetime(2026, 11, 12, tzinfo=UTC)

    _, body = await call(
        http,
        "GET",
        "/v4/account/growth_stats",
        params={"starting": "2026-11-01", "ending": "2026-11-15"},
    )

    assert body["stats"] == {
        "cancellations": 1,
        "net_new_subscribers": 1,
        "new_subscribers": 2,
        "subscribers": 2,
        "starting": "2026-11-01T00:00:00-05:00",
        "ending": "2026-11-15T23:59:59-05:00",
    }


async def test_growth_stats_refuse_bad_dates_with_kits_messages(http) -> None:
    assert await call(
        http, "GET", "/v4/account/growth_stats", params={"starting": "02/09/2023", "ending": "x"}
    ) == (
        422,
        {
            "errors": [
                "Starting date is incorrectly formatted. Use YYYY-MM-DD.",
                "Ending date is incorrectly formatted. Use YYYY-MM-DD.",
            ]
        },
    )
    assert await call(
        http,
        "GET",
        "/v4/account/growth_stats",
        params={"starting": "2026-02-01", "ending": "2026-01-01"},
    ) == (422, {"errors": ["Starting date must be before the ending date."]})
    _, default = await call(http, "GET", "/v4/account/growth_stats")
    assert default["stats"]["starting"] == "2026-08-22T00:00:00-05:00"


async def test_segments_and_email_templates_are_listed_newest_first(server: FakeKit, http) -> None:
    server.add_segment("A")
    server.add_segment("B")

    _, segments = await call(http, "GET", "/v4/segments")
    _, templates = await call(http, "GET", "/v4/email_templates")

    assert [s["name"] for s in segments["segments"]] == ["B", "A"]
    assert templates["email_templates"][1] == {
        "id": 6,
        "name": "Text Only",
        "is_default": True,
        "category": "HTML",
    }
    assert [t["id"] for t in templates["email_templates"]] == [8, 6, 4, 2, 1]


async def test_posts_leave_out_their_content_unless_asked(server: FakeKit, http) -> None:
    server.account.post_product_id = 7
    post = server.add_post("Hello, world", content="<p>Hi</p>")
    server.add_post("Later", status="draft")

    _, listed = await call(http, "GET", "/v4/posts")
    _, with_content = await call(http, "GET", "/v4/posts", params={"include_content": "true"})
    _, one = await call(http, "GET", f"/v4/posts/{post.id}")

    assert [p["title"] for p in listed["posts"]] == ["Later", "Hello, world"]
    assert "content" not in listed["posts"][0]
    assert listed["posts"][0]["public_url"] is None
    assert with_content["posts"][1]["content"] == "<p>Hi</p>"
    assert one["post"]["public_url"] == "https://fakekit.example.com/posts/hello-world"
    assert (one["post"]["content"], one["post"]["product_id"]) == ("<p>Hi</p>", 7)
    assert one["post"]["published_at"] == "2026-11-20T12:00:00Z"
    assert (await call(http, "GET", "/v4/posts/99"))[0] == 404
