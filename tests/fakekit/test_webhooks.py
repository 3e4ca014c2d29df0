"""FakeKit's webhooks over plain HTTP: endpoints, secrets and their rotation, signed
deliveries verified by kit_async.webhooks, and the legacy webhooks."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async.testing import FakeKit
from kit_async.webhooks import SignatureMismatchError, WebhookVerifier

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
TOKEN = "fake_at_webhooks"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=clock, access_token=TOKEN) as fake:
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


class Receiver:
    """A webhook receiver on loopback that keeps what it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        app = web.Application()
        app.router.add_post("/kit", self.receive)
        self.server = TestServer(app)

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        return web.Response(status=204)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/kit"))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    kept = Receiver()
    async with kept.server:
        yield kept


ENDPOINT = {
    "url": "https://hooks.example.com/incoming",
    "events": ["subscriber.created", "custom_field.created"],
}


# -- endpoints --------------------------------------------------------------------------------


async def test_create_shows_the_secret_once(http) -> None:
    status, body = await call(
        http, "POST", "/v4/webhook_endpoints", json={**ENDPOINT, "name": "Mine"}
    )

    created = body["webhook_endpoint"]
    assert status == 201
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["custom_field.created", "subscriber.created"]
    assert (created["status"], created["source"], created["created_by_app"]) == (
        "active",
        "creator",
        None,
    )
    assert created["previous_secret_expires_at"] is None
    _, fetched = await call(http, "GET", f"/v4/webhook_endpoints/{created['id']}")
    _, listed = await call(http, "GET", "/v4/webhook_endpoints")
    assert "secret" not in fetched["webhook_endpoint"]
    assert "secret" not in listed["webhook_endpoints"][0]
    assert fetched["webhook_endpoint"] == {k: v for k, v in created.items() if k != "secret"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"events": ["subscriber.created"]}, "url can't be blank"),
        (
            {"url": "ftp://example.com", "events": ["subscriber.created"]},
            "url must be an http or https URL",
        ),
        ({"url": "https://example.com"}, "events can't be blank"),
        (
            {"url": "https://example.com", "events": ["subscriber.sneezed"]},
            "Unknown event type: subscriber.sneezed",
        ),
    ],
)
async def test_create_refuses_what_kit_refuses(http, body: dict[str, Any], message: str) -> None:
    assert await call(http, "POST", "/v4/webhook_endpoints", json=body) == (
        422,
        {"errors": [message]},
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/kit",
        "http://localhost/kit",
        "http://10.1.2.3/kit",
        "http://[::1]/kit",
        "http://db.internal/",
    ],
)
async def test_private_addresses_are_refused_like_kit_when_asked(url: str) -> None:
    async with FakeKit(private_webhook_urls=False) as server, aiohttp.ClientSession() as http:
        headers = {"X-Kit-Api-Key": server.api_key}
        body = {"url": url, "events": ["subscriber.created"]}
        async with http.post(
            f"{server.url}/v4/webhook_endpoints", json=body, headers=headers
        ) as response:
            assert response.status == 422
            assert "publicly reachable" in (await response.json())["errors"][0]


async def test_loopback_addresses_are_accepted_by_default(http) -> None:
    body = {"url": "http://127.0.0.1:9/kit", "events": ["subscriber.created"]}

    assert (await call(http, "POST", "/v4/webhook_endpoints", json=body))[0] == 201


async def test_patch_replaces_the_events_and_can_disable(server: FakeKit, http) -> None:
    endpoint = server.add_webhook_endpoint(
        "https://example.com/h", ["subscriber.created", "tag.created"]
    )
    path = f"/v4/webhook_endpoints/{endpoint.id}"

    status, body = await call(
        http, "PATCH", path, json={"events": ["subscriber.activated"], "status": "disabled"}
    )

    assert status == 200
    assert body["webhook_endpoint"]["events"] == ["subscriber.activated"]
    assert body["webhook_endpoint"]["status"] == "disabled"
    _, active = await call(http, "GET", "/v4/webhook_endpoints", params={"status": "active"})
    _, disabled = await call(http, "GET", "/v4/webhook_endpoints", params={"status": "disabled"})
    assert (active["webhook_endpoints"], len(disabled["webhook_endpoints"])) == ([], 1)
    assert (await call(http, "PATCH", path, json={"status": "paused"}))[0] == 422
    assert (await call(http, "GET", "/v4/webhook_endpoints", params={"status": "paused"}))[0] == 422


