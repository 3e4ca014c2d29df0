"""A webhook endpoint's delivery history: what FakeKit really sent it.

Every delivery `FakeKit.emit()` made is served from `FakeKit.deliveries`,
newest first, as its attempts left it (`pending`, `retrying`, `delivered`
or `failed`: see `_retries`); after Kit's 30 days, by the account's clock,
the history no longer shows it.

Kit's pages stop before these answers. Their known fields (`id`, `status`,
`completed_at`, `attempt_count`, and `payload` when asked) are served under
those names; the rest (`event_type`, `created_at`, `next_attempt_at`, the
`attempts`) is FakeKit's guess, for clients to find kept in their `raw`:
Kit's names may differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..._kit import WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES
from .. import _paging
from .._wire import NotFound, Refused, json_response
from ._input import flag, get_or_404, path_id
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._deliveries import WebhookDelivery
    from .._fakekit import FakeKit


def render(
    delivery: WebhookDelivery, *, attempts: bool = False, payload: bool = False
) -> dict[str, Any]:
    """A delivery as the history shows it; its attempts and payload on request."""
    shown: dict[str, Any] = {
        "id": delivery.delivery_id,
        "event_type": delivery.event_type,
        "status": delivery.state,
        "attempt_count": len(delivery.attempts),
        "created_at": iso(delivery.sent_at),
        "next_attempt_at": iso(delivery.next_attempt_at),
        "completed_at": iso(delivery.completed_at),
    }
    if attempts:
        shown["attempts"] = [
            {
                "attempted_at": iso(attempt.attempted_at),
                "response_status": attempt.status,
                "response_body": attempt.response.decode("utf-8", "replace"),
                "duration_ms": attempt.duration_ms,
                "error": attempt.error,
            }
            for attempt in delivery.attempts
        ]
    if payload:
        shown["payload"] = json.loads(delivery.body)["events"]
    return shown


def _filter(query: Mapping[str, str], name: str, allowed: Sequence[str]) -> str | None:
    """A filter's value; Kit's 422 names an unknown one rather than listing nothing."""
    value = query.get(name)
    if value is not None and value not in allowed:
        raise Refused(f"Unknown {name}: {value!r} (use one of: {', '.join(allowed)})")
    return value


def _history(kit: FakeKit, request: web.Request) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first (404 for an endpoint it does not know)."""
    endpoint = get_or_404(kit.account.webhook_endpoints, path_id(request))
    account, now = kit.account, kit.account.clock()
    sent = [
        delivery
        for delivery in kit.deliveries
        if (delivery.endpoint_id, delivery.account_id) == (endpoint.id, account.id)
        and delivery.kept_at(now)
    ]
    return sorted(sent, key=lambda delivery: delivery.delivery_id, reverse=True)


async def list_deliveries(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/webhook_endpoints/{id}/deliveries`: `status` and `event_type` combine."""
    status = _filter(request.query, "status", WEBHOOK_DELIVERY_STATUSES)
    event_type = _filter(request.query, "event_type", WEBHOOK_EVENT_TYPES)
    found = [
        delivery
        for delivery in _history(kit, request)
        if status in {None, delivery.state} and event_type in {None, delivery.event_type}
    ]
    page = _paging.page_of(request.query, found)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    return json_response({"deliveries": [render(d) for d in shown], "pagination": pagination})


async def get_delivery(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/webhook_endpoints/{id}/deliveries/{delivery_id}`: attempts; `include_payload`."""
    wanted = path_id(request, "delivery_id")
    payload = flag(request.query, "include_payload")
    for delivery in _history(kit, request):
        if delivery.delivery_id == wanted:
            return json_response({"delivery": render(delivery, attempts=True, payload=payload)})
    raise NotFound


ROUTES = (
    Route("GET", "/v4/webhook_endpoints/{id}/deliveries", list_deliveries),
    Route("GET", "/v4/webhook_endpoints/{id}/deliveries/{delivery_id}", get_delivery),
)
