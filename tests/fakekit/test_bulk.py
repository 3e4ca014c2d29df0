"""FakeKit's bulk endpoints over plain HTTP: OAuth only, 200 up to 100 items, 202 beyond
(results POSTed to callback_url), 413, 422, per-item failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
TOKEN = "fake_at_bulk"
ROUTES = [
    ("POST", "/v4/bulk/custom_fields", "custom_fields", "No custom fields included for processing"),
    (
        "POST",
        "/v4/bulk/custom_fields/subscribers",
        "custom_field_values",
        "No custom field values included for processing",
    ),
    ("POST", "/v4/bulk/forms/subscribers", "additions", "No additions included for processing"),
    ("POST", "/v4/bulk/subscribers", "subscribers", "No subscribers included for processing"),
    ("POST", "/v4/bulk/tags", "tags", "No tags included for processing"),
    ("DELETE", "/v4/bulk/tags", "tags", "No tags included for processing"),
    ("POST", "/v4/bulk/tags/subscribers", "taggings", "No taggings included for processing"),
    ("DELETE", "/v4/bulk/tags/subscribers", "taggings", "No taggings included for processing"),
]


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, access_token=TOKEN, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


class Callbacks:
    """A loopback receiver of bulk results."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        app = web.Application()
        app.router.add_post("/done", self.receive)
        self.server = TestServer(app)

    async def receive(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        return web.Response(status=200)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/done"))


@pytest.fixture
async def callbacks() -> AsyncIterator[Callbacks]:
    kept = Callbacks()
    async with kept.server:
        yield kept


@pytest.mark.parametrize(("method", "path", "key", "empty"), ROUTES)
async def test_every_bulk_route_answers_401_to_an_api_key(
    server: FakeKit, method: str, path: str, key: str, empty: str
) -> None:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
        status, body = await call(http, method, path, json={key: [{"name": "x"}]})

    assert status == 401
    assert body == {"errors": ["This endpoint accepts only an OAuth access token, not an API key"]}
    assert not server.account.tags


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route[0]} {route[1]}")
@pytest.mark.parametrize("items", [[], "tags", None])
async def test_an_empty_or_missing_list_is_kits_422(
    http, route: tuple[str, str, str, str], items: Any
) -> None:
    method, path, key, empty = route

    assert await call(http, method, path, json={key: items}) == (422, {"errors": [empty]})


async def test_creating_tags_returns_existing_ones_and_reports_blank_names(
    server: FakeKit, http
) -> None:
    existing = server.add_tag("Existing Tag")
    body = {"tags": [{"name": "existing tag"}, {"name": "Newsletter"}, {"name": " "}]}

    status, answer = await call(http, "POST", "/v4/bulk/tags", json=body)

    assert status == 200
    assert answer == {
        "tags": [
            {"id": existing.id, "name": "Existing Tag", "created_at": "2026-11-20T12:00:00Z"},
            {"id": existing.id + 1, "name": "Newsletter", "created_at": "2026-11-20T12:00:00Z"},
        ],
        "failures": [{"tag": {"name": " "}, "errors": ["Name can't be blank"]}],
    }
    assert await call(http, "POST", "/v4/bulk/tags", json=body) == (200, answer)


async def test_more_than_100_items_are_202_and_the_results_are_posted_back(
    server: FakeKit, http, callbacks: Callbacks
) -> None:
    tags = [{"name": f"Tag {n}"} for n in range(101)]

    status, answer = await call(
        http, "POST", "/v4/bulk/tags", json={"tags": tags, "callback_url": callbacks.url}
    )
    sent = await server.wait_callbacks()

    assert (status, answer) == (202, {})
    assert len(server.account.tags) == 101
    [body] = callbacks.bodies
    assert [t["name"] for t in body["tags"]] == [t["name"] for t in tags]
    assert body["failures"] == []
    assert [(c.url, c.status) for c in sent] == [(callbacks.url, 200)]
    assert json.loads(sent[0].body) == body


async def test_a_queued_request_without_callback_url_is_applied_all_the_same(
    server: FakeKit, http
) -> None:
    status, _ = await call(
        http, "POST", "/v4/bulk/tags", json={"tags": [{"name": f"T{n}"} for n in range(150)]}
    )

    assert status == 202
    assert len(server.account.tags) == 150
    assert await server.wait_callbacks() == []


async def test_past_the_queue_limit_is_413_and_nothing_changes() -> None:
    async with FakeKit(access_token=TOKEN, bulk_queue_limit=120) as server:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
            tags = [{"name": f"T{n}"} for n in range(121)]
            status, body = await call(http, "POST", "/v4/bulk/tags", json={"tags": tags})

    assert status == 413
    assert body["errors"][0].startswith("This request exceeds your queued bulk requests limit.")
    assert not server.account.tags


