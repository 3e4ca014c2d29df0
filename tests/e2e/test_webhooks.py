"""End to end: registering webhooks with the real client against FakeKit, and receiving them.

FakeKit keeps webhook endpoints and their secrets like Kit (the secret shown on
create and rotate only, a day's overlap after a rotation, 409 while it is open)
and `server.emit()` POSTs signed deliveries to the endpoints subscribed to an
event: here, to a loopback receiver that checks them with `WebhookVerifier`,
holding whatever secrets the test has "deployed" to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async import (
    ConflictError,
    KitClient,
    LegacyWebhookEvent,
    NotFoundError,
    PermissionDeniedError,
    WebhookEndpoint,
)
from kit_async.testing import FakeKit
from kit_async.webhooks import WebhookVerificationError, WebhookVerifier

TOKEN = "fake_at_hooks_e2e"


class Clock:
    """FakeKit's clock, moved by the test (the rotation overlap is a day)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    """A webhook receiver on loopback: verifies each delivery with the secrets deployed to it."""

    def __init__(self) -> None:
        self.verifier: WebhookVerifier | None = None
        self.events: list[str] = []
        self.refused = 0
        app = web.Application()
        app.router.add_post("/kit/webhooks", self.receive)
        self.server = TestServer(app)

    def deploy(self, secrets: Sequence[str | None]) -> None:
        kept = [secret for secret in secrets if secret is not None]
        assert len(kept) == len(secrets), "a secret Kit should have returned is missing"
        self.verifier = WebhookVerifier(kept)

    async def receive(self, request: web.Request) -> web.Response:
        assert self.verifier is not None
        try:
            delivery = self.verifier.verify(await request.read(), request.headers)
        except WebhookVerificationError:
            self.refused += 1
            return web.Response(status=400)
        self.events += [event.type for event in delivery.events]
        return web.Response(status=204)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/kit/webhooks"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=clock, access_token=TOKEN) as fake:
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


async def statuses(server: FakeKit, event_type: str = "subscriber.created") -> list[int | None]:
    """Emit one event; the receivers' answers (empty: no endpoint is subscribed)."""
    deliveries = await server.emit(event_type, subscriber={"email_address": "ada@example.com"})
    return [delivery.status for delivery in deliveries]


async def test_register_receive_rotate_revoke_and_delete_an_endpoint(
    server: FakeKit, kit: KitClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await kit.webhook_endpoints.create(
        receiver.url, ["subscriber.created"], name="CRM sync", description="Mirror new people"
    )
    first_secret = endpoint.secret
    assert first_secret is not None
    assert first_secret.startswith("whsec_")
    assert first_secret not in repr(endpoint)
    receiver.deploy([first_secret])
    assert await statuses(server) == [204]
    fetched = await kit.webhook_endpoints.get(endpoint.id)
    assert fetched.secret is None
    assert (fetched.name, fetched.description, fetched.events) == (
        "CRM sync",
        "Mirror new people",
        ("subscriber.created",),
    )

    # Rotate: the previous secret keeps verifying until the overlap ends.
    rotated = await kit.webhook_endpoints.rotate_secret(endpoint.id)
    second_secret = rotated.secret
    assert second_secret is not None
    assert second_secret != first_secret
    assert rotated.previous_secret_expires_at == clock.now + timedelta(days=1)
    assert await statuses(server) == [204]  # receivers not redeployed yet
    assert server.deliveries[-1].secrets == 2
    receiver.deploy([second_secret, first_secret])
    assert await statuses(server) == [204]

    # A second rotation while the overlap is open is refused, and changes nothing.
    with pytest.raises(ConflictError, match="still within its rotation window"):
        await kit.webhook_endpoints.rotate_secret(endpoint.id)
    assert await statuses(server) == [204]

    # Every receiver has the new secret: close the overlap, drop the old one.
    revoked = await kit.webhook_endpoints.revoke_previous_secret(endpoint.id)
    assert (revoked.previous_secret_expires_at, revoked.secret) == (None, None)
    receiver.deploy([first_secret])  # a receiver left behind now refuses everything
    assert await statuses(server) == [400]
    assert server.deliveries[-1].secrets == 1
    receiver.deploy([second_secret])
    assert await statuses(server) == [204]

    # `events` replaces the list; a disabled endpoint gets nothing.
    changed = await kit.webhook_endpoints.update(endpoint.id, events=["subscriber.tag_added"])
    assert changed.events == ("subscriber.tag_added",)
    assert await statuses(server) == []
    assert await statuses(server, "subscriber.tag_added") == [204]
    await kit.webhook_endpoints.update(endpoint.id, status="disabled")
    assert await statuses(server, "subscriber.tag_added") == []
    assert [e.id async for e in kit.webhook_endpoints.list(status="disabled")] == [endpoint.id]
    assert [e.id async for e in kit.webhook_endpoints.list(status="active")] == []

    await kit.webhook_endpoints.delete(endpoint.id)
    with pytest.raises(NotFoundError):
        await kit.webhook_endpoints.get(endpoint.id)
    assert receiver.events == ["subscriber.created"] * 5 + ["subscriber.tag_added"]
    assert receiver.refused == 1


async def test_forcing_a_rotation_expires_the_oldest_secret_at_once(
    server: FakeKit, kit: KitClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])
    second = await kit.webhook_endpoints.rotate_secret(endpoint.id)
    third = await kit.webhook_endpoints.rotate_secret(endpoint.id, force=True)

    receiver.deploy([endpoint.secret])
    assert await statuses(server) == [400]
    receiver.deploy([second.secret])  # now the previous secret, still in its overlap
    assert await statuses(server) == [204]
    receiver.deploy([third.secret])
    assert await statuses(server) == [204]

    # Once the overlap has passed, rotating needs no force.
    clock.now += timedelta(days=1, seconds=1)
    fourth = await kit.webhook_endpoints.rotate_secret(endpoint.id)
    assert len({endpoint.secret, second.secret, third.secret, fourth.secret}) == 4


