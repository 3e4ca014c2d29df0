"""FakeKit's forms over plain HTTP: the list, adding subscribers with a referrer, the filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
REFERRER = "https://example.com/promo/?utm_source=facebook&utm_medium=cpc&utm_campaign=bf"


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


async def test_list_shows_active_forms_and_landing_pages_newest_first(
    server: FakeKit, http
) -> None:
    embed = server.add_form("Sign up")
    hosted = server.add_form("Lead gen", type="hosted")
    server.add_form("Old", status="archived")

    _, body = await call(http, "GET", "/v4/forms")

    assert [f["id"] for f in body["forms"]] == [hosted.id, embed.id]
    assert body["forms"][1] == {
        "id": embed.id,
        "name": "Sign up",
        "created_at": "2026-11-20T12:00:00Z",
        "type": "embed",
        "format": None,
        "embed_js": f"https://fakekit.example.com/{embed.uid}/index.js",
        "embed_url": f"https://fakekit.example.com/{embed.uid}",
        "archived": False,
        "uid": embed.uid,
    }


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"status": "archived"}, ["Old"]),
        ({"status": "all"}, ["Old", "Lead gen", "Sign up"]),
        ({"type": "hosted"}, ["Lead gen"]),
        ({"type": "embed", "status": "all"}, ["Old", "Sign up"]),
    ],
)
async def test_list_filters_on_status_and_type(
    server: FakeKit, http, params: dict[str, str], names: list[str]
) -> None:
    server.add_form("Sign up")
    server.add_form("Lead gen", type="hosted")
    server.add_form("Old", status="archived")

    _, body = await call(http, "GET", "/v4/forms", params=params)

    assert [f["name"] for f in body["forms"]] == names


async def test_list_refuses_unknown_filters_and_counts_subscribers_on_request(
    server: FakeKit, http
) -> None:
    form = server.add_form("Sign up")
    server.subscribe_to_form(form, server.add_subscriber("a@example.com"))

    _, counted = await call(http, "GET", "/v4/forms", params={"include": "subscriber_count"})

    assert counted["forms"][0]["subscriber_count"] == 1
    assert (await call(http, "GET", "/v4/forms", params={"status": "deleted"}))[0] == 422
    assert (await call(http, "GET", "/v4/forms", params={"type": "popup"}))[0] == 422


async def test_adding_by_address_keeps_the_referrer_and_its_utm_parameters(
    server: FakeKit, http
) -> None:
    form = server.add_form("Sign up")
    server.add_subscriber("ada@example.com", first_name="Ada")

    status, body = await call(
        http,
        "POST",
        f"/v4/forms/{form.id}/subscribers",
        json={"email_address": "ada@example.com", "referrer": REFERRER},
    )

    assert status == 201
    assert body["subscriber"]["added_at"] == "2026-11-20T12:00:00Z"
    assert body["subscriber"]["referrer"] == REFERRER
    assert body["subscriber"]["referrer_utm_parameters"] == {
        "source": "facebook",
        "medium": "cpc",
        "campaign": "bf",
        "term": None,
        "content": None,
    }


async def test_adding_again_is_200_with_the_first_subscription(server: FakeKit, http) -> None:
    form = server.add_form("Sign up")
    ada = server.add_subscriber("ada@example.com")
    server.subscribe_to_form(form, ada, referrer=REFERRER, at=datetime(2026, 1, 1, tzinfo=UTC))

    status, body = await call(
        http, "POST", f"/v4/forms/{form.id}/subscribers/{ada.id}", json={"referrer": "https://x"}
    )

    assert status == 200
    assert body["subscriber"]["added_at"] == "2026-01-01T00:00:00Z"
    assert body["subscriber"]["referrer"] == REFERRER


async def test_adding_needs_a_known_form_and_subscriber(server: FakeKit, http) -> None:
    form = server.add_form("Sign up")
    ada = server.add_subscriber("ada@example.com")
    not_found = (404, {"errors": ["Not Found"]})

    assert await call(http, "POST", f"/v4/forms/99/subscribers/{ada.id}", json={}) == not_found
    assert await call(http, "POST", f"/v4/forms/{form.id}/subscribers/99", json={}) == not_found
    assert (
        await call(
            http, "POST", f"/v4/forms/{form.id}/subscribers", json={"email_address": "x@y.z"}
        )
        == not_found
    )
    assert await call(http, "POST", f"/v4/forms/{form.id}/subscribers", json={}) == (
        422,
        {"errors": ["Either subscriber id or email address is required to add subscriber to form"]},
    )
    assert await call(http, "GET", "/v4/forms/99/subscribers") == not_found


async def test_a_forms_subscribers_filter_on_when_they_were_added(server: FakeKit, http) -> None:
    form = server.add_form("Sign up")
    for day in (1, 2, 3):
        person = server.add_subscriber(f"d{day}@example.com")
        server.subscribe_to_form(form, person, at=datetime(2026, 4, day, 9, tzinfo=UTC))

    _, body = await call(
        http, "GET", f"/v4/forms/{form.id}/subscribers", params={"added_after": "2026-04-02"}
    )

    assert [s["email_address"] for s in body["subscribers"]] == ["d3@example.com", "d2@example.com"]
    assert body["subscribers"][0]["referrer_utm_parameters"]["source"] is None
