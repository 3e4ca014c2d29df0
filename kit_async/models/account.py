"""The account: who it is, its colors, its creator profile and its stats."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "Account",
    "AccountColors",
    "AccountPlan",
    "AccountTimezone",
    "AccountUser",
    "CreatorProfile",
    "EmailStats",
    "GrowthStats",
    "SendingAddress",
]


@attrs.frozen
class AccountUser:
    """The user the credentials belong to (`user` in `GET /v4/account`).

    Attributes:
        email: The user's email address.
        id: The user's id (sent by Kit since 2026).
    """

    email: str
    id: int | None = None


@attrs.frozen
class AccountTimezone:
    """The account's time zone, in which Kit reports growth stats.

    Attributes:
        name: The IANA name, e.g. `America/New_York`.
        friendly_name: Kit's display name, e.g. `Eastern Time (US & Canada)`.
        utc_offset: The offset as Kit writes it, e.g. `-05:00`.
    """

    name: str
    friendly_name: str
    utc_offset: str


@attrs.frozen
class SendingAddress:
    """One of the account's sending addresses (sent by Kit since 2026).

    Attributes:
        email_address: The address.
        from_name: The sender name shown with it.
        status: Kit's status of the address.
        is_default: Whether broadcasts use it unless told otherwise.
        is_verified: Whether the address is verified.
        is_dmarc_configured: Whether its domain has DMARC configured.
    """

    email_address: str
    from_name: str | None = None
    status: str | None = None
    is_default: bool | None = None
    is_verified: bool | None = None
    is_dmarc_configured: bool | None = None


@attrs.frozen
class AccountPlan:
    """The account's plan (sent by Kit since 2026). Each field is `None` when not sent.

    Attributes:
        plan_type: The plan, e.g. `creator`.
        interval: The billing interval.
        subscriber_limit: How many subscribers the plan allows.
        on_trial: Whether the account is on a trial.
        trial_lapse_date: When the trial ends.
        renews_at: When the plan renews.
        cancels_at: When the plan is cancelled.
    """

    plan_type: str | None = None
    interval: str | None = None
    subscriber_limit: int | None = None
    on_trial: bool | None = None
    trial_lapse_date: datetime | None = None
    renews_at: datetime | None = None
    cancels_at: datetime | None = None


@attrs.frozen
class Account:
    """The current account, and the user the credentials belong to (`GET /v4/account`).

    Kit's `account` object, with the body's `user` beside it in `user`.
    Kit's description requires only `name`, `plan_type` and
    `primary_email_address`; the other fields are `None` (or empty) when not
    sent.

    Attributes:
        name: The account's name.
        plan_type: The plan, e.g. `creator`.
        primary_email_address: The account's primary email address.
        user: The user the credentials belong to.
        id: The account's id.
        created_at: When the account was created.
        timezone: The account's time zone (its sending time zone).
        sending_addresses: Its sending addresses.
        plan: Its plan, in detail.
    """

    name: str
    plan_type: str
    primary_email_address: str
    user: AccountUser
    id: int | None = None
    created_at: datetime | None = None
    timezone: AccountTimezone | None = None
    sending_addresses: tuple[SendingAddress, ...] = ()
    plan: AccountPlan | None = None


@attrs.frozen
class AccountColors:
    """The body of `GET`/`PUT /v4/account/colors`; the calls return its `colors`."""

    colors: tuple[str, ...]


@attrs.frozen
class CreatorProfile:
    """The account's Creator Profile (`GET /v4/account/creator_profile`).

    Attributes:
        name: The profile's name.
        profile_url: Where the profile is published.
        byline: Its byline.
        bio: Its bio.
        image_url: Its image.
    """

    name: str
    profile_url: str
    byline: str | None = None
    bio: str | None = None
    image_url: str | None = None


@attrs.frozen
class EmailStats:
    """The account's email stats for the last 90 days (`GET /v4/account/email_stats`).

    Attributes:
        sent: Emails sent.
        clicked: Emails clicked.
        opened: Emails opened.
        email_stats_mode: The period, e.g. `last_90`.
        open_tracking_enabled: Whether opens are tracked.
        click_tracking_enabled: Whether clicks are tracked.
        starting: The start of the period.
        ending: The end of the period.
        open_rate: The open rate (sent by Kit since 2026).
        click_rate: The click rate (sent by Kit since 2026).
        unsubscribe_rate: The unsubscribe rate (sent by Kit since 2026).
        bounce_rate: The bounce rate (sent by Kit since 2026).
    """

    sent: int
    clicked: int
    opened: int
    email_stats_mode: str
    open_tracking_enabled: bool
    click_tracking_enabled: bool
    starting: datetime
    ending: datetime
    open_rate: float | None = None
    click_rate: float | None = None
    unsubscribe_rate: float | None = None
    bounce_rate: float | None = None


@attrs.frozen
class GrowthStats:
    """Subscriber growth over a period (`GET /v4/account/growth_stats`).

    Kit counts by day in the account's sending time zone: `starting` and
    `ending` carry that zone's offset (e.g. `2023-02-10T00:00:00-05:00`), not UTC.

    Attributes:
        cancellations: Subscribers who cancelled in the period.
        net_new_subscribers: New subscribers minus cancellations.
        new_subscribers: Subscribers who joined in the period.
        subscribers: Subscribers at the end of the period.
        starting: The first moment of the period.
        ending: The last moment of the period.
    """

    cancellations: int
    net_new_subscribers: int
    new_subscribers: int
    subscribers: int
    starting: datetime
    ending: datetime