async def test_delete_is_204_then_404(server: FakeKit, http) -> None:
    endpoint = server.add_webhook_endpoint("https://example.com/h", ["subscriber.created"])
    path = f"/v4/webhook_endpoints/{endpoint.id}"

    assert await call(http, "DELETE", path) == (204, None)
    for method, route in (
        ("GET", path),
        ("PATCH", path),
        ("DELETE", path),
        ("POST", f"{path}/rotate_secret"),
    ):
        assert await call(http, method, route, json={}) == (404, {"errors": ["Not Found"]})


async def test_an_apps_endpoint_is_changed_only_by_the_app(server: FakeKit, http) -> None:
    async with aiohttp.ClientSession(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as app:
        _, made = await call(app, "POST", "/v4/webhook_endpoints", json=ENDPOINT)
        path = f"/v4/webhook_endpoints/{made['webhook_endpoint']['id']}"

        for method, route in (("PATCH", path), ("DELETE", path), ("POST", f"{path}/rotate_secret")):
            status, body = await call(http, method, route, json={})
            assert status == 403
            assert "created by an app" in body["errors"][0]
        assert (await call(http, "GET", path))[0] == 200
        assert (await call(app, "DELETE", path))[0] == 204

    assert made["webhook_endpoint"]["source"] == "app"
    assert made["webhook_endpoint"]["created_by_app"] == {"id": 1, "name": server.client_id}


# -- rotation ---------------------------------------------------------------------------------


async def test_rotation_keeps_the_old_secret_for_a_day_then_409_unless_forced(
    server: FakeKit, http, clock: Clock
) -> None:
    endpoint = server.add_webhook_endpoint("https://example.com/h", ["subscriber.created"])
    first = endpoint.secret
    path = f"/v4/webhook_endpoints/{endpoint.id}/rotate_secret"

    status, rotated = await call(http, "POST", path, json={})
    second = rotated["webhook_endpoint"]["secret"]
    assert status == 200
    assert second.startswith("whsec_")
    assert second != first
    assert rotated["webhook_endpoint"]["previous_secret_expires_at"] == "2026-11-21T12:00:00Z"
    assert endpoint.secrets_at(clock.now) == [second, first]

    assert await call(http, "POST", path, json={"force": False}) == (
        409,
        {"errors": ["The previous signing secret is still within its rotation window."]},
    )
    _, forced = await call(http, "POST", path, json={"force": True})
    third = forced["webhook_endpoint"]["secret"]
    # Forcing expires the oldest secret at once: the second is now the previous one.
    assert endpoint.secrets_at(clock.now) == [third, second]

    clock.now += timedelta(days=1, seconds=1)
    assert endpoint.secrets_at(clock.now) == [third]
    assert (await call(http, "POST", path, json={}))[0] == 200


async def test_revoking_ends_the_overlap_at_once(server: FakeKit, http) -> None:
    endpoint = server.add_webhook_endpoint("https://example.com/h", ["subscriber.created"])
    base = f"/v4/webhook_endpoints/{endpoint.id}"
    await call(http, "POST", f"{base}/rotate_secret", json={})

    status, body = await call(http, "POST", f"{base}/revoke_previous_secret")

    assert status == 200
    assert body["webhook_endpoint"]["previous_secret_expires_at"] is None
    assert "secret" not in body["webhook_endpoint"]
    assert endpoint.secrets_at(NOW) == [endpoint.secret]
    assert (await call(http, "POST", f"{base}/rotate_secret", json={}))[0] == 200


# -- deliveries -------------------------------------------------------------------------------


async def test_emit_delivers_a_signed_event_to_every_subscribed_active_endpoint(
    server: FakeKit, receiver: Receiver
) -> None:
    tagged = server.add_webhook_endpoint(receiver.url, ["subscriber.tag_added"])
    server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    paused = server.add_webhook_endpoint(receiver.url, ["subscriber.tag_added"])
    paused.status = "disabled"
    alice = server.add_subscriber("alice@example.com", first_name="Alice")
    vip = server.add_tag("VIP")

    deliveries = await server.emit("subscriber.tag_added", subscriber=alice, tag=vip)

    assert [(d.endpoint_id, d.status, d.secrets, d.ok) for d in deliveries] == [
        (tagged.id, 204, 1, True)
    ]
    assert server.deliveries == deliveries
    [(body, headers)] = receiver.received
    assert body == deliveries[0].body
    assert headers["X-Kit-Delivery"] == str(deliveries[0].delivery_id)
    assert headers["User-Agent"] == "Kit-Webhooks/2.0"
    delivery = WebhookVerifier(tagged.secret).verify(body, headers)
    [event] = delivery.events
    assert event.type == "subscriber.tag_added"
    assert event.created == NOW
    assert event.data.subscriber is not None
    assert (event.data.subscriber.id, event.data.subscriber.email_address) == (
        alice.id,
        "alice@example.com",
    )
    assert event.data.tag is not None
    assert (event.data.tag.id, event.data.tag.name) == (vip.id, "VIP")


async def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    server: FakeKit, receiver: Receiver, http
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    old = endpoint.secret
    base = f"/v4/webhook_endpoints/{endpoint.id}"
    _, rotated = await call(http, "POST", f"{base}/rotate_secret", json={})
    new = rotated["webhook_endpoint"]["secret"]

    [during] = await server.emit("subscriber.created")
    await call(http, "POST", f"{base}/revoke_previous_secret")
    [after] = await server.emit("subscriber.created")

    (first_body, first_headers), (second_body, second_headers) = receiver.received
    assert (during.secrets, after.secrets) == (2, 1)
    assert first_headers["X-Kit-Signature"].count("v1=") == 2
    assert second_headers["X-Kit-Signature"].count("v1=") == 1
    WebhookVerifier(old).verify(first_body, first_headers)
    WebhookVerifier(new).verify(first_body, first_headers)
    WebhookVerifier(new).verify(second_body, second_headers)
    with pytest.raises(SignatureMismatchError):
        WebhookVerifier(old).verify(second_body, second_headers)


async def test_resources_may_be_given_as_mappings_or_any_record(
    server: FakeKit, receiver: Receiver
) -> None:
    server.add_webhook_endpoint(
        receiver.url,
        [
            "subscriber.subscribed_to_form",
            "custom_field.created",
            "sequence.created",
            "broadcast.sent",
            "post.published",
        ],
    )
    form = server.add_form("Sign up")
    field = server.add_custom_field("Company")
    sequence = server.add_sequence("Welcome")
    post = server.add_post("Hello")

    await server.emit(
        "subscriber.subscribed_to_form", subscriber={"email_address": "x@example.com"}, form=form
    )
    await server.emit("custom_field.created", custom_field=field)
    await server.emit("sequence.created", sequence=sequence)
    await server.emit(
        "broadcast.sent", broadcast=server.account.add_broadcast(subject="Hi", status="completed")
    )
    await server.emit("post.published", post=post)

    verifier = WebhookVerifier(server.account.webhook_endpoints[1].secret)
    events = [verifier.verify(body, headers).events[0] for body, headers in receiver.received]
    assert events[0].data.form is not None
    assert events[0].data.form.id == form.id
    assert events[0].data.subscriber is not None
    assert events[0].data.subscriber.email_address == "x@example.com"
    assert events[1].data.custom_field is not None
    assert events[1].data.custom_field.key == "company"
    assert events[2].data.sequence is not None
    assert events[2].data.sequence.name == "Welcome"
    assert [e.type for e in events[3:]] == ["broadcast.sent", "post.published"]


async def test_a_resource_that_is_neither_mapping_nor_record_is_refused(server: FakeKit) -> None:
    with pytest.raises(
        TypeError, match="a resource must be a mapping or a record of the account, not int"
    ):
        await server.emit("subscriber.created", subscriber=7)


async def test_an_unreachable_endpoint_is_reported_not_raised(server: FakeKit) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server.add_webhook_endpoint(f"http://127.0.0.1:{port}/kit", ["subscriber.created"])

    [delivery] = await server.emit("subscriber.created")

    assert delivery.status is None
    assert delivery.ok is False
    assert delivery.error is not None


async def test_no_endpoint_no_delivery(server: FakeKit) -> None:
    assert await server.emit("subscriber.created") == []


# -- legacy webhooks --------------------------------------------------------------------------


async def test_a_legacy_webhook_keeps_its_event_and_parameter(server: FakeKit, http) -> None:
    body = {
        "target_url": "https://example.com/tags",
        "event": {"name": "subscriber.tag_add", "tag_id": 34},
    }

    status, created = await call(http, "POST", "/v4/webhooks", json=body)
    _, plain = await call(
        http,
        "POST",
        "/v4/webhooks",
        json={"target_url": "https://example.com/", "event": {"name": "subscriber_activate"}},
    )

    assert status == 201
    assert created["webhook"] == {
        "id": 1,
        "account_id": server.account.info["id"],
        "event": {"name": "tag_add", "tag_id": 34},
        "target_url": "https://example.com/tags",
    }
    assert plain["webhook"]["event"] == {"name": "subscriber_activate", "initiator_value": None}
    _, listed = await call(http, "GET", "/v4/webhooks")
    assert [w["id"] for w in listed["webhooks"]] == [2, 1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"event": {"name": "subscriber.tag_add", "tag_id": 1}},
            "`event` and `target` parameters must be provided",
        ),
        ({"target_url": "https://x.example"}, "`event` and `target` parameters must be provided"),
        (
            {"target_url": "https://x.example", "event": {"name": "subscriber.form_subscribe"}},
            "`form_id` is required for the subscriber.form_subscribe event",
        ),
        (
            {"target_url": "https://x.example", "event": {"name": "subscriber.sneeze"}},
            "Unknown event subscriber.sneeze",
        ),
    ],
)
async def test_a_legacy_webhook_needs_a_target_and_a_complete_event(
    http, body: dict[str, Any], message: str
) -> None:
    status, answer = await call(http, "POST", "/v4/webhooks", json=body)

    assert status == 422
    assert answer["errors"][0].startswith(message)


async def test_deleting_a_legacy_webhook_is_204_then_404(http) -> None:
    body = {"target_url": "https://example.com/", "event": {"name": "purchase.purchase_create"}}
    _, created = await call(http, "POST", "/v4/webhooks", json=body)
    path = f"/v4/webhooks/{created['webhook']['id']}"

    assert await call(http, "DELETE", path) == (204, None)
    assert await call(http, "DELETE", path) == (404, {"errors": ["Not Found"]})


async def test_a_malformed_url_is_422_not_a_crash(http) -> None:
    body = {"url": "http://[::1/kit", "events": ["subscriber.created"]}

    assert await call(http, "POST", "/v4/webhook_endpoints", json=body) == (
        422,
        {"errors": ["url must be an http or https URL"]},
    )


async def test_a_legacy_webhook_needs_an_http_target(http) -> None:
    body = {
        "target_url": "mailto:me@example.com",
        "event": {"name": "subscriber.subscriber_activate"},
    }

    assert await call(http, "POST", "/v4/webhooks", json=body) == (
        422,
        {"errors": ["target_url must be an http or https URL"]},
    )
