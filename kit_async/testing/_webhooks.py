"""Test helpers for webhook receivers: build, sign and send deliveries like Kit does."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..webhooks._verify import SIGNATURE_HEADER, _secret_keys

__all__ = ["deliver_webhook", "make_delivery", "make_event", "sign_delivery"]

_USER_AGENT = "Kit-Webhooks/2.0"

# The resources each event type carries by default (Kit's event-types page).
# A type missing here gets no default resource (pass your own).
_SUBSCRIBER_EXTRAS = {
    "subscriber.subscribed_to_form": ("form",),
    "subscriber.added_to_sequence": ("sequence",),
    "subscriber.sequence_completed": ("sequence",),
    "subscriber.tag_added": ("tag",),
    "subscriber.tag_removed": ("tag",),
    "subscriber.custom_field_value_updated": ("custom_field",),
}
_RESOURCE_EVENTS = ("tag", "custom_field", "sequence", "broadcast", "post")
_STATE_AFTER = {
    "subscriber.unsubscribed": "cancelled",
    "subscriber.bounced": "bounced",
    "subscriber.complained": "complained",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_resource(name: str, event_type: str, created: str, rng: random.Random) -> Any:
    """A realistic resource of Kit's v4 shape (only the well-known fields)."""
    ident = rng.randint(1, 2**31 - 1)
    if name == "subscriber":
        return {
            "id": ident,
            "first_name": "Ada",
            "email_address": f"ada.{ident}@example.com",
            "state": _STATE_AFTER.get(event_type, "active"),
            "created_at": created,
            "fields": {"company": "Kit"},
        }
    if name == "tag":
        return {"id": ident, "name": "Customers", "created_at": created}
    if name == "form":
        return {
            "id": ident,
            "name": "Newsletter sign-up",
            "created_at": created,
            "type": "embed",
            "format": "inline",
            "embed_js": f"https://example.kit.com/{ident:x}/index.js",
            "embed_url": f"https://example.kit.com/{ident:x}",
            "archived": False,
            "uid": f"{ident:x}",
        }
    if name == "sequence":
        return {
            "id": ident,
            "name": "Welcome",
            "hold": False,
            "repeat": False,
            "created_at": created,
        }
    if name == "custom_field":
        return {"id": ident, "name": "ck_field_1_company", "key": "company", "label": "Company"}
    if name == "broadcast":
        return {
            "id": ident,
            "created_at": created,
            "subject": "This week at Kit",
            "description": None,
            "public": False,
            "published_at": None,
            "send_at": created,
        }
    # Only names listed in `_default_resources` get here: a post.
    return {
        "id": ident,
        "title": "This week at Kit",
        "slug": "this-week-at-kit",
        "status": "published",
        "published_at": created,
    }


def _default_resources(event_type: str) -> tuple[str, ...]:
    resource, _, _ = event_type.partition(".")
    if resource == "subscriber":
        return ("subscriber", *_SUBSCRIBER_EXTRAS.get(event_type, ()))
    if resource in _RESOURCE_EVENTS:
        return (resource,)
    return ()


