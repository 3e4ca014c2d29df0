"""End to end: the real client reads, from FakeKit, the history of what FakeKit really delivered.

FakeKit emits events to a loopback receiver that verifies them with
`WebhookVerifier`; the client then lists the endpoint's deliveries and reads
one with its payload, which must be the events the receiver got.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async import KitClient, NotFoundError, WebhookDeliveryRecord
from kit_async.testing import FakeKit
from kit_async.webhooks import Delivery, WebhookVerifier

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    """Verifies each delivery; answers 400 (no retry) while `failing`, else 204.

    `statuses` are answered first, one per delivery attempt.
    """

    def __init__(self) -> None:
        self.verifier: WebhookVerifier | None = None
        self.failing = False
        self.statuses: list[int] = []
        self.received: list[tuple[Delivery, bytes]] = []
        app = web.Application()
        app.router.add_post("/hooks", self.receive)
        self.server = TestServer(app)

    async def receive(self, request: web.Request) -> web.Response:
        assert self.verifier is not None
        body = await request.read()
        self.received.append((self.verifier.verify(body, request.headers), body))
        if self.statuses:
            return web.Response(status=self.statuses.pop(0))
        return web.Response(status=400 if self.failing else 204)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/hooks"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=clock) as fake:
        yield fake


@pytest.fixture
async def kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    kept = Receiver()
    async with kept.server:
        yield kept


async def test_the_history_lists_and_shows_what_the_receiver_really_got(
    server: FakeKit, kit: KitClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await kit.webhook_endpoints.create(
        receiver.url, ["subscriber.created", "subscriber.tag_added"]
    )
    receiver.verifier = WebhookVerifier(endpoint.secret or "")
    alice = server.add_subscriber("alice@example.com", first_name="Alice")
    await server.emit("subscriber.created", subscriber=alice)
    clock.now += timedelta(minutes=1)
    receiver.failing = True
    await server.emit("subscriber.tag_added", subscriber=alice, tag=server.add_tag("VIP"))
    (first, first_body), (second, _) = receiver.received

    history = [d async for d in kit.webhook_endpoints.deliveries(endpoint.id, per_page=1)]

    assert [(d.id, d.status, d.attempt_count) for d in history] == [
        (second.delivery_id, "failed", 1),
        (first.delivery_id, "delivered", 1),
    ]
    assert [d.completed_at for d in history] == [NOW + timedelta(minutes=1), NOW]
    assert all(isinstance(d, WebhookDeliveryRecord) and d.payload is None for d in history)
    # What FakeKit sends beyond Kit's known fields is kept, not typed.
    assert history[0].raw["event_type"] == "subscriber.tag_added"

    shown = await kit.webhook_endpoints.delivery(
        endpoint.id, first.delivery_id, include_payload=True
    )

    assert shown.status == "delivered"
    assert shown.payload == json.loads(first_body)["events"]
    assert shown.payload[0]["id"] == first.events[0].id
    assert shown.payload[0]["data"]["subscriber"]["email_address"] == "alice@example.com"
    assert shown.raw["attempts"][0]["response_status"] == 204


async def test_the_filters_reach_fakekit(
    server: FakeKit, kit: KitClient, receiver: Receiver
) -> None:
    endpoint = await kit.webhook_endpoints.create(
        receiver.url, ["subscriber.created", "tag.created"]
    )
    receiver.verifier = WebhookVerifier(endpoint.secret or "")
    await server.emit("subscriber.created")
    await server.emit("tag.created")
    receiver.failing = True
    await server.emit("tag.created")

    failed_tags = kit.webhook_endpoints.deliveries(
        endpoint.id, status="failed", event_type="tag.created"
    )
    delivered = kit.webhook_endpoints.deliveries(endpoint.id, status="delivered")

    assert [d.raw["event_type"] async for d in failed_tags] == ["tag.created"]
    assert [d.raw["event_type"] async for d in delivered] == ["tag.created", "subscriber.created"]


async def test_an_unknown_endpoint_or_delivery_is_not_found(
    server: FakeKit, kit: KitClient, receiver: Receiver
) -> None:
    endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])

    with pytest.raises(NotFoundError):
        await kit.webhook_endpoints.delivery(endpoint.id, 424242)
    with pytest.raises(NotFoundError):
        [d async for d in kit.webhook_endpoints.deliveries(endpoint.id + 1)]


async def test_the_client_follows_a_delivery_through_fakekits_retries(
    server: FakeKit, kit: KitClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])
    receiver.verifier = WebhookVerifier(endpoint.secret or "")
    receiver.statuses = [503, 500]
    [sent] = await server.emit("subscriber.created")
    clock.now += timedelta(seconds=30)
    await server.run_due_deliveries()

    [retrying] = [d async for d in kit.webhook_endpoints.deliveries(endpoint.id, status="retrying")]
    assert (retrying.id, retrying.attempt_count, retrying.completed_at) == (
        sent.delivery_id,
        2,
        None,
    )
    assert retrying.raw["next_attempt_at"] == "2026-12-01T09:32:30Z"  # 2 min after the retry

    await server.advance(120)
    shown = await kit.webhook_endpoints.delivery(
        endpoint.id, sent.delivery_id, include_payload=True
    )

    assert (shown.status, shown.attempt_count) == ("delivered", 3)
    assert shown.completed_at == NOW + timedelta(seconds=150)
    assert [a["response_status"] for a in shown.raw["attempts"]] == [503, 500, 204]
    assert [delivery.delivery_id for delivery, _ in receiver.received] == [sent.delivery_id] * 3
    assert shown.payload == json.loads(receiver.received[-1][1])["events"]
    assert [
        d.id async for d in kit.webhook_endpoints.deliveries(endpoint.id, status="retrying")
    ] == []
