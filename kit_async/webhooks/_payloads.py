"""The payload models: a delivery, its events and the resources they are about.

Kit's webhook docs list the resource fields loosely, so only `id` (and a
subscriber's `email_address`) is required: a delivery must not be refused
because Kit left out a field kit-async does not need. Everything is also
kept, as sent, in `EventData.raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..models._frozen import FrozenDict, freeze_mapping, freeze_mapping_or_none

__all__ = [
    "Delivery",
    "EventData",
    "WebhookCustomField",
    "WebhookEmailSequence",
    "WebhookEvent",
    "WebhookForm",
    "WebhookSubscriber",
    "WebhookTag",
]


@attrs.frozen
class WebhookSubscriber:
    """The subscriber of a `subscriber.*` event, shaped like Kit's v4 subscriber.

    Attributes:
        id: The subscriber's id.
        email_address: The subscriber's email address.
        first_name: `None` when the subscriber has none.
        state: `active`, `cancelled`, `bounced`, `complained` or `inactive`;
            after `subscriber.unsubscribed` (and the other state events) it is
            the new state.
        created_at: When the subscriber was added.
        fields: Custom-field values by key, as Kit sends them.
    """

    id: int
    email_address: str
    first_name: str | None = None
    state: str | None = None
    created_at: datetime | None = None
    fields: Mapping[str, Any] = attrs.field(factory=FrozenDict, converter=freeze_mapping)


@attrs.frozen
class WebhookTag:
    """The tag of a `tag.*` event, or of `subscriber.tag_added`/`tag_removed`."""

    id: int
    name: str | None = None
    created_at: datetime | None = None


@attrs.frozen
class WebhookForm:
    """The form (or landing page) of `subscriber.subscribed_to_form`.

    Attributes:
        id: The form's id.
        name: The form's name.
        created_at: When the form was created.
        type: `embed` for a form, `hosted` for a landing page.
        format: The form's format (`inline`, `modal`, ...), `None` for a landing page.
        embed_js: The script that embeds the form.
        embed_url: The form's public URL.
        archived: Whether the form is archived.
        uid: The form's public identifier.
    """

    id: int
    name: str | None = None
    created_at: datetime | None = None
    type: str | None = None
    format: str | None = None
    embed_js: str | None = None
    embed_url: str | None = None
    archived: bool | None = None
    uid: str | None = None


@attrs.frozen
class WebhookEmailSequence:
    """Kit's `sequence` (a drip campaign): of a `sequence.*` event or `subscriber.*_sequence*`.

    Named so that it does not shadow `collections.abc.Sequence` in your code;
    it is the `sequence` of [`EventData`][kit_async.webhooks.EventData].

    Attributes:
        id: The sequence's id.
        name: The sequence's name.
        hold: Whether subscribers stay active after its last email.
        repeat: Whether a re-added subscriber starts it again.
        created_at: When the sequence was created.
    """

    id: int
    name: str | None = None
    hold: bool | None = None
    repeat: bool | None = None
    created_at: datetime | None = None


@attrs.frozen
class WebhookCustomField:
    """The custom field of a `custom_field.*` event or `subscriber.custom_field_value_updated`.

    Attributes:
        id: The custom field's id.
        name: Its internal name (`ck_field_1_company`).
        key: The key of its values in `WebhookSubscriber.fields` (`company`);
            renaming the field changes it.
        label: Its label, as shown in Kit.
    """

    id: int
    name: str | None = None
    key: str | None = None
    label: str | None = None


@attrs.frozen
class EventData:
    """An event's `data`: the resources it is about, keyed as Kit keys them.

    A resource the event does not carry is `None`. `broadcast` and `post` are
    kept as the plain dicts Kit sends. Resources this version does not know
    (Kit adds event types over time) are only in `raw`.

    Attributes:
        subscriber: On `subscriber.*` events.
        tag: On `tag.*`, `subscriber.tag_added` and `subscriber.tag_removed`.
        form: On `subscriber.subscribed_to_form`.
        sequence: On `sequence.*`, `subscriber.added_to_sequence` and
            `subscriber.sequence_completed`.
        custom_field: On `custom_field.*` and
            `subscriber.custom_field_value_updated`.
        broadcast: On `broadcast.*`, as a dict.
        post: On `post.*`, as a dict.
        raw: The whole `data` object exactly as Kit sent it (empty when the
            `EventData` was built by hand).
    """

    subscriber: WebhookSubscriber | None = None
    tag: WebhookTag | None = None
    form: WebhookForm | None = None
    sequence: WebhookEmailSequence | None = None
    custom_field: WebhookCustomField | None = None
    broadcast: Mapping[str, Any] | None = attrs.field(
        default=None, converter=freeze_mapping_or_none
    )
    post: Mapping[str, Any] | None = attrs.field(default=None, converter=freeze_mapping_or_none)
    raw: Mapping[str, Any] = attrs.field(factory=FrozenDict, converter=freeze_mapping, repr=False)


@attrs.frozen
class WebhookEvent:
    """One event of a delivery.

    Attributes:
        id: The event's id. A delivery is retried whole, so the same event
            can arrive more than once: de-duplicate on this.
        type: The event type (`subscriber.tag_added`); types this version
            does not know are kept as they are.
        created: When the event happened (UTC).
        data: The resources the event is about.
    """

    id: str
    type: str
    created: datetime
    data: EventData


@attrs.frozen
class Delivery:
    """One POST from a Kit webhook endpoint.

    Attributes:
        delivery_id: Identifies the POST (also sent as `X-Kit-Delivery`); a
            retry of a failed delivery reuses it. Kit's delivery history is
            looked up by it.
        events: The delivery's events, all of one type (1 to 100 of them).
    """

    delivery_id: int
    events: tuple[WebhookEvent, ...]
