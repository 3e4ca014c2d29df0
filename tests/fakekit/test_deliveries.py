"""FakeKit's webhook delivery history over plain HTTP: what `emit()` really sent.

`GET /v4/webhook_endpoints/{id}/deliveries` lists an endpoint's deliveries
newest first, filtered by `status` and `event_type`, paged with FakeKit's
cursors; `.../deliveries/{delivery_id}` shows one with its attempt, and with
`include_payload=true` the events that were sent. The retries themselves
are tested in test_delivery_retries.py.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async.testing import FakeKit

NOW = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    """A loopback receiver answering `status` (and `answer`) to every delivery."""

    def __init__(self) -> None:
        self.status = 204
        self.answer = b""
        self.bodies: list[bytes] = []
        app = web.Application()
        app.router.add_post("/kit", self.receive)
        self.server = TestServer(app)

    async def receive(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        return web.Response(status=self.status, body=self.answer)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/kit"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=clock) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    kept = Receiver()
    async with kept.server:
        yield kept


async def call(http: aiohttp.ClientSession, path: str, **params: str) -> tuple[int, Any]:
    async with http.get(path, params=params) as response:
        return response.status, await response.json()


async def endpoint(http: aiohttp.ClientSession, url: str, events: list[str]) -> int:
    body = {"url": url, "events": events}
    async with http.post("/v4/webhook_endpoints", json=body) as response:
        assert response.status == 201
        return int((await response.json())["webhook_endpoint"]["id"])


async def test_the_history_lists_what_was_sent_newest_first(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver, clock: Clock
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created", "tag.created"])
    [first] = await server.emit("subscriber.created")
    clock.now += timedelta(minutes=5)
    receiver.status = 400  # a 4xx fails at once
    [second] = await server.emit("tag.created")

    status, body = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries")

    assert status == 200
    assert body["deliveries"] == [
        {
            "id": second.delivery_id,
            "event_type": "tag.created",
            "status": "failed",
            "attempt_count": 1,
            "created_at": "2026-12-01T10:05:00Z",
            "next_attempt_at": None,
            "completed_at": "2026-12-01T10:05:00Z",
        },
        {
            "id": first.delivery_id,
            "event_type": "subscriber.created",
            "status": "delivered",
            "attempt_count": 1,
            "created_at": "2026-12-01T10:00:00Z",
            "next_attempt_at": None,
            "completed_at": "2026-12-01T10:00:00Z",
        },
    ]
    assert body["pagination"]["has_next_page"] is False


async def test_the_id_is_the_delivery_id_the_receiver_got(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created"])
    await server.emit("subscriber.created")

    _, body = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries")

    [received] = receiver.bodies
    assert body["deliveries"][0]["id"] == json.loads(received)["delivery_id"]


async def test_only_the_endpoints_own_deliveries_are_listed(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    mine = await endpoint(http, receiver.url, ["subscriber.created"])
    other = await endpoint(http, receiver.url, ["subscriber.created", "tag.created"])
    await server.emit("subscriber.created")
    await server.emit("tag.created")

    _, listed = await call(http, f"/v4/webhook_endpoints/{mine}/deliveries")
    _, others = await call(http, f"/v4/webhook_endpoints/{other}/deliveries")

    assert [d["event_type"] for d in listed["deliveries"]] == ["subscriber.created"]
    assert [d["event_type"] for d in others["deliveries"]] == ["tag.created", "subscriber.created"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "delivered"}, [("tag.created", "delivered"), ("subscriber.created", "delivered")]),
        ({"status": "failed"}, [("subscriber.created", "failed")]),
        ({"status": "pending"}, []),
        ({"event_type": "subscriber.created"}, [("subscriber.created", "failed"), ("subscriber.created", "delivered")]),
        ({"event_type": "subscriber.created", "status": "failed"}, [("subscriber.created", "failed")]),
    ],
)  # fmt: skip
async def test_status_and_event_type_filter_and_combine(
    server: FakeKit,
    http: aiohttp.ClientSession,
    receiver: Receiver,
    query: dict[str, str],
    expected: list[tuple[str, str]],
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created", "tag.created"])
    await server.emit("subscriber.created")
    await server.emit("tag.created")
    receiver.status = 410
    await server.emit("subscriber.created")

    status, body = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries", **query)

    assert status == 200
    assert [(d["event_type"], d["status"]) for d in body["deliveries"]] == expected


async def test_an_unreachable_receiver_is_retried(
    server: FakeKit, http: aiohttp.ClientSession
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = await endpoint(http, f"http://127.0.0.1:{port}/kit", ["subscriber.created"])
    [sent] = await server.emit("subscriber.created")

    _, body = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries/{sent.delivery_id}")

    assert body["delivery"]["status"] == "retrying"
    assert body["delivery"]["next_attempt_at"] == "2026-12-01T10:00:30Z"
    [attempt] = body["delivery"]["attempts"]
    assert attempt["response_status"] is None
    assert attempt["error"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "bounced"}, "Unknown status: 'bounced'"),
        ({"event_type": "subscriber.nope"}, "Unknown event_type: 'subscriber.nope'"),
    ],
)
async def test_an_unknown_filter_value_is_a_422_naming_it(
    http: aiohttp.ClientSession, receiver: Receiver, query: dict[str, str], message: str
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created"])

    status, body = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries", **query)

    assert status == 422
    assert body["errors"][0].startswith(message)


async def test_the_history_pages_with_fakekits_cursors(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created"])
    sent = [(await server.emit("subscriber.created"))[0].delivery_id for _ in range(3)]
    path = f"/v4/webhook_endpoints/{hook}/deliveries"

    _, first = await call(http, path, per_page="2")
    _, second = await call(http, path, per_page="2", after=first["pagination"]["end_cursor"])

    assert first["pagination"]["has_next_page"] is True
    assert first["pagination"]["end_cursor"] == FakeKit.cursor(2)
    assert second["pagination"]["has_next_page"] is False
    listed = [d["id"] for d in first["deliveries"] + second["deliveries"]]
    assert listed == sorted(sent, reverse=True)


async def test_one_delivery_shows_its_attempt_and_the_payload_when_asked(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created"])
    receiver.status, receiver.answer = 503, b"x" * 2000
    [sent] = await server.emit("subscriber.created", subscriber={"id": 5, "email_address": "a@b.c"})
    path = f"/v4/webhook_endpoints/{hook}/deliveries/{sent.delivery_id}"

    _, without = await call(http, path)
    _, with_payload = await call(http, path, include_payload="true")

    delivery = without["delivery"]
    assert (delivery["id"], delivery["status"], delivery["attempt_count"]) == (
        sent.delivery_id,
        "retrying",
        1,
    )
    assert "payload" not in delivery
    [attempt] = delivery["attempts"]
    assert attempt["response_status"] == 503
    assert attempt["response_body"] == "x" * 1024  # the start of the receiver's answer
    assert attempt["duration_ms"] >= 0
    [received] = receiver.bodies
    assert with_payload["delivery"]["payload"] == json.loads(received)["events"]
    assert with_payload["delivery"]["payload"][0]["data"]["subscriber"]["id"] == 5


@pytest.mark.parametrize(
    "path", ["/v4/webhook_endpoints/999/deliveries", "/v4/webhook_endpoints/999/deliveries/1"]
)
async def test_an_unknown_endpoint_is_a_404(http: aiohttp.ClientSession, path: str) -> None:
    status, body = await call(http, path)

    assert (status, body) == (404, {"errors": ["Not Found"]})


async def test_an_unknown_delivery_or_another_endpoints_is_a_404(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    mine = await endpoint(http, receiver.url, ["subscriber.created"])
    other = await endpoint(http, receiver.url, ["tag.created"])
    [sent] = await server.emit("tag.created")

    assert (await call(http, f"/v4/webhook_endpoints/{other}/deliveries/{sent.delivery_id}"))[
        0
    ] == 200
    for path in (
        f"/v4/webhook_endpoints/{mine}/deliveries/{sent.delivery_id}",
        f"/v4/webhook_endpoints/{mine}/deliveries/{sent.delivery_id + 1000}",
    ):
        assert await call(http, path) == (404, {"errors": ["Not Found"]})


async def test_a_deleted_endpoints_history_is_gone(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    hook = await endpoint(http, receiver.url, ["subscriber.created"])
    await server.emit("subscriber.created")
    async with http.delete(f"/v4/webhook_endpoints/{hook}") as response:
        assert response.status == 204

    status, _ = await call(http, f"/v4/webhook_endpoints/{hook}/deliveries")

    assert status == 404
