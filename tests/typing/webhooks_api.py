"""`kit_async.webhooks` and its test helpers, used the way users will, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, assert_type

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy

from kit_async import KitError
from kit_async.testing import (
    DeliveryAttempt,
    FakeClock,
    FakeKit,
    WebhookDelivery,
    deliver_webhook,
    make_delivery,
    make_event,
    sign_delivery,
)
from kit_async.webhooks import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    Delivery,
    EventData,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutOfToleranceError,
    WebhookCustomField,
    WebhookEmailSequence,
    WebhookError,
    WebhookEvent,
    WebhookForm,
    WebhookPayloadError,
    WebhookSubscriber,
    WebhookTag,
    WebhookVerificationError,
    WebhookVerifier,
    parse_delivery,
    verify_delivery,
)


def read_events(delivery: Delivery) -> None:
    assert_type(delivery.delivery_id, int)
    assert_type(delivery.events, tuple[WebhookEvent, ...])
    for event in delivery.events:
        assert_type(event.id, str)
        assert_type(event.type, str)
        assert_type(event.created, datetime)
        data = event.data
        assert_type(data, EventData)
        assert_type(data.subscriber, WebhookSubscriber | None)
        assert_type(data.tag, WebhookTag | None)
        assert_type(data.form, WebhookForm | None)
        assert_type(data.sequence, WebhookEmailSequence | None)
        assert_type(data.custom_field, WebhookCustomField | None)
        assert_type(data.broadcast, Mapping[str, Any] | None)
        assert_type(data.post, Mapping[str, Any] | None)
        assert_type(data.raw, Mapping[str, Any])
        if data.subscriber is not None:
            assert_type(data.subscriber.id, int)
            assert_type(data.subscriber.email_address, str)
            assert_type(data.subscriber.first_name, str | None)
            assert_type(data.subscriber.created_at, datetime | None)
            assert_type(data.subscriber.fields, Mapping[str, Any])


async def receive(request: web.Request, verifier: WebhookVerifier) -> web.Response:
    body = await request.read()
    headers: CIMultiDictProxy[str] = request.headers
    try:
        delivery = verifier.verify(body, headers)
    except TimestampOutOfToleranceError as exc:
        assert_type(exc.timestamp, int)
        assert_type(exc.age, float)
        assert_type(exc.tolerance, float)
        return web.Response(status=400)
    except SignatureMismatchError as exc:
        assert_type(exc.signatures, int)
        assert_type(exc.secrets, int)
        return web.Response(status=400)
    except (MissingSignatureError, MalformedSignatureError, WebhookVerificationError):
        return web.Response(status=400)
    except WebhookPayloadError as exc:
        assert_type(exc.field, str | None)
        return web.Response(status=400)
    read_events(delivery)
    assert issubclass(WebhookError, KitError)
    return web.Response(status=204)


def verify_in_other_ways(body: bytes) -> None:
    verifier = WebhookVerifier(["whsec_new", "whsec_previous"], tolerance=DEFAULT_TOLERANCE)
    assert_type(verifier.tolerance, float)
    assert_type(verifier.verify_signature(body, {SIGNATURE_HEADER: "t=1,v1=00"}), None)
    assert_type(verifier.verify(body, "t=1,v1=00", now=1.0), Delivery)
    assert_type(verifier.verify(body, None), Delivery)
    assert_type(verify_delivery(body, {}, secrets="whsec_..."), Delivery)
    assert_type(parse_delivery(body), Delivery)
    assert_type(parse_delivery(body.decode()), Delivery)

    verifier.verify(body.decode(), {})  # type: ignore[arg-type]
    WebhookVerifier(b"whsec_...")  # type: ignore[arg-type]
    WebhookVerifier("whsec_...", 300)  # type: ignore[call-arg]
    verify_delivery(body, {}, "whsec_...")  # type: ignore[call-arg]


async def test_a_receiver(session: aiohttp.ClientSession) -> None:
    event = make_event("subscriber.tag_added", subscriber={"first_name": None}, tag=None)
    assert_type(event, dict[str, Any])
    body = make_delivery([event], delivery_id=5)
    assert_type(body, bytes)
    assert_type(sign_delivery(body, ["whsec_a", "whsec_b"], timestamp=1), str)
    status = await deliver_webhook(
        "http://127.0.0.1:8080/kit", [event], secrets="whsec_a", session=session, delivery_id=5
    )
    assert_type(status, int)
    await deliver_webhook("http://127.0.0.1:8080/kit", body, secrets=(), headers={"X": "y"})

    make_event("tag.created", tag=5)  # type: ignore[arg-type]
    await deliver_webhook("http://127.0.0.1:8080/kit", [event])  # type: ignore[call-arg]


async def test_fakekits_retries(server: FakeKit) -> None:
    assert_type(server.clock, FakeClock)
    assert_type(server.clock(), datetime)
    [delivery] = await server.emit("subscriber.created")
    assert_type(delivery, WebhookDelivery)
    assert_type(delivery.state, Literal["pending", "retrying", "delivered", "failed"])
    assert_type(delivery.attempts, list[DeliveryAttempt])
    assert_type(delivery.next_attempt_at, datetime | None)
    assert_type(delivery.status, int | None)
    assert_type(await server.advance(30), list[WebhookDelivery])
    await server.advance(timedelta(hours=4))
    assert_type(await server.run_due_deliveries(), list[WebhookDelivery])
    many = await server.emit_many("subscriber.created", [{"subscriber": {"id": 1}}])
    assert_type(many, list[WebhookDelivery])
    await server.emit_many("tag.created", 250, per_delivery=20)

    await server.advance("30")  # type: ignore[arg-type]
    await server.emit_many("tag.created", {"tag": {}})  # type: ignore[arg-type]
