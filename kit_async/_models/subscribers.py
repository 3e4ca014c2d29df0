"""Subscribers, as every endpoint that returns one sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from .tags import Tag

__all__ = ["Subscriber"]


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
    fields: dict[str, str | None] = attrs.field(factory=dict)
    tagged_at: datetime | None = None
    added_at: datetime | None = None
    referrer: str | None = None
    referrer_utm_parameters: dict[str, Any] | None = None
    canceled_at: datetime | None = None
    location: dict[str, Any] | None = None
    attribution: dict[str, Any] | None = None
    tags: tuple[Tag, ...] = ()
