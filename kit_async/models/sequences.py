"""Sequences (Kit's drip campaigns) and their emails."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "EmailSequence",
    "SequenceEmail",
    "SequenceEmailStats",
    "SequenceStats",
    "SubscriberSource",
]


@attrs.frozen
class SubscriberSource:
    """Subscribers a sequence leaves out: those who came through these sources.

    Attributes:
        type: `tag`, `sequence`, `form` or `segment`.
        ids: The ids of those tags, sequences, forms or segments.
    """

    type: str
    ids: tuple[int, ...] = ()


@attrs.frozen
class SequenceStats:
    """A sequence's figures, as on Kit's sequences dashboard (`include_stats=True`).

    Every figure but `unsubscribers` is `None` while the sequence has no
    deliverability data (and any figure Kit did not send is `None`: its
    description requires none of them). Rates are percentages.

    Attributes:
        unsubscribers: Subscribers who left (cancelled) the sequence: its
            current state, unlike the email events of `email_unsubscribes`.
        recipients: Emails sent across the sequence (the rates' denominator).
        opens: Sent emails that were opened.
        clicks: Sent emails with a link clicked.
        email_unsubscribes: Unsubscribe events on the sequence's emails.
        bounces: Sent emails that bounced.
        complaints: Sent emails marked as spam.
        open_rate: Percentage of sent emails opened.
        click_rate: Percentage of sent emails with a link clicked.
        click_to_open_rate: Percentage of opened emails with a link clicked.
        unsubscribe_rate: Percentage of sent emails followed by an unsubscribe.
        bounce_rate: Percentage of sent emails that bounced.
        complaint_rate: Percentage of sent emails marked as spam.
    """

    unsubscribers: int | None = None
    recipients: int | None = None
    opens: int | None = None
    clicks: int | None = None
    email_unsubscribes: int | None = None
    bounces: int | None = None
    complaints: int | None = None
    open_rate: float | None = None
    click_rate: float | None = None
    click_to_open_rate: float | None = None
    unsubscribe_rate: float | None = None
    bounce_rate: float | None = None
    complaint_rate: float | None = None


@attrs.frozen
class EmailSequence:
    """A sequence: Kit's automated series of emails (`GET /v4/sequences/{id}`).

    Named so that it does not shadow `collections.abc.Sequence` in your code.
    Lists from older Kit accounts send only `id`, `name`, `hold`, `repeat`
    and `created_at`; the other fields are `None` (or empty) where Kit did
    not send them.

    Attributes:
        id: The sequence's id.
        name: Its name.
        hold: Subscribers stay in it after its last email (evergreen), so
            they get emails added later.
        repeat: A subscriber added again starts it over.
        created_at: When it was created.
        updated_at: When it last changed.
        email_address: The sending address (`None`: the account's).
        email_template_id: The email template (`None`: the account's default).
        send_days: The weekdays it sends on (`monday` ... `sunday`).
        send_hour: The hour it sends at, 0 to 23, in `time_zone`.
        time_zone: An IANA time zone name.
        active: Whether it is sending (`False`: paused).
        exclude_subscriber_sources: Subscribers it leaves out, by where they
            came from.
        email_count: Its emails.
        subscriber_count: Its subscribers.
        stats: Its figures (only with `include_stats=True`).
    """

    id: int
    name: str
    hold: bool
    repeat: bool
    created_at: datetime
    updated_at: datetime | None = None
    email_address: str | None = None
    email_template_id: int | None = None
    send_days: tuple[str, ...] | None = None
    send_hour: int | None = None
    time_zone: str | None = None
    active: bool | None = None
    exclude_subscriber_sources: tuple[SubscriberSource, ...] = ()
    email_count: int | None = None
    subscriber_count: int | None = None
    stats: SequenceStats | None = None


@attrs.frozen
class SequenceEmailStats:
    """One sequence email's figures, as on Kit's sequence report (`include_stats=True`).

    Kit sends `0` for every figure while the email has no deliverability
    data; a figure it did not send is `None` (its description requires
    none of them). Rates are percentages.

    Attributes:
        recipients: Times the email was sent (the rates' denominator).
        opens: Sent emails that were opened.
        clicks: Sent emails with a link clicked.
        email_unsubscribes: Unsubscribe events on this email.
        bounces: Sent emails that bounced.
        complaints: Sent emails marked as spam.
        open_rate: Percentage of sent emails opened.
        click_rate: Percentage of sent emails with a link clicked.
        click_to_open_rate: Percentage of opened emails with a link clicked.
        unsubscribe_rate: Percentage of sent emails followed by an unsubscribe.
        bounce_rate: Percentage of sent emails that bounced.
        complaint_rate: Percentage of sent emails marked as spam.
    """

    recipients: int | None = None
    opens: int | None = None
    clicks: int | None = None
    email_unsubscribes: int | None = None
    bounces: int | None = None
    complaints: int | None = None
    open_rate: float | None = None
    click_rate: float | None = None
    click_to_open_rate: float | None = None
    unsubscribe_rate: float | None = None
    bounce_rate: float | None = None
    complaint_rate: float | None = None


@attrs.frozen
class SequenceEmail:
    """One email of a sequence (`GET /v4/sequences/{sequence_id}/emails/{id}`).

    Attributes:
        id: The email's id.
        sequence_id: Its sequence.
        subject: Its subject line.
        published: Whether it is sent (`False`: a draft, which is how Kit
            creates them).
        delay_value: How many days or hours after the previous email (or
            after joining, for the first) it goes out.
        delay_unit: `days` (follows the sequence's `send_days` and
            `send_hour`) or `hours` (ignores them).
        position: Its place in the sequence, from 0.
        preview_text: The preview shown by email clients.
        email_address: The sending address.
        email_template_id: Its email template (`None`: the sequence's).
        send_days: The weekdays it may go out on; all seven unless the email
            overrides its sequence's schedule; `None` for an `hours` email.
        content: Its HTML body: always from `get_email()`, from `emails()`
            only with `include_content=True`.
        stats: Its figures (only with `include_stats=True`).
    """

    id: int
    sequence_id: int
    subject: str
    published: bool
    delay_value: int
    delay_unit: str
    position: int | None = None
    preview_text: str | None = None
    email_address: str | None = None
    email_template_id: int | None = None
    send_days: tuple[str, ...] | None = None
    content: str | None = None
    stats: SequenceEmailStats | None = None
