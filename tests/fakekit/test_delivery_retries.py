"""FakeKit delivers as Kit does: retries on Kit's schedule, on FakeKit's clock.

A 2xx is `delivered`; a 5xx, a 429, a timeout or an unreachable receiver is
`retrying`, tried again 30 s, 2 min, 15 min, 1 h, 4 h, 12 h and 24 h after
the failed attempts, then `failed`; another 4xx (410 included) is `failed`
at once. `server.advance()` moves the clock and makes the attempts due on
the way; the history serves what was really sent, for 30 days.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async.testing import FakeKit, WebhookDelivery
from kit_async.webhooks import WebhookVerifier

NOW = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
# When each of the 8 attempts runs, in seconds after the first.
SCHEDULE = [0, 30, 150, 1050, 4650, 19050, 62250, 148650]


class Receiver:
    """A loopback receiver: answers `statuses` in turn, then `status`; keeps what it got."""

    def __init__(self, port: int = 0) -> None:
        self.status = 204
        self.statuses: list[int] = []
        self.headers: dict[str, str] = {}
        self.hang = asyncio.Event()  # set: the next request never gets an answer
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.urls: list[str] = []
        app = web.Application()
        app.router.add_post("/kit", self.receive)
        self.server = TestServer(app, port=port)

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        self.urls.append(str(request.rel_url))  # (request.url: aiohttp 3.9 with a newer yarl fails)
        if self.hang.is_set():
            self.hang.clear()
            await asyncio.Event().wait()
        status = self.statuses.pop(0) if self.statuses else self.status
        return web.Response(status=status, headers=self.headers)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/kit"))


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW, delivery_timeout=1.0) as fake:
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


def state_of(delivery: WebhookDelivery) -> str:
    """The delivery's state now (it changes as FakeKit's clock advances)."""
    return delivery.state


def seconds(delivery: WebhookDelivery) -> list[float]:
    """When each attempt ran, in seconds after the delivery was created."""
    assert delivery.sent_at is not None
    return [(a.attempted_at - delivery.sent_at).total_seconds() for a in delivery.attempts]


async def test_a_failing_receiver_gets_kits_eight_attempts_then_the_delivery_fails(
    server: FakeKit, receiver: Receiver
) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.status = 503
    [delivery] = await server.emit("subscriber.created")
    assert (delivery.state, delivery.next_attempt_at) == ("retrying", NOW + timedelta(seconds=30))

    await server.advance(29)
    assert len(receiver.received) == 1
    await server.advance(1)
    assert len(receiver.received) == 2
    tried = await server.advance(timedelta(days=3))

    assert tried == [delivery]
    assert seconds(delivery) == SCHEDULE
    assert [a.status for a in delivery.attempts] == [503] * 8
    assert delivery.state == "failed"
    assert delivery.completed_at == NOW + timedelta(seconds=SCHEDULE[-1])
    assert delivery.next_attempt_at is None
    # Every attempt is the same delivery: the same body and X-Kit-Delivery.
    assert {body for body, _ in receiver.received} == {delivery.body}
    assert {h["X-Kit-Delivery"] for _, h in receiver.received} == {str(delivery.delivery_id)}
    assert server.clock() == NOW + timedelta(days=3, seconds=30)


async def test_a_2xx_on_a_retry_delivers_it(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses = [500, 502]
    [delivery] = await server.emit("subscriber.created")

    await server.advance(timedelta(hours=1))

    assert delivery.state == "delivered"
    assert [a.status for a in delivery.attempts] == [500, 502, 204]
    assert seconds(delivery) == SCHEDULE[:3]
    assert delivery.completed_at == NOW + timedelta(seconds=150)
    path = f"/v4/webhook_endpoints/{endpoint.id}/deliveries/{delivery.delivery_id}"
    _, body = await call(http, path)
    shown = body["delivery"]
    assert (shown["status"], shown["attempt_count"], shown["next_attempt_at"]) == (
        "delivered",
        3,
        None,
    )
    assert shown["completed_at"] == "2026-12-01T10:02:30Z"
    assert [a["response_status"] for a in shown["attempts"]] == [500, 502, 204]
    assert [a["attempted_at"] for a in shown["attempts"]] == [
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:00:30Z",
        "2026-12-01T10:02:30Z",
    ]
    # Nothing more is sent once it is delivered.
    await server.advance(timedelta(days=2))
    assert len(receiver.received) == 3


@pytest.mark.parametrize("status", [301, 400, 401, 404, 410, 422])
async def test_a_3xx_or_4xx_fails_at_once_without_retry(
    server: FakeKit, receiver: Receiver, status: int
) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.status = status
    [delivery] = await server.emit("subscriber.created")

    assert (delivery.state, delivery.completed_at, delivery.next_attempt_at) == (
        "failed",
        NOW,
        None,
    )
    assert await server.advance(timedelta(days=3)) == []
    assert len(receiver.received) == 1


async def test_a_410_on_a_retry_stops_the_retries(server: FakeKit, receiver: Receiver) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses = [503, 503, 410]
    receiver.status = 204
    [delivery] = await server.emit("subscriber.created")

    await server.advance(timedelta(days=3))

    assert [a.status for a in delivery.attempts] == [503, 503, 410]
    assert (delivery.state, delivery.completed_at) == ("failed", NOW + timedelta(seconds=150))


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_on_a_429_or_503_is_honoured(
    server: FakeKit, receiver: Receiver, status: int
) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses, receiver.headers = [status], {"Retry-After": "600"}
    [delivery] = await server.emit("subscriber.created")

    assert delivery.state == "retrying"
    assert delivery.next_attempt_at == NOW + timedelta(seconds=600)
    await server.advance(599)
    assert len(receiver.received) == 1
    await server.advance(1)
    assert state_of(delivery) == "delivered"


async def test_a_receiver_that_does_not_answer_in_time_is_retried(
    server: FakeKit, receiver: Receiver
) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.hang.set()  # the first request never gets an answer
    [delivery] = await server.emit("subscriber.created")

    assert delivery.state == "retrying"
    [timed_out] = delivery.attempts
    assert timed_out.status is None
    assert timed_out.error is not None
    assert "no answer within 1 s" in timed_out.error
    # It waited out delivery_timeout (1 s) before giving up; that it gave up
    # then, not after Kit's 30 s, is the error above (no upper time bound:
    # these machines are shared).
    assert timed_out.duration_ms >= 1000

    await server.advance(30)

    assert state_of(delivery) == "delivered"
    assert [a.status for a in delivery.attempts] == [None, 204]


async def test_the_history_filters_and_pages_the_deliveries_by_their_state(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created", "tag.created"])
    receiver.statuses = [204, 500, 400, 500, 204]
    delivered = await server.emit("subscriber.created")
    retrying = await server.emit("subscriber.created")
    failed = await server.emit("tag.created")
    retrying_tag = await server.emit("tag.created")
    delivered_tag = await server.emit("tag.created")
    path = f"/v4/webhook_endpoints/{endpoint.id}/deliveries"

    async def listed(**query: str) -> list[int]:
        status, body = await call(http, path, **query)
        assert status == 200
        return [d["id"] for d in body["deliveries"]]

    def ids(*groups: list[WebhookDelivery]) -> list[int]:
        return [d.delivery_id for group in groups for d in group]

    assert await listed(status="retrying") == ids(retrying_tag, retrying)
    assert await listed(status="delivered") == ids(delivered_tag, delivered)
    assert await listed(status="failed") == ids(failed)
    assert await listed(status="pending") == []
    assert await listed(event_type="tag.created") == ids(delivered_tag, retrying_tag, failed)
    assert await listed(status="retrying", event_type="tag.created") == ids(retrying_tag)
    # The retries deliver them: the filter follows the state.
    await server.advance(30)
    assert await listed(status="retrying") == []
    assert await listed(status="delivered") == ids(delivered_tag, retrying_tag, retrying, delivered)
    # Pages of two, newest first, with FakeKit's cursors.
    _, first = await call(http, path, per_page="2")
    _, second = await call(http, path, per_page="2", after=first["pagination"]["end_cursor"])
    _, third = await call(http, path, per_page="2", after=second["pagination"]["end_cursor"])
    pages = [first, second, third]
    assert [len(p["deliveries"]) for p in pages] == [2, 2, 1]
    assert [p["pagination"]["has_next_page"] for p in pages] == [True, True, False]
    assert [d["id"] for p in pages for d in p["deliveries"]] == ids(
        delivered_tag, retrying_tag, failed, retrying, delivered
    )


async def test_include_payload_adds_the_events_that_every_attempt_sent(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses = [503]
    [delivery] = await server.emit("subscriber.created", subscriber={"id": 7})
    await server.advance(30)
    path = f"/v4/webhook_endpoints/{endpoint.id}/deliveries/{delivery.delivery_id}"

    _, plain = await call(http, path)
    _, full = await call(http, path, include_payload="true")

    assert "payload" not in plain["delivery"]
    first, second = (json.loads(body) for body, _ in receiver.received)
    assert first == second
    assert full["delivery"]["payload"] == first["events"]
    assert full["delivery"]["payload"][0]["data"]["subscriber"]["id"] == 7
    assert full["delivery"]["attempt_count"] == 2


async def test_the_history_forgets_a_delivery_after_30_days(
    server: FakeKit, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    [delivery] = await server.emit("subscriber.created")
    path = f"/v4/webhook_endpoints/{endpoint.id}/deliveries"

    await server.advance(timedelta(days=30) - timedelta(seconds=1))
    _, kept = await call(http, path)
    assert [d["id"] for d in kept["deliveries"]] == [delivery.delivery_id]

    await server.advance(1)
    _, gone = await call(http, path)
    status, _ = await call(http, f"{path}/{delivery.delivery_id}")

    assert gone["deliveries"] == []
    assert status == 404
    assert server.deliveries == [delivery]  # the test's own record keeps it


async def test_a_receiver_down_for_two_hours_gets_the_retries_when_it_is_back(
    server: FakeKit,
) -> None:
    with socket.socket() as sock:  # a free port, nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = server.add_webhook_endpoint(f"http://127.0.0.1:{port}/kit", ["subscriber.created"])
    sent = [(await server.emit("subscriber.created"))[0] for _ in range(3)]
    assert all(d.state == "retrying" and d.status is None and d.error for d in sent)

    await server.advance(timedelta(hours=2))  # attempts at 0, 30 s, 2.5, 17.5 and 77.5 min

    assert [len(d.attempts) for d in sent] == [5, 5, 5]
    assert all(d.state == "retrying" for d in sent)
    back = Receiver(port=port)
    async with back.server:
        await server.advance(timedelta(hours=4))  # the next retry: 4 h after the last

    assert [d.state for d in sent] == ["delivered"] * 3
    assert all(seconds(d) == SCHEDULE[:6] for d in sent)
    verifier = WebhookVerifier(endpoint.secret)
    got = [verifier.verify(body, headers).delivery_id for body, headers in back.received]
    assert sorted(got) == sorted(d.delivery_id for d in sent)


async def test_a_disabled_endpoint_pauses_its_retries(server: FakeKit, receiver: Receiver) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses = [503]
    [delivery] = await server.emit("subscriber.created")
    endpoint.status = "disabled"

    await server.advance(timedelta(hours=1))
    assert (delivery.state, len(receiver.received)) == ("retrying", 1)

    endpoint.status = "active"
    await server.advance(0)
    assert (delivery.state, len(receiver.received)) == ("delivered", 2)


async def test_a_clock_of_the_tests_own_runs_what_is_due_on_request(receiver: Receiver) -> None:
    now = [NOW]
    async with FakeKit(broadcasts=0, clock=lambda: now[0]) as server:
        server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
        receiver.statuses = [500]
        [delivery] = await server.emit("subscriber.created")

        assert await server.run_due_deliveries() == []
        now[0] += timedelta(seconds=30)
        assert await server.run_due_deliveries() == [delivery]

    assert delivery.state == "delivered"


async def test_the_clock_only_moves_forward(server: FakeKit) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        await server.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        server.clock.advance(timedelta(seconds=-1))
    assert server.clock() == NOW


async def test_each_accounts_history_and_retries_are_its_own(receiver: Receiver) -> None:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as server:
        bob = server.add_account(name="Bob", broadcasts=0)
        alices = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
        bobs = bob.add_webhook_endpoint(receiver.url + "?bob", ["subscriber.created"])
        assert alices.id == bobs.id  # ids are per account
        receiver.statuses = [503]
        [for_bob] = await server.emit("subscriber.created", account=bob)
        [for_alice] = await server.emit("subscriber.created")
        await server.advance(30)
        path = f"/v4/webhook_endpoints/{bobs.id}/deliveries"
        async with (
            aiohttp.ClientSession(base_url=server.url) as http,
            http.get(path, headers={"X-Kit-Api-Key": bob.credentials.api_key}) as response,
        ):
            shown = (await response.json())["deliveries"]

    assert [(d["id"], d["status"], d["attempt_count"]) for d in shown] == [
        (for_bob.delivery_id, "delivered", 2)
    ]
    assert (for_alice.state, len(for_alice.attempts)) == ("delivered", 1)
    assert [a.status for a in for_bob.attempts] == [503, 204]
    assert [url.endswith("?bob") for url in receiver.urls] == [True, False, True]


async def test_emit_many_batches_the_events_and_retries_each_delivery(
    server: FakeKit, receiver: Receiver
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    receiver.statuses = [503, 204, 503]
    people = [{"subscriber": {"id": n}} for n in range(1, 51)]

    sent = await server.emit_many("subscriber.created", people, per_delivery=20)
    await server.advance(30)

    assert [len(json.loads(d.body)["events"]) for d in sent] == [20, 20, 10]
    assert [d.state for d in sent] == ["delivered"] * 3
    verifier = WebhookVerifier(endpoint.secret)
    got = [verifier.verify(body, headers) for body, headers in receiver.received]
    assert len(got) == 5  # 3 first attempts, 2 retries
    ids = {event.data.subscriber.id for d in got for event in d.events if event.data.subscriber}
    assert ids == set(range(1, 51))


async def test_emit_many_splits_as_kit_does(server: FakeKit, receiver: Receiver) -> None:
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    big = {"subscriber": {"fields": {"notes": "x" * 300_000}}}

    by_count = await server.emit_many("subscriber.created", 250)
    by_size = await server.emit_many("subscriber.created", [big, {}, big, big])

    assert [len(json.loads(d.body)["events"]) for d in by_count] == [100, 100, 50]
    assert [len(json.loads(d.body)["events"]) for d in by_size] == [2, 1, 1]
    assert all(d.ok for d in by_count + by_size)
    with pytest.raises(ValueError, match="per_delivery must be 1 to 100"):
        await server.emit_many("subscriber.created", 1, per_delivery=101)


async def test_a_due_retry_is_made_once_when_runs_overlap(receiver: Receiver) -> None:
    now = [NOW]
    async with FakeKit(broadcasts=0, clock=lambda: now[0]) as server:
        server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
        receiver.statuses = [500]
        [delivery] = await server.emit("subscriber.created")
        now[0] += timedelta(seconds=30)

        first, second = await asyncio.gather(
            server.run_due_deliveries(), server.run_due_deliveries()
        )

    assert first + second == [delivery]
    assert [a.status for a in delivery.attempts] == [500, 204]
    assert len(receiver.received) == 2