async def test_concurrent_rotations_of_one_endpoint_let_exactly_one_through(
    server: FakeKit, kit: KitClient, receiver: Receiver
) -> None:
    # Say, every replica of a service rotating at deploy time.
    endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])

    results = await asyncio.gather(
        *(kit.webhook_endpoints.rotate_secret(endpoint.id) for _ in range(20)),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, WebhookEndpoint)]
    assert len(winners) == 1
    assert all(isinstance(r, ConflictError) for r in results if r is not winners[0])
    rotations = [
        r for r in server.requests if r.path.endswith("/rotate_secret") and r.method == "POST"
    ]
    assert len(rotations) == 20  # each sent once: a 409 is not retried
    receiver.deploy([winners[0].secret])
    assert await statuses(server) == [204]


async def test_concurrent_creates_each_make_an_endpoint_with_its_own_secret(
    server: FakeKit, kit: KitClient, receiver: Receiver
) -> None:
    created = await asyncio.gather(
        *(kit.webhook_endpoints.create(receiver.url, ["subscriber.created"]) for _ in range(20))
    )

    assert len({e.id for e in created}) == len({e.secret for e in created}) == 20
    assert len([e async for e in kit.webhook_endpoints.list(per_page=7)]) == 20
    receiver.deploy([e.secret for e in created])
    assert await statuses(server) == [204] * 20


async def test_an_endpoint_an_oauth_app_created_is_that_apps_to_change(
    server: FakeKit, kit: KitClient, receiver: Receiver
) -> None:
    async with KitClient(access_token=TOKEN, base_url=server.url, rate_limit=None) as app:
        endpoint = await app.webhook_endpoints.create(receiver.url, ["subscriber.created"])
        assert endpoint.created_by_app is not None

        with pytest.raises(PermissionDeniedError):
            await kit.webhook_endpoints.update(endpoint.id, status="disabled")
        with pytest.raises(PermissionDeniedError):
            await kit.webhook_endpoints.rotate_secret(endpoint.id)
        assert (await kit.webhook_endpoints.get(endpoint.id)).status == "active"

        await app.webhook_endpoints.delete(endpoint.id)


async def test_legacy_webhooks_are_created_listed_and_deleted(kit: KitClient) -> None:
    tagged = await kit.legacy_webhooks.create(
        "https://hooks.example.com/tagged", {"name": "subscriber.tag_add", "tag_id": 7}
    )
    clicked = await kit.legacy_webhooks.create(
        "https://hooks.example.com/clicks",
        {"name": "subscriber.link_click", "initiator_value": "https://example.com/offer"},
    )

    listed = {webhook.id: webhook async for webhook in kit.legacy_webhooks.list(per_page=1)}
    assert listed[tagged.id].event == LegacyWebhookEvent("tag_add", tag_id=7)
    assert listed[clicked.id].event.initiator_value == "https://example.com/offer"
    assert listed[tagged.id].target_url == "https://hooks.example.com/tagged"

    await kit.legacy_webhooks.delete(tagged.id)
    assert [webhook.id async for webhook in kit.legacy_webhooks.list()] == [clicked.id]
    with pytest.raises(NotFoundError):
        await kit.legacy_webhooks.delete(tagged.id)


async def test_concurrent_legacy_creates_each_add_a_webhook(kit: KitClient) -> None:
    event = {"name": "purchase.purchase_create"}
    created = await asyncio.gather(
        *(kit.legacy_webhooks.create(f"https://hooks.example.com/{n}", event) for n in range(20))
    )
    assert len({webhook.id for webhook in created}) == 20
    assert len([webhook async for webhook in kit.legacy_webhooks.list()]) == 20