def make_event(
    type: str,
    *,
    id: str | None = None,
    created: datetime | str | None = None,
    **resources: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Build one event as Kit sends it, `{id, type, created, data}`, as a JSON-ready dict.

    `data` gets realistic resources for the event type: the subscriber of a
    `subscriber.*` event (in the state the event leaves it), plus its tag,
    form, sequence or custom field; the tag of `tag.*`, and so on. Pass a
    resource by name to change its fields (they are merged into the default
    one), `None` to leave it out, or a resource of your own (for event types
    Kit may add later). An unknown type gets only what you pass.

    Args:
        type: The event type, e.g. `subscriber.tag_added`.
        id: The event id; a new UUID by default. Reuse an id to test that a
            redelivered event is handled once.
        created: When it happened; now by default. A naive datetime is taken
            as local time.
        **resources: Resources of `data` by name (`subscriber=`, `tag=`, ...).

    Returns:
        The event, ready for [`make_delivery`][kit_async.testing.make_delivery]
        or [`deliver_webhook`][kit_async.testing.deliver_webhook].

    Example:
        ```python
        from kit_async.testing import make_event

        event = make_event(
            "subscriber.tag_added",
            subscriber={"email_address": "ada@example.com"},
            tag={"id": 7, "name": "VIP"},
        )
        assert event["data"]["subscriber"]["email_address"] == "ada@example.com"
        assert event["data"]["tag"] == {"id": 7, "name": "VIP", "created_at": event["created"]}
        ```
    """
    if not isinstance(type, str):
        msg = f"type must be a str such as 'subscriber.created', not {type.__class__.__name__}"
        raise TypeError(msg)
    if not type:
        msg = "type must be an event type such as 'subscriber.created', got ''"
        raise ValueError(msg)
    if created is None:
        created = datetime.now(UTC)
    created_text = created if isinstance(created, str) else _iso(created)
    event_id = str(uuid.uuid4()) if id is None else id
    # Derived from the event id, so a rebuilt event has the same resource ids.
    rng = random.Random(event_id)
    data: dict[str, Any] = {
        name: _default_resource(name, type, created_text, rng) for name in _default_resources(type)
    }
    for name, fields in resources.items():
        if fields is None:
            data.pop(name, None)
        elif not isinstance(fields, Mapping):
            msg = f"{name}= must be a mapping of the resource's fields (or None), not {fields!r}"
            raise TypeError(msg)
        else:
            data[name] = {**data.get(name, {}), **fields}
    return {"id": event_id, "type": type, "created": created_text, "data": data}


def make_delivery(events: Iterable[Mapping[str, Any]], *, delivery_id: int | None = None) -> bytes:
    """The JSON body of a delivery, `{"delivery_id": ..., "events": [...]}`, as bytes.

    Args:
        events: The events, e.g. from [`make_event`][kit_async.testing.make_event].
        delivery_id: A random positive id by default.

    Returns:
        The body, ready for [`sign_delivery`][kit_async.testing.sign_delivery].
    """
    if isinstance(events, Mapping):
        msg = "events must be a list of events, not one event: wrap it in [...]"
        raise TypeError(msg)
    if delivery_id is None:
        delivery_id = random.randint(1, 2**31 - 1)
    body = {"delivery_id": delivery_id, "events": [dict(event) for event in events]}
    return json.dumps(body, separators=(",", ":")).encode()


def sign_delivery(
    body: bytes, secrets: str | Sequence[str], *, timestamp: int | None = None
) -> str:
    """The `X-Kit-Signature` value Kit would send with `body`.

    One `v1` entry per secret, in order: pass the new and the previous secret
    to sign like Kit does during a rotation.

    Args:
        body: The raw body.
        secrets: The signing secret, or several.
        timestamp: The Unix time of signing; now by default. Pass an old one
            to test that your receiver refuses replays.

    Returns:
        The header value, `t=<timestamp>,v1=<hex>[,v1=<hex>]`.

    Example:
        ```python
        from kit_async.testing import sign_delivery

        header = sign_delivery(b'{"delivery_id": 1, "events": []}', "whsec_test", timestamp=1753797130)
        assert header.startswith("t=1753797130,v1=")
        ```
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        msg = f"body must be bytes, not {type(body).__name__}"
        raise TypeError(msg)
    if timestamp is None:
        timestamp = int(time.time())
    elif isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        msg = f"timestamp must be a Unix time in whole seconds, got {timestamp!r}"
        raise ValueError(msg)
    signed = f"{timestamp}.".encode() + bytes(body)
    signatures = [
        hmac.new(key, signed, hashlib.sha256).hexdigest() for key in _secret_keys(secrets)
    ]
    return ",".join([f"t={timestamp}", *(f"v1={signature}" for signature in signatures)])


def _body_delivery_id(body: bytes) -> int | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    value = document.get("delivery_id") if isinstance(document, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def deliver_webhook(
    url: str | URL,
    events_or_body: Iterable[Mapping[str, Any]] | bytes,
    *,
    secrets: str | Sequence[str],
    session: aiohttp.ClientSession | None = None,
    delivery_id: int | None = None,
    timestamp: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> int:
    """POST a signed delivery to your receiver, with Kit's headers, and return the status.

    Meant for your tests, against your app on loopback. Sends what Kit sends:
    the JSON body, `X-Kit-Signature`, `X-Kit-Delivery`,
    `User-Agent: Kit-Webhooks/2.0` and `Content-Type: application/json`.
    Redirects are not followed (Kit does not follow them either). It gives up
    after 30 seconds; wrap the call in `asyncio.timeout()` for less.

    Args:
        url: Your receiver's URL.
        events_or_body: The events (e.g. from
            [`make_event`][kit_async.testing.make_event]), wrapped into a
            delivery; or a body of your own, sent byte for byte.
        secrets: The secret(s) to sign with (several: as during a rotation).
            An empty sequence sends no `X-Kit-Signature` at all.
        session: An aiohttp session to send with; a new one by default.
        delivery_id: The delivery id; random by default, or the body's own
            `delivery_id` when you pass a body.
        timestamp: The signature's Unix time; now by default. An old one
            tests that your receiver refuses replays.
        headers: Extra headers, sent over the defaults (say, a tampered
            `X-Kit-Signature`).

    Returns:
        Your receiver's HTTP status.

    Example:
        ```python
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        from kit_async.testing import deliver_webhook, make_event
        from kit_async.webhooks import WebhookError, WebhookVerifier

        verifier = WebhookVerifier("whsec_test")


        async def receive(request: web.Request) -> web.Response:
            try:
                verifier.verify(await request.read(), request.headers)
            except WebhookError:
                return web.Response(status=400)
            return web.Response(status=204)


        app = web.Application()
        app.router.add_post("/kit", receive)
        async with TestServer(app) as server:
            event = make_event("subscriber.created")
            assert await deliver_webhook(server.make_url("/kit"), [event], secrets="whsec_test") == 204
            assert await deliver_webhook(server.make_url("/kit"), [event], secrets="whsec_x") == 400
        ```
    """
    if isinstance(events_or_body, bytes | bytearray | memoryview):
        body = bytes(events_or_body)
        if delivery_id is None:
            delivery_id = _body_delivery_id(body)
    else:
        if delivery_id is None:
            delivery_id = random.randint(1, 2**31 - 1)
        body = make_delivery(events_or_body, delivery_id=delivery_id)
    status, _, _ = await send_delivery(
        url,
        body,
        secrets=secrets,
        session=session,
        delivery_id=delivery_id,
        timestamp=timestamp,
        headers=headers,
    )
    return status


async def send_delivery(
    url: str | URL,
    body: bytes,
    *,
    secrets: str | Sequence[str],
    session: aiohttp.ClientSession | None = None,
    delivery_id: int | None = None,
    timestamp: int | None = None,
    headers: Mapping[str, str] | None = None,
    give_up_after: float = 30.0,
) -> tuple[int, bytes, CIMultiDict[str]]:
    """POST a delivery's body as `deliver_webhook` does; the receiver's status, answer, headers.

    Gives up after `give_up_after` seconds (a `TimeoutError`).
    """
    sent = CIMultiDict({"Content-Type": "application/json", "User-Agent": _USER_AGENT})
    if delivery_id is not None:
        sent["X-Kit-Delivery"] = str(delivery_id)
    no_secret = not isinstance(secrets, str) and len(secrets) == 0
    if not no_secret:
        sent[SIGNATURE_HEADER] = sign_delivery(body, secrets, timestamp=timestamp)
    for name, value in (headers or {}).items():
        sent[name] = value  # replaces a default of any case
    owned = session is None
    client = aiohttp.ClientSession() if session is None else session
    try:
        async with client.post(
            url,
            data=body,
            headers=sent,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=give_up_after),
        ) as response:
            return response.status, await response.read(), CIMultiDict(response.headers)
    finally:
        if owned:
            await client.close()
