"""Webhook endpoints: `kit.webhook_endpoints`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    check_bool,
    check_choice,
    check_id,
    check_text,
    check_url,
)
from .._kit import (
    WEBHOOK_DELIVERY_STATUSES,
    WEBHOOK_ENDPOINT_STATUSES,
    WEBHOOK_EVENT_TYPES,
    WebhookDeliveryStatus,
    WebhookEndpointStatus,
    WebhookEventType,
)
from ..models.webhook_endpoints import WebhookDeliveryRecord, WebhookEndpoint

__all__ = ["WEBHOOK_ENDPOINT_STATUSES", "WebhookEndpoints"]

_ONE = Envelope(at=("webhook_endpoint",))

LIST = ListEndpoint("/v4/webhook_endpoints", WebhookEndpoint, Envelope(at=("webhook_endpoints",)))
GET = Endpoint("GET", "/v4/webhook_endpoints/{id}", WebhookEndpoint, _ONE)
# Each call creates another endpoint, with its own secret: not safe to repeat.
CREATE = Endpoint("POST", "/v4/webhook_endpoints", WebhookEndpoint, _ONE)
# Partial, and `events` replaces the whole list: sending it twice is harmless.
UPDATE = Endpoint("PATCH", "/v4/webhook_endpoints/{id}", WebhookEndpoint, _ONE)
DELETE = NoContent("DELETE", "/v4/webhook_endpoints/{id}")
# A lost answer loses the new secret, and a repeat answers 409 (or, forced,
# expires the secret the first call made): never resent.
ROTATE_SECRET = Endpoint("POST", "/v4/webhook_endpoints/{id}/rotate_secret", WebhookEndpoint, _ONE)
# Revoking again leaves the same state (only the current secret verifies): safe to repeat.
REVOKE_PREVIOUS_SECRET = Endpoint(
    "POST",
    "/v4/webhook_endpoints/{id}/revoke_previous_secret",
    WebhookEndpoint,
    _ONE,
    retry_safe=True,
)
# The delivery history. Kit's pages stop before the answers: the keys
# `deliveries` and `delivery` are assumed, named as Kit names its other
# lists and objects (after the path); the items keep what they do not type.
DELIVERIES = ListEndpoint(
    "/v4/webhook_endpoints/{id}/deliveries", WebhookDeliveryRecord, Envelope(at=("deliveries",))
)
DELIVERY = Endpoint(
    "GET",
    "/v4/webhook_endpoints/{id}/deliveries/{delivery_id}",
    WebhookDeliveryRecord,
    Envelope(at=("delivery",)),
)


def _check_events(value: object) -> list[str]:
    if isinstance(value, str):
        msg = f"events must be a list of event types, got the str {value!r}: pass [{value!r}]"
        raise TypeError(msg)
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        msg = f"events must be a list of event types, got {type(value).__name__}"
        raise TypeError(msg)
    events = [check_text(f"events[{index}]", event) for index, event in enumerate(value)]
    if not events:
        msg = (
            "events must name at least one event type"
            " (to pause deliveries, update the endpoint to status='disabled')"
        )
        raise ValueError(msg)
    return events


class WebhookEndpoints(Resource):
    """Kit's webhook endpoints: where Kit sends signed, retried event deliveries.

    An endpoint subscribes one URL to many event types (`subscriber.created`,
    `subscriber.tag_added`, ...). Kit signs each delivery with the endpoint's
    signing secret, which receivers check with
    [`WebhookVerifier`][kit_async.webhooks.WebhookVerifier]: the
    [Receiving webhooks](webhooks.md) guide has the whole story, and its
    [Registering an endpoint](webhooks.md#registering-an-endpoint) section
    puts the two together.

    The secret (`whsec_...`) is in the answers of `create()` and
    `rotate_secret()` only, as `WebhookEndpoint.secret`: store it at once,
    Kit never shows it again. Rotating keeps the previous secret verifying
    until the endpoint's `previous_secret_expires_at`, and Kit signs every
    delivery with both meanwhile, so a receiver holding both secrets
    (`WebhookVerifier([new, previous])`) accepts every delivery while the new
    secret is rolled out.

    They supersede `kit.legacy_webhooks` (unsigned, one event type each).
    Endpoints created by an OAuth app can be changed or deleted only by that
    app: an API key gets `PermissionDeniedError` (403), and a `NotFoundError`
    (404) for reading another app's endpoint.
    """

    def list(
        self,
        *,
        status: WebhookEndpointStatus | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[WebhookEndpoint]:
        """The account's webhook endpoints (`GET /v4/webhook_endpoints`).

        Kit never includes the signing secrets here (`secret` is `None`).

        Args:
            status: Only `active` or only `disabled` endpoints (all by default).
            per_page: Endpoints per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        ```python
        async for endpoint in kit.webhook_endpoints.list(status="active"):
            print(endpoint.id, endpoint.url, endpoint.events)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "status": check_choice("status", status, WEBHOOK_ENDPOINT_STATUSES),
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int) -> WebhookEndpoint:
        """One webhook endpoint (`GET /v4/webhook_endpoints/{id}`), without its secret.

        Raises:
            NotFoundError: no endpoint has that id in this account, or another
                OAuth app created it.
        """
        return await GET.call(self._transport, {"id": check_id("id", id)})

    async def create(
        self,
        url: str,
        events: Iterable[str],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> WebhookEndpoint:
        """Register a URL to receive deliveries of `events` (`POST /v4/webhook_endpoints`).

        **The answer is the only time Kit returns the signing secret**
        (`endpoint.secret`, `whsec_...`): store it now, where your receiver's
        [`WebhookVerifier`][kit_async.webhooks.WebhookVerifier] will read it.
        If it is lost, `rotate_secret()` issues a new one.

        Each call creates another endpoint, so kit-async does not retry it
        once it may have reached Kit. After such a failure (a timeout, a
        connection reset), look for the endpoint with `list()` before
        creating it again: one that was created has a secret you never saw,
        so rotate it (or delete it).

        Args:
            url: Where Kit POSTs the deliveries. Kit accepts only public
                http(s) URLs: it refuses private, internal and loopback
                addresses.
            events: The event types to subscribe to, e.g.
                `["subscriber.created", "subscriber.tag_added"]`.
            name: A name for the endpoint.
            description: What it is for.

        Raises:
            UnprocessableEntityError: Kit refused the URL or an event type
                (Kit's description declares no error answer here; 422 is how
                Kit refuses input everywhere else).

        ```python
        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/kit",
            ["subscriber.created", "subscriber.tag_added"],
            name="CRM sync",
        )
        signing_secret = endpoint.secret  # shown this once: store it now
        print(endpoint.id, endpoint.status)
        ```
        """
        body: dict[str, object] = {"url": check_url("url", url), "events": _check_events(events)}
        if name is not None:
            body["name"] = check_text("name", name)
        if description is not None:
            body["description"] = check_text("description", description, allow_empty=True)
        return await CREATE.call(self._transport, json=body)

    async def update(
        self,
        id: int,
        *,
        name: str | None = None,
        url: str | None = None,
        description: str | None = None,
        status: WebhookEndpointStatus | None = None,
        events: Iterable[str] | None = None,
    ) -> WebhookEndpoint:
        """Change some of an endpoint's settings (`PATCH /v4/webhook_endpoints/{id}`).

        Only the arguments given are sent. `events` **replaces the whole
        subscription list**: pass every event type the endpoint should keep,
        not only the ones to add. `status="disabled"` pauses deliveries
        without deleting the endpoint, and `"active"` resumes them. The
        signing secret does not change (see `rotate_secret()`).

        Args:
            id: The endpoint.
            name: Its new name.
            url: Its new URL (public http(s) only, as for `create()`).
            description: Its new description (`""` clears it).
            status: `active` or `disabled`.
            events: The complete new list of event types.

        Raises:
            NotFoundError: no endpoint has that id.
            PermissionDeniedError: another OAuth app created it (403).
            UnprocessableEntityError: Kit refused a value.

        ```python
        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/kit", ["subscriber.created"]
        )
        # Add an event type: send the whole list, the old types included.
        endpoint = await kit.webhook_endpoints.update(
            endpoint.id, events=[*endpoint.events, "subscriber.unsubscribed"]
        )
        paused = await kit.webhook_endpoints.update(endpoint.id, status="disabled")
        print(endpoint.events, paused.status)
        ```
        """
        endpoint = check_id("id", id)
        body: dict[str, object] = {}
        if name is not None:
            body["name"] = check_text("name", name)
        if url is not None:
            body["url"] = check_url("url", url)
        if description is not None:
            body["description"] = check_text("description", description, allow_empty=True)
        if status is not None:
            body["status"] = check_choice("status", status, WEBHOOK_ENDPOINT_STATUSES)
        if events is not None:
            body["events"] = _check_events(events)
        if not body:
            msg = "nothing to update: pass at least one of name=, url=, description=, status=, events="
            raise TypeError(msg)
        return await UPDATE.call(self._transport, {"id": endpoint}, json=body)

    async def delete(self, id: int) -> None:
        """Delete an endpoint and stop its deliveries (`DELETE /v4/webhook_endpoints/{id}`, `204`).

        To stop deliveries for a while instead, `update(id, status="disabled")`.

        Raises:
            NotFoundError: no endpoint has that id (or it is not visible to you).
            PermissionDeniedError: another OAuth app created it (403).
        """
        await DELETE.call(self._transport, {"id": check_id("id", id)})

    async def rotate_secret(self, id: int, *, force: bool = False) -> WebhookEndpoint:
        """Issue a new signing secret (`POST /v4/webhook_endpoints/{id}/rotate_secret`).

        **The answer is the only time Kit returns the new secret**
        (`endpoint.secret`): store it now. The previous secret keeps
        verifying until `endpoint.previous_secret_expires_at`, and until then
        Kit signs every delivery with both, so roll the new one out without
        dropping deliveries:

        1. Give your receivers both secrets, new first:
           `WebhookVerifier([endpoint.secret, previous_secret])`.
        2. Once every receiver has the new one, drop the previous secret, and
           close the overlap early with `revoke_previous_secret()` (or let it
           expire at `previous_secret_expires_at`).

        Rotating again while an overlap is open answers `409`
        (`ConflictError`): revoke the previous secret first, wait for it to
        expire, or pass `force=True` to rotate anyway, which expires the
        older of the two secrets at once (receivers holding only that one
        start refusing deliveries). Never retried: a lost answer would lose
        the new secret; after a timeout, rotate again with `force=True`.

        Args:
            id: The endpoint.
            force: Rotate even while a previous rotation's overlap is open
                (sends `{"force": true}`).

        Raises:
            ConflictError: a previous rotation's overlap is still open and
                `force` is False (409).
            NotFoundError: no endpoint has that id.

        ```python
        from kit_async.webhooks import WebhookVerifier

        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/kit", ["subscriber.created"]
        )
        previous_secret = endpoint.secret
        rotated = await kit.webhook_endpoints.rotate_secret(endpoint.id)
        # Until rotated.previous_secret_expires_at, accept both.
        verifier = WebhookVerifier([rotated.secret, previous_secret])
        ```
        """
        endpoint = check_id("id", id)
        if not isinstance(force, bool):
            msg = f"force must be a bool, got {type(force).__name__} {force!r}"
            raise TypeError(msg)
        return await ROTATE_SECRET.call(
            self._transport, {"id": endpoint}, json={"force": True} if force else {}
        )

    async def revoke_previous_secret(self, id: int) -> WebhookEndpoint:
        """End a rotation's overlap now: only the current secret verifies from here on.

        `POST /v4/webhook_endpoints/{id}/revoke_previous_secret`. Call it
        once every receiver holds the new secret, rather than waiting for
        `previous_secret_expires_at`; later deliveries carry one `v1`
        signature again, and a `WebhookVerifier` may drop the previous secret.
        The answer has `previous_secret_expires_at` set to `None`.

        Raises:
            NotFoundError: no endpoint has that id.
        """
        return await REVOKE_PREVIOUS_SECRET.call(self._transport, {"id": check_id("id", id)})

    def deliveries(
        self,
        endpoint_id: int,
        *,
        status: WebhookDeliveryStatus | None = None,
        event_type: WebhookEventType | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[WebhookDeliveryRecord]:
        """An endpoint's delivery history, newest first (`GET /v4/webhook_endpoints/{id}/deliveries`).

        Kit keeps each delivery for 30 days. Its answer is documented only in
        part: each `WebhookDeliveryRecord` types the fields Kit names (`id`,
        `status`, `completed_at`, `attempt_count`) and keeps the whole object
        as sent in `raw`. The filters combine.

        Args:
            endpoint_id: The endpoint.
            status: Only deliveries in this state: `pending`, `retrying`,
                `delivered` or `failed`.
            event_type: Only deliveries of this event type
                (`subscriber.created`, ...).
            per_page: Deliveries per request, 1 to 1000 (Kit's page does not
                say whether it reads `per_page`; it is sent as on every list).
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.

        Raises:
            NotFoundError: no endpoint has that id.
            UnprocessableEntityError: Kit refused a filter value (checked
                here first against the values kit-async knows).

        ```python
        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/kit", ["subscriber.created"]
        )
        async for delivery in kit.webhook_endpoints.deliveries(endpoint.id, status="failed"):
            print(delivery.id, delivery.attempt_count, delivery.completed_at)
        ```
        """
        endpoint = check_id("endpoint_id", endpoint_id)
        return DELIVERIES.paginate(
            self._transport,
            path_params={"id": endpoint},
            params={
                "status": check_choice("status", status, WEBHOOK_DELIVERY_STATUSES),
                "event_type": check_choice("event_type", event_type, WEBHOOK_EVENT_TYPES),
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def delivery(
        self, endpoint_id: int, delivery_id: int, *, include_payload: bool = False
    ) -> WebhookDeliveryRecord:
        """One delivery with its attempt history (`GET /v4/webhook_endpoints/{id}/deliveries/{delivery_id}`).

        `delivery_id` is the `delivery_id` of the body your receiver got (and
        its `X-Kit-Delivery` header). Kit documents the answer only in part:
        the attempts (when each ran, the receiver's HTTP status, the start of
        its answer, how long it took) are in `raw`, under Kit's own names.

        Args:
            endpoint_id: The endpoint.
            delivery_id: The delivery.
            include_payload: Also return the events that were sent, in
                `payload` (sends `include_payload=true`).

        Raises:
            NotFoundError: no such endpoint, or no such delivery of it (Kit
                keeps them for 30 days).

        ```python
        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/kit", ["subscriber.created"]
        )
        # What a failed delivery sent, and how each attempt went:
        async for failed in kit.webhook_endpoints.deliveries(endpoint.id, status="failed"):
            delivery = await kit.webhook_endpoints.delivery(
                endpoint.id, failed.id, include_payload=True
            )
            print(delivery.payload, delivery.raw)
        ```
        """
        path_params = {
            "id": check_id("endpoint_id", endpoint_id),
            "delivery_id": check_id("delivery_id", delivery_id),
        }
        payload = check_bool("include_payload", include_payload) or None
        return await DELIVERY.call(
            self._transport, path_params, params={"include_payload": payload}
        )
