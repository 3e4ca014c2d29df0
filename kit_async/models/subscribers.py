"""Subscribers, as every endpoint that returns one sends them; their stats and pinned location."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._frozen import FrozenDict, freeze_mapping, freeze_mapping_or_none
from ._ids import IdText
from .tags import Tag

__all__ = ["FilteredSubscriber", "PinnedLocation", "Subscriber", "SubscriberStats"]


@attrs.frozen
class Subscriber:
    """A subscriber. One model for every endpoint that returns one.

    Kit adds fields by context: `tagged_at` in a tag's subscribers,
    `added_at` in a form's or a sequence's (with `referrer` and
    `referrer_utm_parameters` in a form's), `canceled_at`, `location`,
    `attribution` and `tags` when asked for with `include=`. Each is `None`
    (or empty) where Kit did not send it; the bulk taggings and form
    additions leave out even `state` and `fields`.

    Attributes:
        id: The subscriber's id.
        email_address: The address.
        created_at: When the subscriber was created.
        state: `active`, `inactive`, `bounced`, `complained` or `cancelled`
            (`None` in the results of bulk taggings and form additions).
        first_name: The first name; Kit sends `null` when there is none.
        fields: Custom field values by key (`None`: no value).
        tagged_at: When the subscriber got the tag (a tag's subscribers).
        added_at: When the subscriber joined (a form's or a sequence's).
        referrer: The page a form subscription came from, when Kit knows it.
        referrer_utm_parameters: The UTM parameters of `referrer` (`source`,
            `medium`, `campaign`, `term`, `content`), as sent.
        canceled_at: When the subscriber unsubscribed (`include=canceled_at`).
        location: Kit's `location` object, as sent (`include=location`).
        attribution: Kit's `attribution` object, as sent (`include=attribution`).
        tags: The subscriber's tags (`include=tags`).
    """

    id: int
    email_address: str
    created_at: datetime
    state: str | None = None
    first_name: str | None = None
    fields: Mapping[str, str | None] = attrs.field(factory=FrozenDict, converter=freeze_mapping)
    tagged_at: datetime | None = None
    added_at: datetime | None = None
    referrer: str | None = None
    referrer_utm_parameters: Mapping[str, Any] | None = attrs.field(
        default=None, converter=freeze_mapping_or_none
    )
    canceled_at: datetime | None = None
    location: Mapping[str, Any] | None = attrs.field(default=None, converter=freeze_mapping_or_none)
    attribution: Mapping[str, Any] | None = attrs.field(
        default=None, converter=freeze_mapping_or_none
    )
    tags: tuple[Tag, ...] = ()


@attrs.frozen
class SubscriberStats:
    """A subscriber's email engagement (`GET /v4/subscribers/{subscriber_id}/stats`).

    Also what `include=[{"type": "stats"}]` adds to a filtered subscriber.
    Rates are ratios rounded to 3 decimals (`0.5`, not `50`); a subscriber
    who was sent nothing has zero counts and `None` for the `last_*` times.
    Kit keeps these figures for the last 5 years only.

    Attributes:
        sent: Emails sent to the subscriber.
        opened: Emails opened.
        clicked: Emails with a click.
        bounced: Emails that bounced.
        open_rate: `opened / sent`.
        click_rate: `clicked / sent`.
        last_sent: When the last email was sent.
        last_opened: When an email was last opened.
        last_clicked: When a link was last clicked.
        sends_since_last_open: Emails sent since the last open.
        sends_since_last_click: Emails sent since the last click.
    """

    sent: int
    opened: int
    clicked: int
    bounced: int
    open_rate: float
    click_rate: float
    last_sent: datetime | None = None
    last_opened: datetime | None = None
    last_clicked: datetime | None = None
    sends_since_last_open: int | None = None
    sends_since_last_click: int | None = None


@attrs.frozen
class FilteredSubscriber:
    """A subscriber as the subscriber filter (`POST /v4/subscribers/filter`) returns one.

    Kit sends a different shape there: no `state`, the tags as `tag_names`
    and `tag_ids`, and the ids as strings (`"456"`). kit-async decodes those
    ids to `int`, like every other id, so `kit.subscribers.get(match.id)`
    works. The other fields come with the `include=` types that ask for them.

    Attributes:
        id: The subscriber's id.
        email_address: The address.
        created_at: When the subscriber was created.
        first_name: The first name (`None` when there is none).
        tag_names: The names of the subscriber's tags.
        tag_ids: The ids of the subscriber's tags, in the same order.
        attribution: Kit's `attribution` object (`include` `attribution`).
        tags: The subscriber's tags (`include` `tags`).
        location: Kit's `location` object (`include` `location`).
        canceled_at: When the state last changed (`include` `canceled_at`).
        stats: Engagement over the requested range (`include` `stats`).
        fields: Every custom field of the account, `None` where unset
            (`include` `custom_fields`).
    """

    id: IdText
    email_address: str
    created_at: datetime
    first_name: str | None = None
    tag_names: tuple[str, ...] = ()
    tag_ids: tuple[IdText, ...] = ()
    attribution: Mapping[str, Any] | None = attrs.field(
        default=None, converter=freeze_mapping_or_none
    )
    tags: tuple[Tag, ...] = ()
    location: Mapping[str, Any] | None = attrs.field(default=None, converter=freeze_mapping_or_none)
    canceled_at: datetime | None = None
    stats: SubscriberStats | None = None
    fields: Mapping[str, str | None] = attrs.field(factory=FrozenDict, converter=freeze_mapping)


@attrs.frozen
class PinnedLocation:
    """A subscriber's pinned location, as Kit returns it after pinning or updating it.

    A pin names its fields `state_province` and `country_code`; the
    `location` Kit infers (on `Subscriber.location`) says `state` and
    `country` instead.

    Attributes:
        subscriber_id: The subscriber (Kit's `subscriber.id`).
        country_code: ISO 3166-1 alpha-2 code, e.g. `US`.
        city: The city.
        state_province: The state or province.
        latitude: Decimal degrees.
        longitude: Decimal degrees.
        timezone: An IANA time zone name, e.g. `America/Denver`.
    """

    subscriber_id: int
    country_code: str
    city: str | None = None
    state_province: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
