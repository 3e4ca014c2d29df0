"""Webhooks: endpoints (signed deliveries, secret rotation) and legacy webhooks."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs
from aiohttp import web

from ..._kit import LEGACY_EVENTS, WEBHOOK_ENDPOINT_STATUSES, WEBHOOK_EVENT_TYPES
from .. import _paging
from .._account import FakeAccount
from .._records import ROTATION_OVERLAP, LegacyWebhookRecord, WebhookEndpointRecord, webhook_secret
from .._wire import Refused, json_response, no_content
from ._input import boolean, choice, get_or_404, json_body, path_id, text, uses_oauth
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_APP_ONLY = "This webhook endpoint was created by an app: only that app can change or delete it"
_IN_OVERLAP = "The previous signing secret is still within its rotation window."


def render(endpoint: WebhookEndpointRecord, *, secret: bool = False) -> dict[str, Any]:
    """An endpoint as Kit shows it; the `secret` only on create and rotate."""
    shown: dict[str, Any] = {
        "id": endpoint.id,
        "name": endpoint.name,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "status": endpoint.status,
        "source": endpoint.source,
        "description": endpoint.description,
        "created_by_app": endpoint.created_by_app,
        "created_at": iso(endpoint.created_at),
        "previous_secret_expires_at": iso(endpoint.previous_secret_expires_at),
    }
    if secret:
        shown["secret"] = endpoint.secret
    return shown


def _private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.lower().rstrip(".")
        return name == "localhost" or name.endswith((".localhost", ".local", ".internal"))
    return not address.is_global


def _url(kit: FakeKit, body: Mapping[str, Any]) -> str:
    url = text(body, "url", required="url can't be blank")
    assert url is not None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in {"http", "https"}:
        raise Refused("url must be an http or https URL")
    if not kit.private_webhook_urls and _private(host):
        raise Refused(
            "url must be publicly reachable: private, internal and loopback addresses are refused"
        )
    return url


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Refused("events can't be blank")
    unknown = [event for event in value if event not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise Refused(*(f"Unknown event type: {event}" for event in unknown))
    return sorted(set(value))


def _endpoint(
    kit: FakeKit, request: web.Request, *, changing: bool = False
) -> WebhookEndpointRecord:
    endpoint = get_or_404(kit.account.webhook_endpoints, path_id(request))
    if changing and endpoint.created_by_app is not None and not uses_oauth(request):
        raise Refused(_APP_ONLY, status=403)
    return endpoint


async def list_endpoints(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/webhook_endpoints`: newest first; `status` filter."""
    status = choice(request.query.get("status"), "status", WEBHOOK_ENDPOINT_STATUSES)
    account = kit.account
    endpoints = [
        account.webhook_endpoints[i]
        for i in sorted(account.webhook_endpoints, reverse=True)
        if status in {None, account.webhook_endpoints[i].status}
    ]
    page = _paging.page_of(request.query, endpoints)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    return json_response(
        {"webhook_endpoints": [render(e) for e in shown], "pagination": pagination}
    )