async def test_a_callback_url_must_be_http(http) -> None:
    assert await call(
        http, "POST", "/v4/bulk/tags", json={"tags": [{"name": "x"}], "callback_url": "mailto:me"}
    ) == (422, {"errors": ["callback_url must be an http or https URL"]})


async def test_an_unreachable_callback_is_recorded(server: FakeKit, http) -> None:
    tags = [{"name": f"T{n}"} for n in range(101)]
    await call(
        http, "POST", "/v4/bulk/tags", json={"tags": tags, "callback_url": "http://127.0.0.1:9/x"}
    )

    [sent] = await server.wait_callbacks()

    assert sent.status is None
    assert sent.error is not None


async def test_deleting_tags_removes_their_taggings_and_reports_unknown_ids(
    server: FakeKit, http
) -> None:
    vip = server.add_tag("VIP")
    server.tag_subscriber(vip, server.add_subscriber("a@example.com"))

    status, answer = await call(
        http, "DELETE", "/v4/bulk/tags", json={"tags": [{"id": vip.id}, {"id": 92}]}
    )

    assert (status, answer) == (
        200,
        {"failures": [{"errors": ["Tag does not exist"], "tag": {"id": 92}}]},
    )
    assert vip.id not in server.account.tags
    assert vip.id not in server.account.taggings


async def test_tagging_in_bulk_shows_the_subscribers_and_nulls_what_does_not_exist(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com", first_name="Ada")
    vip = server.add_tag("VIP")
    body = {
        "taggings": [
            {"tag_id": vip.id, "subscriber_id": ada.id},
            {"tag_id": vip.id, "subscriber_id": 999},
            {"tag_id": 999, "subscriber_id": ada.id},
        ]
    }

    status, answer = await call(http, "POST", "/v4/bulk/tags/subscribers", json=body)

    assert status == 200
    assert answer["subscribers"] == [
        {
            "id": ada.id,
            "first_name": "Ada",
            "email_address": "ada@example.com",
            "created_at": "2026-11-20T12:00:00Z",
            "tagged_at": "2026-11-20T12:00:00Z",
        }
    ]
    assert answer["failures"] == [
        {
            "errors": ["Subscriber does not exist"],
            "tagging": {"tag_id": vip.id, "subscriber_id": None},
        },
        {"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": ada.id}},
    ]
    assert ada.id in server.account.taggings[vip.id]


