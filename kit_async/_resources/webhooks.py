"""Legacy webhooks: `kit.legacy_webhooks`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import MAX_PER_PAGE, check_id, check_text, check_url
from .._kit import LEGACY_EVENTS
from ..models.webhooks import LegacyWebhook

__all__ = ["LEGACY_EVENTS", "LegacyWebhooks"]

# Kit's 2026 description requires these in `event`, null when unused, as its own example sends.
_ALWAYS_SENT = ("form_id", "tag_id", "sequence_id", "product_id", "initiator_value")
_IDS = frozenset({*_ALWAYS_SENT, "custom_field_id"})

LIST = ListEndpoint("/v4/webhooks", LegacyWebhook, Envelope(at=("webhooks",)))
# Each call creates another webhook (a second delivery of every event): not safe to repeat.
CREATE = Endpoint("POST", "/v4/webhooks", LegacyWebhook, Envelope(at=("webhook",)))
DELETE = NoContent("DELETE", "/v4/webhooks/{id}")


def _check_event(event: object) -> dict[str, Any]:
    """Kit's `event` object for a documented legacy event type and the id it needs."""
    if not isinstance(event, Mapping):
        msg = (
            "event must be a dict such as {'name': 'subscriber.tag_add', 'tag_id': 1},"
            f" got {type(event).__name__} {event!r}"
        )
        raise TypeError(msg)
    name = check_text("event['name']", event.get("name"))
    if name not in LEGACY_EVENTS:
        hint = [known for known in LEGACY_EVENTS if known.endswith(f".{name}")]
        also = f" (did you mean {hint[0]!r}?)" if hint else ""
        msg = (
            f"event['name'] must be one of Kit's legacy event types{also}, got {name!r};"
            f" they are: {', '.join(LEGACY_EVENTS)}"
        )
        raise ValueError(msg)
    needed = LEGACY_EVENTS[name]
    unknown = sorted(set(event) - {"name"} - _IDS, key=str)
    if unknown:
        msg = f"event has unknown keys {unknown}; Kit's are name, {', '.join(sorted(_IDS))}"
        raise ValueError(msg)
    extra = sorted(key for key in _IDS if key != needed and event.get(key) is not None)
    if extra:
        takes = f"takes only {needed}" if needed else "takes no id"
        msg = f"{name} {takes}, but event also has {', '.join(extra)}"
        raise ValueError(msg)
    body: dict[str, Any] = {"name": name, **dict.fromkeys(_ALWAYS_SENT)}
    if needed is not None:
        if event.get(needed) is None:
            kind = "a link URL" if needed == "initiator_value" else "an id"
            msg = f"{name} needs event[{needed!r}] ({kind})"
            raise ValueError(msg)
        where = f"event[{needed!r}]"
        if needed == "initiator_value":
            body[needed] = check_text(where, event[needed])
        else:
            body[needed] = check_id(where, event[needed])
    return body


class LegacyWebhooks(Resource):
    """Kit's legacy webhooks (`/v4/webhooks`): one event type each, unsigned.

    Kit keeps them working, but new integrations should use
    `kit.webhook_endpoints`: many event types per endpoint, signed
    deliveries ([`WebhookVerifier`][kit_async.webhooks.WebhookVerifier]
    checks them) and automatic retries. A legacy webhook POSTs each event
    to its `target_url` as JSON, with no signature.
    """

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[LegacyWebhook]:
        """The account's legacy webhooks (`GET /v4/webhooks`).

        Kit lists each event by the name it stores (`tag_add` for a webhook
        created as `subscriber.tag_add`).

        Args:
            per_page: Webhooks per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        ```python
        async for webhook in kit.legacy_webhooks.list():
            print(webhook.id, webhook.event.name, webhook.target_url)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )

    async def create(self, target_url: str, event: Mapping[str, Any]) -> LegacyWebhook:
        """Have Kit POST one type of event to `target_url` (`POST /v4/webhooks`).

        `event` is a dict with Kit's names: the event type as `name`, and
        the id of the record it watches where the type needs one. Kit's
        legacy event types (checked before sending):

        - `subscriber.subscriber_activate`, `subscriber.subscriber_unsubscribe`,
          `subscriber.subscriber_bounce`, `subscriber.subscriber_complain`,
          `purchase.purchase_create`, `custom_field.field_created`,
          `custom_field.field_deleted`: no id;
        - `subscriber.form_subscribe`: `form_id`;
        - `subscriber.course_subscribe`, `subscriber.course_complete`: `sequence_id`;
        - `subscriber.link_click`: `initiator_value`, the link's URL;
        - `subscriber.product_purchase`: `product_id`;
        - `subscriber.tag_add`, `subscriber.tag_remove`: `tag_id`;
        - `custom_field.field_value_updated`: `custom_field_id`.

        An id the event type does not use is refused, rather than sent and
        ignored. Kit's 2026 description requires `form_id`, `tag_id`,
        `sequence_id`, `product_id` and `initiator_value` in `event`, so
        those are always sent, `null` when unused (as in Kit's own example);
        `custom_field_id` only with the event type that needs it.

        Each call creates another webhook, so it is not retried once it may
        have reached Kit: after a timeout, check `list()` before creating it
        again, or each event would be delivered twice.

        Raises:
            UnprocessableEntityError: Kit refused the webhook.

        ```python
        webhook = await kit.legacy_webhooks.create(
            "https://hooks.example.com/kit/tagged",
            {"name": "subscriber.tag_add", "tag_id": 1},
        )
        print(webhook.id, webhook.event.tag_id)
        ```
        """
        body = {"target_url": check_url("target_url", target_url), "event": _check_event(event)}
        return await CREATE.call(self._transport, json=body)

    async def delete(self, id: int) -> None:
        """Delete a legacy webhook (`DELETE /v4/webhooks/{id}`, `204`).

        Raises:
            NotFoundError: no webhook has that id.
            UnprocessableEntityError: Kit could not delete it ("Unable to
                destroy the webhook.").
        """
        await DELETE.call(self._transport, {"id": check_id("id", id)})
