"""Legacy webhooks (`/v4/webhooks`): one unsigned event type per webhook."""

from __future__ import annotations

import attrs

__all__ = ["LegacyWebhook", "LegacyWebhookEvent"]


@attrs.frozen
class LegacyWebhookEvent:
    """The event a legacy webhook fires on, and the record it is bound to.

    Kit answers with the event's name as it stores it, which may differ from
    the name that created it: a webhook created for `subscriber.tag_add` is
    listed as `tag_add`. Only the id the event needs is set (a tag's for
    `tag_add`, a form's for `form_subscribe`, ...); the others are `None`.

    Attributes:
        name: The event type, as Kit sends it.
        form_id: The form of `subscriber.form_subscribe`.
        tag_id: The tag of `subscriber.tag_add` and `subscriber.tag_remove`.
        sequence_id: The sequence of `subscriber.course_subscribe` and
            `subscriber.course_complete`.
        product_id: The product of `subscriber.product_purchase`.
        initiator_value: The link URL of `subscriber.link_click`.
        custom_field_id: The custom field of
            `custom_field.field_value_updated`.
    """

    name: str
    form_id: int | None = None
    tag_id: int | None = None
    sequence_id: int | None = None
    product_id: int | None = None
    initiator_value: str | None = None
    custom_field_id: int | None = None


@attrs.frozen
class LegacyWebhook:
    """A legacy webhook (`GET /v4/webhooks`): one event type POSTed to `target_url`.

    Its deliveries are unsigned single-event JSON POSTs; webhook endpoints
    (`kit.webhook_endpoints`) supersede it.

    Attributes:
        id: The webhook's id.
        target_url: Where Kit POSTs each event.
        event: The event it fires on.
        account_id: The Kit account it belongs to.
    """

    id: int
    target_url: str
    event: LegacyWebhookEvent
    account_id: int | None = None