async def test_untagging_in_bulk(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    vip = server.add_tag("VIP")
    server.tag_subscriber(vip, ada)
    body = {
        "taggings": [{"tag_id": vip.id, "subscriber_id": ada.id}, {"tag_id": 5, "subscriber_id": 6}]
    }

    status, answer = await call(http, "DELETE", "/v4/bulk/tags/subscribers", json=body)

    assert status == 200
    assert answer == {
        "failures": [
            {
                "errors": ["Tag does not exist", "Subscriber does not exist"],
                "tagging": {"tag_id": None, "subscriber_id": None},
            }
        ]
    }
    assert server.account.taggings[vip.id] == {}


async def test_subscribers_in_bulk_are_upserted_and_bad_ones_reported(
    server: FakeKit, http
) -> None:
    server.add_subscriber("alice@example.com", first_name="Al")
    body = {
        "subscribers": [
            {"first_name": "Alice", "email_address": "alice@example.com"},
            {"first_name": "Camille", "email_address": "camille@example.com", "state": "inactive"},
            {"first_name": "Benito", "email_address": None},
            {"first_name": "Dee", "email_address": "dee@example.com", "state": "asleep"},
        ]
    }

    status, answer = await call(http, "POST", "/v4/bulk/subscribers", json=body)

    assert status == 200
    assert [(s["email_address"], s["first_name"], s["state"]) for s in answer["subscribers"]] == [
        ("alice@example.com", "Alice", "active"),
        ("camille@example.com", "Camille", "inactive"),
    ]
    assert answer["failures"][0] == {
        "subscriber": {
            "first_name": "Benito",
            "email_address": None,
            "state": "active",
            "created_at": None,
        },
        "errors": ["Email address is invalid"],
    }
    assert answer["failures"][1]["errors"][0].startswith("state must be one of")
    assert len(server.account.subscribers) == 2


async def test_subscribers_past_the_accounts_limit_are_403() -> None:
    async with FakeKit(access_token=TOKEN, subscriber_limit=2) as server:
        server.add_subscriber("one@example.com")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        body = {
            "subscribers": [
                {"first_name": "One", "email_address": "ONE@example.com"},
                {"first_name": "Two", "email_address": "two@example.com"},
                {"first_name": "Three", "email_address": "three@example.com"},
            ]
        }
        async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
            status, answer = await call(http, "POST", "/v4/bulk/subscribers", json=body)
            within = await call(
                http, "POST", "/v4/bulk/subscribers", json={"subscribers": body["subscribers"][:2]}
            )

    assert (status, answer) == (
        403,
        {"errors": ["This request would exceed your subscriber limit"]},
    )
    assert within[0] == 200
    assert len(server.account.subscribers) == 2


async def test_custom_fields_in_bulk_report_taken_labels(server: FakeKit, http) -> None:
    taken = server.add_custom_field("Existing Custom Field")
    body = {
        "custom_fields": [{"label": "Interests"}, {"label": "existing custom field"}, {"label": ""}]
    }

    status, answer = await call(http, "POST", "/v4/bulk/custom_fields", json=body)

    assert status == 200
    assert [f["key"] for f in answer["custom_fields"]] == ["interests"]
    assert set(answer["custom_fields"][0]) == {"id", "label", "key", "name", "created_at"}
    assert answer["failures"][0] == {
        "custom_field": {
            "id": taken.id,
            "label": "Existing Custom Field",
            "key": "existing_custom_field",
            "name": taken.name,
            "created_at": "2026-11-20T12:00:00Z",
        },
        "errors": ["Label has already been taken"],
    }
    assert answer["failures"][1] == {
        "custom_field": {"label": ""},
        "errors": ["Label can't be blank"],
    }


async def test_custom_field_values_in_bulk(server: FakeKit, http) -> None:
    field = server.add_custom_field("Last name")
    ada = server.add_subscriber("ada@example.com")
    body = {
        "custom_field_values": [
            {"subscriber_id": ada.id, "subscriber_custom_field_id": field.id, "value": "Lovelace"},
            {"subscriber_id": 999, "subscriber_custom_field_id": field.id, "value": "Jones"},
            {"subscriber_id": ada.id, "subscriber_custom_field_id": 999, "value": "Test"},
        ]
    }

    status, answer = await call(http, "POST", "/v4/bulk/custom_fields/subscribers", json=body)

    assert status == 200
    assert answer["custom_field_values"] == [body["custom_field_values"][0]]
    assert answer["failures"] == [
        {
            "errors": ["Subscriber does not exist"],
            "custom_field_value": {
                "subscriber_id": None,
                "subscriber_custom_field_id": field.id,
                "value": "Jones",
            },
        },
        {
            "errors": ["Custom field does not exist"],
            "custom_field_value": {
                "subscriber_id": ada.id,
                "subscriber_custom_field_id": 999,
                "value": "Test",
            },
        },
    ]
    assert server.account.fields_of(ada) == {"last_name": "Lovelace"}


async def test_form_additions_in_bulk(server: FakeKit, http) -> None:
    form = server.add_form("Sign up")
    ada = server.add_subscriber("ada@example.com")
    referrer = "https://example.com/?utm_source=facebook"
    body = {
        "additions": [
            {"form_id": form.id, "subscriber_id": ada.id, "referrer": referrer},
            {"form_id": form.id, "subscriber_id": 999},
            {"form_id": 999, "subscriber_id": ada.id},
            "not an addition",
        ]
    }

    status, answer = await call(http, "POST", "/v4/bulk/forms/subscribers", json=body)

    assert status == 200
    [added] = answer["subscribers"]
    assert (added["id"], added["added_at"], added["referrer"]) == (
        ada.id,
        "2026-11-20T12:00:00Z",
        referrer,
    )
    assert added["referrer_utm_parameters"]["source"] == "facebook"
    assert [f["errors"] for f in answer["failures"]] == [
        ["Subscriber does not exist"],
        ["Form does not exist"],
        ["Subscriber does not exist", "Form does not exist"],
    ]
    assert answer["failures"][0]["subscription"] == {
        "form_id": form.id,
        "subscriber_id": None,
        "referrer": None,
    }
    assert ada.id in server.account.form_subscriptions[form.id]


async def test_closing_the_server_drops_a_callback_still_waiting_for_its_receiver() -> None:
    reached = asyncio.Event()

    async def never_answers(request: web.Request) -> web.Response:
        reached.set()
        await asyncio.Event().wait()
        raise AssertionError  # pragma: no cover - never resumed

    app = web.Application()
    app.router.add_post("/slow", never_answers)
    async with TestServer(app) as receiver:
        server = FakeKit(access_token=TOKEN)
        async with server:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            body = {
                "tags": [{"name": f"T{n}"} for n in range(101)],
                "callback_url": str(receiver.make_url("/slow")),
            }
            async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
                assert (await call(http, "POST", "/v4/bulk/tags", json=body))[0] == 202
            await reached.wait()
        assert server.callbacks == []
        assert server._pending == set()