async def create_endpoint(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/webhook_endpoints`: its `whsec_` secret is shown this once (201)."""
    body = await json_body(request)
    account = kit.account
    url, events = _url(kit, body), _events(body.get("events"))
    app = {"id": 1, "name": kit.client_id} if uses_oauth(request) else None
    endpoint = WebhookEndpointRecord(
        id=account.next_id("webhook_endpoints"),
        url=url,
        events=events,
        created_at=account.clock(),
        secret=webhook_secret(),
        name=text(body, "name"),
        description=text(body, "description"),
        source="app" if app is not None else "creator",
        created_by_app=app,
    )
    account.webhook_endpoints[endpoint.id] = endpoint
    return json_response({"webhook_endpoint": render(endpoint, secret=True)}, 201)


async def get_endpoint(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/webhook_endpoints/{id}`: never with the secret."""
    return json_response({"webhook_endpoint": render(_endpoint(kit, request))})


async def update_endpoint(kit: FakeKit, request: web.Request) -> web.Response:
    """`PATCH /v4/webhook_endpoints/{id}`: `events` replaces the whole list."""
    endpoint = _endpoint(kit, request, changing=True)
    body = await json_body(request)
    changes: dict[str, Any] = {}
    if "url" in body:
        changes["url"] = _url(kit, body)
    if "events" in body:
        changes["events"] = _events(body["events"])
    if "status" in body:
        changes["status"] = (
            choice(body["status"], "status", WEBHOOK_ENDPOINT_STATUSES) or endpoint.status
        )
    for name in ("name", "description"):
        if name in body:
            changes[name] = text(body, name)
    updated = attrs.evolve(endpoint, **changes)
    kit.account.webhook_endpoints[endpoint.id] = updated
    return json_response({"webhook_endpoint": render(updated)})


async def delete_endpoint(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/webhook_endpoints/{id}` (204): no more deliveries."""
    endpoint = _endpoint(kit, request, changing=True)
    del kit.account.webhook_endpoints[endpoint.id]
    return no_content()


def rotate(account: FakeAccount, endpoint: WebhookEndpointRecord, *, force: bool) -> None:
    """A new secret; the current one verifies for a day more (409 while an overlap is open)."""
    now = account.clock()
    expires = endpoint.previous_secret_expires_at
    open_overlap = endpoint.previous_secret is not None and expires is not None and now < expires
    if open_overlap and not force:
        raise Refused(_IN_OVERLAP, status=409)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = webhook_secret()


async def rotate_secret(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/webhook_endpoints/{id}/rotate_secret` (`force` ends an open overlap)."""
    endpoint = _endpoint(kit, request, changing=True)
    force = boolean(await json_body(request), "force")
    rotate(kit.account, endpoint, force=bool(force))
    return json_response({"webhook_endpoint": render(endpoint, secret=True)})


async def revoke_previous_secret(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/webhook_endpoints/{id}/revoke_previous_secret`: the overlap ends now."""
    endpoint = _endpoint(kit, request, changing=True)
    endpoint.previous_secret = None
    endpoint.previous_secret_expires_at = None
    return json_response({"webhook_endpoint": render(endpoint)})


# -- legacy webhooks ------------------------------------------------------------------


def render_legacy(account: FakeAccount, webhook: LegacyWebhookRecord) -> dict[str, Any]:
    """A legacy webhook as Kit shows it."""
    return {
        "id": webhook.id,
        "account_id": account.info["id"],
        "event": dict(webhook.event),
        "target_url": webhook.target_url,
    }


async def list_legacy(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/webhooks`: newest first."""
    account = kit.account
    webhooks = [account.legacy_webhooks[i] for i in sorted(account.legacy_webhooks, reverse=True)]
    page = _paging.page_of(request.query, webhooks)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render_legacy(account, webhook) for webhook in shown]
    return json_response({"webhooks": items, "pagination": pagination})


async def create_legacy(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/webhooks`: `target_url` and `event` (with the parameter its name needs)."""
    body = await json_body(request)
    event, target = body.get("event"), body.get("target_url")
    if not isinstance(event, dict) or not event.get("name") or not target:
        raise Refused("`event` and `target` parameters must be provided")
    if urlsplit(str(target)).scheme not in {"http", "https"}:
        raise Refused("target_url must be an http or https URL")
    name = str(event["name"])
    if name not in LEGACY_EVENTS:
        name = next((known for known in LEGACY_EVENTS if known.endswith(f".{name}")), name)
    if name not in LEGACY_EVENTS:
        raise Refused(f"Unknown event {name}; use one of: {', '.join(LEGACY_EVENTS)}")
    needs = LEGACY_EVENTS[name]
    if needs is not None and (event.get(needs) is None or event.get(needs) == ""):
        raise Refused(f"`{needs}` is required for the {name} event")
    parameter = needs or "initiator_value"
    webhook = LegacyWebhookRecord(
        id=kit.account.next_id("legacy_webhooks"),
        target_url=str(target),
        event={"name": name.partition(".")[2], parameter: event.get(parameter)},
    )
    kit.account.legacy_webhooks[webhook.id] = webhook
    return json_response({"webhook": render_legacy(kit.account, webhook)}, 201)


async def delete_legacy(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/webhooks/{id}` (204)."""
    webhook = get_or_404(kit.account.legacy_webhooks, path_id(request))
    del kit.account.legacy_webhooks[webhook.id]
    return no_content()


ROUTES = (
    Route("GET", "/v4/webhook_endpoints", list_endpoints),
    Route("POST", "/v4/webhook_endpoints", create_endpoint),
    Route("GET", "/v4/webhook_endpoints/{id}", get_endpoint),
    Route("PATCH", "/v4/webhook_endpoints/{id}", update_endpoint),
    Route("DELETE", "/v4/webhook_endpoints/{id}", delete_endpoint),
    Route("POST", "/v4/webhook_endpoints/{id}/rotate_secret", rotate_secret),
    Route("POST", "/v4/webhook_endpoints/{id}/revoke_previous_secret", revoke_previous_secret),
    Route("GET", "/v4/webhooks", list_legacy),
    Route("POST", "/v4/webhooks", create_legacy),
    Route("DELETE", "/v4/webhooks/{id}", delete_legacy),
)
