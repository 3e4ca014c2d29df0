"""The fake Kit account's data, kept in memory: what FakeKit serves and changes.

Each collection is a dict from id to a mutable record (`account.subscribers`,
`account.tags`, ...), and the links between them (taggings, form and sequence
subscriptions) are dicts keyed by both ids. Tests read them directly and seed
them with the `add_*` methods; the routes change them as Kit would. Records
hold Python values (`datetime`, not text); the routes render Kit's JSON.
"""

from __future__ import annotations

import itertools
import re
import secrets
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .._kit import SUBSCRIBER_STATES
from ._generated import (
    BroadcastGenerator,
    generated_click,
    generated_recipients,
    generated_total,
    rate,
)
from ._records import (
    BroadcastRecord,
    CustomFieldRecord,
    EmailTemplateRecord,
    FormRecord,
    FormSubscriptionRecord,
    LegacyWebhookRecord,
    PostRecord,
    PurchaseRecord,
    SegmentRecord,
    SequenceEmailRecord,
    SequenceRecord,
    SnippetRecord,
    SubscriberRecord,
    TagRecord,
    WebhookEndpointRecord,
)

# `generated_click` and `generated_total` stay importable from here, where tests found them.
__all__ = ["Account", "generated_click", "generated_total"]

# How long a rotated webhook secret keeps verifying (Kit's example: one day).
ROTATION_OVERLAP = timedelta(days=1)
# Kit's API serves email stats of the last 5 years only (from 2026-10-15).
RETENTION = timedelta(days=5 * 365 + 1)

# The stats figures that follow from the others: recomputed once a broadcast changes.
_DERIVED_STATS = ("open_rate", "click_rate", "total_clicks")


def now_utc() -> datetime:
    """The current time in UTC, to the second (Kit's timestamps have no fraction)."""
    return datetime.now(UTC).replace(microsecond=0)


def field_key(label: str) -> str:
    """Kit's key for a custom field label: ASCII, lower case, underscores."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_") or "field"


def snippet_key(name: str) -> str:
    """Kit's key for a snippet name: ASCII, lower case, hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "snippet"


def webhook_secret() -> str:
    """A new signing secret, `whsec_...`."""
    return f"whsec_{secrets.token_urlsafe(24)}"


# -- the account ---------------------------------------------------------------------


class Account:
    """Everything the fake account holds, and the rules that keep it consistent.

    Args:
        broadcasts: How many broadcasts to generate (ids 1..N, newest last).
        clicks: Clicks per generated sent broadcast, or a mapping id -> count.
        drafts: How many of the last generated broadcasts are unsent
            (alternately a draft and a scheduled one).
        clock: Returns "now" (UTC) for every timestamp FakeKit sets.
    """

    def __init__(
        self,
        *,
        broadcasts: int = 10,
        clicks: int | Mapping[int, int] = 1200,
        drafts: int = 2,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.clock = clock
        #: The generated broadcasts' generator (their count, drafts and clicks).
        self.generator = BroadcastGenerator(broadcasts=broadcasts, clicks=clicks, drafts=drafts)
        self._ids: dict[str, Iterator[int]] = {}
        self.info: dict[str, Any] = {
            "id": 1,
            "name": "FakeKit",
            "plan_type": "creator",
            "primary_email_address": "creator@example.com",
            "created_at": datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
            "timezone": {
                "name": "America/New_York",
                "friendly_name": "Eastern Time (US & Canada)",
                "utc_offset": "-05:00",
            },
            "sending_addresses": [
                {
                    "email_address": "creator@example.com",
                    "from_name": "FakeKit",
                    "status": "verified",
                    "is_default": True,
                    "is_verified": True,
                    "is_dmarc_configured": True,
                }
            ],
            "plan": {
                "plan_type": "creator",
                "interval": "month",
                "subscriber_limit": None,
                "on_trial": False,
                "trial_lapse_date": None,
                "renews_at": None,
                "cancels_at": None,
            },
        }
        self.user: dict[str, Any] = {"id": 1, "email": "creator@example.com"}
        self.colors: list[str] = ["#008000", "#FF0000"]
        #: The product that unlocks paid posts (the same for every post), if any.
        self.post_product_id: int | None = None
        self.creator_profile: dict[str, Any] | None = {
            "name": "FakeKit",
            "byline": "A creator",
            "bio": "Testing with FakeKit",
            "image_url": "https://example.com/creator.jpg",
            "profile_url": "https://fakekit.example.com/profile",
        }
        self.subscribers: dict[int, SubscriberRecord] = {}
        self.tags: dict[int, TagRecord] = {}
        self.custom_fields: dict[int, CustomFieldRecord] = {}
        self.forms: dict[int, FormRecord] = {}
        self.sequences: dict[int, SequenceRecord] = {}
        self.sequence_emails: dict[int, SequenceEmailRecord] = {}
        self.broadcasts: dict[int, BroadcastRecord] = {}
        self.purchases: dict[int, PurchaseRecord] = {}
        self.posts: dict[int, PostRecord] = {}
        self.snippets: dict[int, SnippetRecord] = {}
        self.webhook_endpoints: dict[int, WebhookEndpointRecord] = {}
        self.legacy_webhooks: dict[int, LegacyWebhookRecord] = {}
        self.segments: dict[int, SegmentRecord] = {}
        self.email_templates: dict[int, EmailTemplateRecord] = {}
        #: tag id -> subscriber id -> when it was tagged
        self.taggings: dict[int, dict[int, datetime]] = {}
        #: form id -> subscriber id -> the subscription
        self.form_subscriptions: dict[int, dict[int, FormSubscriptionRecord]] = {}
        #: sequence id -> subscriber id -> when it was added
        self.sequence_subscriptions: dict[int, dict[int, datetime]] = {}
        for template_id, name, default, category in (
            (1, "Card", False, "HTML"),
            (2, "Classic", False, "HTML"),
            (4, "Modern", False, "HTML"),
            (6, "Text Only", True, "HTML"),
            (8, "Story", False, "Starting point"),
        ):
            self.email_templates[template_id] = EmailTemplateRecord(
                id=template_id, name=name, is_default=default, category=category
            )
        self._ids["email_templates"] = itertools.count(9)
        self.broadcasts.update((record.id, record) for record in self.generator.records())
        self._ids["broadcasts"] = itertools.count(broadcasts + 1)

    def next_id(self, collection: str) -> int:
        """A new id for `collection` (each collection counts from 1)."""
        return next(self._ids.setdefault(collection, itertools.count(1)))

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        broadcast = self.broadcasts.get(broadcast_id)
        return broadcast is not None and broadcast.sent

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        return self._broadcast(broadcast_id).status

    def _broadcast(self, broadcast_id: int) -> BroadcastRecord:
        try:
            return self.broadcasts[broadcast_id]
        except KeyError:
            msg = f"this FakeKit has no broadcast {broadcast_id}"
            raise KeyError(msg) from None

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has (none without click tracking)."""
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or not broadcast.sent or broadcast.click_tracking_disabled:
            return 0
        if not broadcast.generated:
            return len(broadcast.clicks)
        return self.generator.click_count(broadcast_id)

    def click(self, broadcast_id: int, index: int) -> dict[str, Any]:
        """The click at `index` of a broadcast, as Kit sends it."""
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is not None and not broadcast.generated:
            return broadcast.clicks[index]
        return generated_click(broadcast_id, index)

    def clicks_of(self, broadcast_id: int) -> list[dict[str, Any]]:
        """Every click of a broadcast, in the order pages serve them."""
        return [self.click(broadcast_id, i) for i in range(self.click_count(broadcast_id))]

    def stats(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast's stats object.

        What `BroadcastRecord.stats` holds wins; the rest is computed: recipients
        (generated ones: 10,000 + 37 x id), half of them opened, `total_clicks`
        the sum of the clicks' unique clicks, and the rates from those.
        """
        broadcast = self._broadcast(broadcast_id)
        given = broadcast.stats or {}
        sent = broadcast.sent
        default = generated_recipients(broadcast_id) if sent and broadcast.generated else 0
        recipients: int = given.get("recipients", default)
        opened: int = given.get("emails_opened", recipients // 2)
        total = self._total_clicks(broadcast)
        computed = {
            "recipients": recipients,
            "open_rate": rate(opened, recipients),
            "emails_opened": opened,
            "click_rate": rate(total, recipients),
            "unsubscribe_rate": 0.001 if recipients else 0.0,
            "unsubscribes": recipients // 1000,
            "total_clicks": total,
            "show_total_clicks": sent,
            "status": broadcast.status,
            "progress": 100.0 if sent else 0.0,
            "open_tracking_disabled": broadcast.open_tracking_disabled,
            "click_tracking_disabled": broadcast.click_tracking_disabled,
        }
        return {**computed, **given, "status": broadcast.status}

    def _total_clicks(self, broadcast: BroadcastRecord) -> int:
        if not broadcast.sent or broadcast.click_tracking_disabled:
            return 0
        if not broadcast.generated:
            return sum(click["unique_clicks"] for click in broadcast.clicks)
        return self.generator.total_clicks(broadcast.id)

    def within_retention(self, broadcast: BroadcastRecord) -> bool:
        """Whether Kit still serves the broadcast's stats (sent in the last 5 years).

        `BroadcastRecord.retained` decides where it is set: the generated broadcasts
        are always retained, so that their fixed dates do not make tests fail
        as the years pass (until `age_out`).
        """
        if broadcast.retained is not None:
            return broadcast.retained
        sent = broadcast.send_at or broadcast.published_at or broadcast.created_at
        return sent >= self.clock() - RETENTION

    # -- changing the broadcasts (what a sync sees change between two runs) -----------
    def materialize(self, broadcast_id: int) -> BroadcastRecord:
        """Hold a generated broadcast's clicks and stats as data, serving the same figures.

        A generated broadcast computes its clicks and stats; once materialized,
        they are in `BroadcastRecord.clicks` and `BroadcastRecord.stats` (its recipients and
        opens; the rest follows from them), so that a change shows while every
        other figure stays identical. `add_clicks` and `add_opens` do it first.
        Any other broadcast is returned unchanged.

        Raises:
            KeyError: There is no such broadcast.
        """
        broadcast = self._broadcast(broadcast_id)
        if broadcast.generated:
            served = self.stats(broadcast_id)
            broadcast.clicks = self.clicks_of(broadcast_id)
            broadcast.stats = {
                **(broadcast.stats or {}),
                "recipients": served["recipients"],
                "emails_opened": served["emails_opened"],
            }
            broadcast.generated = False
            self.generator.forget(broadcast_id)
        return broadcast

    def add_clicks(
        self, broadcast_id: int, url: str, count: int = 1, *, opens: int = 0
    ) -> dict[str, Any]:
        """Record `count` more unique clicks of `url` on a sent broadcast.

        A URL the broadcast has no click for yet adds one (last). Every figure
        Kit serves follows: the click's `click_to_delivery_rate` (unique clicks
        / recipients) and `click_to_open_rate` (unique clicks / emails opened),
        rounded to 4 places like Kit's, and the stats' `total_clicks` and
        `click_rate`. `opens` first records that many more opens (`add_opens`).

        ```python
        account.add_clicks(3, "https://example.com/new", 5, opens=5)
        ```

        Args:
            broadcast_id: A sent broadcast (a generated one is materialized).
            url: The link clicked.
            count: How many more subscribers clicked it (at least 1).
            opens: How many more subscribers opened the broadcast.

        Returns:
            The click, as Kit now serves it (a copy).

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It is not sent, its click tracking is disabled, `count`
                is below 1, or its unique clicks would outnumber its recipients.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if self._broadcast(broadcast_id).click_tracking_disabled:
            raise ValueError(f"broadcast {broadcast_id} has click tracking disabled: no clicks")
        broadcast = self._changeable(broadcast_id)
        recipients = self.stats(broadcast_id)["recipients"]
        click = next((c for c in broadcast.clicks if c["url"] == url), None)
        unique = count + (0 if click is None else click["unique_clicks"])
        if unique > recipients:
            raise ValueError(
                f"broadcast {broadcast_id} has {recipients} recipients, fewer than {unique}"
                f" unique clicks of {url}: give it recipients with stats={{'recipients': ...}}"
            )
        if opens:
            self.add_opens(broadcast_id, opens)
        assert broadcast.stats is not None  # _changeable holds them
        opened = broadcast.stats["emails_opened"]
        if click is None:
            click = {"url": url}
            broadcast.clicks.append(click)
        click.update(
            unique_clicks=unique,
            click_to_delivery_rate=rate(unique, recipients),
            click_to_open_rate=rate(unique, opened),
        )
        return dict(click)

    def add_opens(self, broadcast_id: int, count: int = 1) -> dict[str, Any]:
        """Record `count` more opens of a sent broadcast (`emails_opened`).

        Its `open_rate` and every click's `click_to_open_rate` follow.

        Args:
            broadcast_id: A sent broadcast (a generated one is materialized).
            count: How many more subscribers opened it (at least 1).

        Returns:
            Its stats, as Kit now serves them.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It is not sent, `count` is below 1, or its opens would
                outnumber its recipients.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        broadcast = self._changeable(broadcast_id)
        assert broadcast.stats is not None  # _changeable holds them
        recipients = broadcast.stats["recipients"]
        opened = broadcast.stats["emails_opened"] + count
        if opened > recipients:
            raise ValueError(
                f"broadcast {broadcast_id} has {recipients} recipients, fewer than {opened} opens"
            )
        broadcast.stats["emails_opened"] = opened
        for click in broadcast.clicks:
            click["click_to_open_rate"] = rate(click["unique_clicks"], opened)
        return self.stats(broadcast_id)

    def _changeable(self, broadcast_id: int) -> BroadcastRecord:
        """A sent broadcast whose clicks and stats are its own data, ready to change."""
        broadcast = self._broadcast(broadcast_id)
        if not broadcast.sent:
            raise ValueError(
                f"broadcast {broadcast_id} is {broadcast.status}: only a sent one has clicks"
            )
        served = self.stats(broadcast_id)
        self.materialize(broadcast_id)
        # Copies: a list a test gave `add_broadcast` stays as it was.
        broadcast.clicks = [dict(click) for click in broadcast.clicks]
        kept = {k: v for k, v in (broadcast.stats or {}).items() if k not in _DERIVED_STATS}
        broadcast.stats = {
            **kept,
            "recipients": served["recipients"],
            "emails_opened": served["emails_opened"],
        }
        return broadcast

    def send_broadcast(
        self, broadcast_id: int, *, recipients: int, at: datetime | None = None
    ) -> BroadcastRecord:
        """Send a draft or scheduled broadcast: `completed`, with no opens or clicks yet.

        Args:
            broadcast_id: A draft or scheduled broadcast.
            recipients: How many subscribers received it.
            at: When it was sent (now by default): its `send_at` and `published_at`.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It was sent already, or `recipients` is negative.
        """
        broadcast = self._broadcast(broadcast_id)
        if broadcast.sent:
            raise ValueError(f"broadcast {broadcast_id} is {broadcast.status} already")
        if recipients < 0:
            raise ValueError(f"recipients must be 0 or more, got {recipients}")
        when = at or self.clock()
        broadcast.status = "completed"
        broadcast.send_at = broadcast.published_at = when
        broadcast.generated = False
        broadcast.clicks = []
        broadcast.stats = {"recipients": recipients, "emails_opened": 0}
        broadcast.retained = None
        self.generator.forget(broadcast_id)
        return broadcast

    def age_out(self, broadcast_id: int, *, sent_at: datetime | None = None) -> BroadcastRecord:
        """Move a broadcast past Kit's 5-year retention, as time does.

        Its dates (`send_at`, `published_at`, `created_at`) move back together,
        so that it was sent at `sent_at` (by default a day beyond the window).
        From then on `GET /v4/broadcasts/stats` leaves it out and its clicks
        and stats answer 400, while `GET /v4/broadcasts` still lists it; the
        account still knows its clicks (`clicks_of`), for comparing.

        Args:
            broadcast_id: The broadcast (a generated one too).
            sent_at: When it was sent: more than 5 years before the clock's now.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: `sent_at` is within the last 5 years.
        """
        broadcast = self._broadcast(broadcast_id)
        limit = self.clock() - RETENTION
        when = sent_at or limit - timedelta(days=1)
        if when >= limit:
            raise ValueError(
                f"sent_at must be before {limit.isoformat()} (5 years ago) to be out of"
                f" Kit's retention, got {when.isoformat()}"
            )
        shift = when - (broadcast.send_at or broadcast.published_at or broadcast.created_at)
        broadcast.created_at += shift
        if broadcast.published_at is not None:
            broadcast.published_at += shift
        if broadcast.send_at is not None:
            broadcast.send_at += shift
        broadcast.retained = None
        return broadcast

    def delete_broadcast(self, broadcast_id: int) -> BroadcastRecord:
        """Delete a broadcast whatever its status, as its creator can in Kit's app.

        (The API's `DELETE /v4/broadcasts/{id}` refuses a sent one with 422.)
        It is gone from every list, and its routes answer 404.

        Raises:
            KeyError: There is no such broadcast.
        """
        broadcast = self._broadcast(broadcast_id)
        del self.broadcasts[broadcast_id]
        self.generator.forget(broadcast_id)
        return broadcast

    # -- lookups ---------------------------------------------------------------------
    def subscriber_by_email(self, email_address: str) -> SubscriberRecord | None:
        """The subscriber with this address (case-insensitive), if any."""
        wanted = email_address.strip().lower()
        for subscriber in self.subscribers.values():
            if subscriber.email_address.lower() == wanted:
                return subscriber
        return None

    def tag_named(self, name: str) -> TagRecord | None:
        """The tag with this name (case-insensitive), if any."""
        wanted = name.strip().casefold()
        for tag in self.tags.values():
            if tag.name.casefold() == wanted:
                return tag
        return None

    def custom_field_labelled(self, label: str) -> CustomFieldRecord | None:
        """The custom field with this label (case-insensitive), if any."""
        wanted = label.strip().casefold()
        for field in self.custom_fields.values():
            if field.label.casefold() == wanted:
                return field
        return None

    def tags_of(self, subscriber_id: int) -> list[tuple[TagRecord, datetime]]:
        """A subscriber's tags, with when each was added."""
        return [
            (self.tags[tag_id], tagged[subscriber_id])
            for tag_id, tagged in self.taggings.items()
            if subscriber_id in tagged and tag_id in self.tags
        ]

    def fields_of(self, subscriber: SubscriberRecord) -> dict[str, str | None]:
        """A subscriber's custom field values by key, every field of the account listed."""
        return {
            field.key: subscriber.fields.get(field_id)
            for field_id, field in sorted(self.custom_fields.items())
        }

    def set_fields(self, subscriber: SubscriberRecord, values: Mapping[str, Any]) -> list[str]:
        """Set custom field values given by key or label; the unknown names are returned."""
        unknown = []
        for name, value in values.items():
            field = next(
                (f for f in self.custom_fields.values() if f.key == name), None
            ) or self.custom_field_labelled(str(name))
            if field is None:
                unknown.append(str(name))
            else:
                subscriber.fields[field.id] = None if value is None else str(value)
        return unknown

    # -- seeding ---------------------------------------------------------------------
    def add_subscriber(
        self,
        email_address: str,
        *,
        first_name: str | None = None,
        state: str = "active",
        fields: Mapping[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> SubscriberRecord:
        """Add a subscriber (its address must be new).

        Args:
            email_address: The address.
            first_name: The first name.
            state: `active`, `inactive`, `bounced`, `complained` or `cancelled`.
            fields: Custom field values by key or label (unknown ones are ignored).
            created_at: When it was created (now by default).
        """
        if self.subscriber_by_email(email_address) is not None:
            msg = f"a subscriber with the address {email_address!r} exists already"
            raise ValueError(msg)
        if state not in SUBSCRIBER_STATES:
            msg = f"state must be one of {', '.join(SUBSCRIBER_STATES)}, got {state!r}"
            raise ValueError(msg)
        when = created_at or self.clock()
        subscriber = SubscriberRecord(
            id=self.next_id("subscribers"),
            email_address=email_address.strip(),
            first_name=first_name,
            state=state,
            created_at=when,
            updated_at=when,
            canceled_at=when if state == "cancelled" else None,
        )
        self.subscribers[subscriber.id] = subscriber
        if fields:
            self.set_fields(subscriber, fields)
        return subscriber

    def add_tag(self, name: str, *, created_at: datetime | None = None) -> TagRecord:
        """Add a tag (its name must be new, case-insensitively)."""
        if self.tag_named(name) is not None:
            msg = f"a tag named {name!r} exists already"
            raise ValueError(msg)
        tag = TagRecord(
            id=self.next_id("tags"), name=name.strip(), created_at=created_at or self.clock()
        )
        self.tags[tag.id] = tag
        return tag

    def tag_subscriber(
        self,
        tag: TagRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        at: datetime | None = None,
    ) -> datetime:
        """Give a subscriber a tag (once); when it was tagged is returned."""
        tag_id = tag if isinstance(tag, int) else tag.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.tags, tag_id, "tag")
        self._require(self.subscribers, subscriber_id, "subscriber")
        tagged = self.taggings.setdefault(tag_id, {})
        return tagged.setdefault(subscriber_id, at or self.clock())

    def add_custom_field(
        self, label: str, *, created_at: datetime | None = None
    ) -> CustomFieldRecord:
        """Add a custom field (its label must be new); its key and name are derived."""
        label = label.strip()
        if self.custom_field_labelled(label) is not None:
            msg = f"a custom field labelled {label!r} exists already"
            raise ValueError(msg)
        field_id = self.next_id("custom_fields")
        key = field_key(label)
        field = CustomFieldRecord(
            id=field_id,
            label=label,
            key=key,
            name=f"ck_field_{field_id}_{key}",
            created_at=created_at or self.clock(),
        )
        self.custom_fields[field_id] = field
        return field

    def add_form(
        self,
        name: str,
        *,
        type: str = "embed",
        status: str = "active",
        format: str | None = None,
        created_at: datetime | None = None,
    ) -> FormRecord:
        """Add a form (`type="embed"`) or landing page (`type="hosted"`)."""
        form_id = self.next_id("forms")
        form = FormRecord(
            id=form_id,
            name=name,
            created_at=created_at or self.clock(),
            type=type,
            format=format,
            uid=f"{zlib.crc32(f'form{form_id}'.encode()):08x}"[:10],
            status=status,
        )
        self.forms[form_id] = form
        return form

    def subscribe_to_form(
        self,
        form: FormRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        referrer: str | None = None,
        at: datetime | None = None,
    ) -> FormSubscriptionRecord:
        """Add a subscriber to a form (once); the subscription is returned."""
        form_id = form if isinstance(form, int) else form.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.forms, form_id, "form")
        self._require(self.subscribers, subscriber_id, "subscriber")
        added = self.form_subscriptions.setdefault(form_id, {})
        return added.setdefault(
            subscriber_id, FormSubscriptionRecord(added_at=at or self.clock(), referrer=referrer)
        )

    def add_sequence(self, name: str, **settings: Any) -> SequenceRecord:
        """Add a sequence; `settings` are `SequenceRecord` attributes (`active=False`, ...)."""
        now = settings.pop("created_at", None) or self.clock()
        settings.setdefault("updated_at", now)
        settings.setdefault("time_zone", self.info["timezone"]["name"])
        sequence = SequenceRecord(
            id=self.next_id("sequences"), name=name, created_at=now, **settings
        )
        self.sequences[sequence.id] = sequence
        return sequence

    def add_to_sequence(
        self,
        sequence: SequenceRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        at: datetime | None = None,
    ) -> datetime:
        """Add a subscriber to a sequence (once); when it was added is returned."""
        sequence_id = sequence if isinstance(sequence, int) else sequence.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.sequences, sequence_id, "sequence")
        self._require(self.subscribers, subscriber_id, "subscriber")
        added = self.sequence_subscriptions.setdefault(sequence_id, {})
        return added.setdefault(subscriber_id, at or self.clock())

    def add_broadcast(self, **fields: Any) -> BroadcastRecord:
        """Add a broadcast; `fields` are `BroadcastRecord` attributes (`status="completed"`, ...).

        A sent one (`status` `completed`, `aborted` or `sending`) may carry
        `clicks` (a list of Kit's click objects) and `stats` (Kit's stats
        object); give it an old `published_at` to test Kit's 5-year retention.
        """
        fields.setdefault("created_at", self.clock())
        broadcast = BroadcastRecord(id=self.next_id("broadcasts"), **fields)
        self.broadcasts[broadcast.id] = broadcast
        return broadcast

    def add_segment(self, name: str, *, created_at: datetime | None = None) -> SegmentRecord:
        """Add a segment."""
        segment = SegmentRecord(
            id=self.next_id("segments"), name=name, created_at=created_at or self.clock()
        )
        self.segments[segment.id] = segment
        return segment

    def add_post(self, title: str, **fields: Any) -> PostRecord:
        """Add a post; `fields` are `PostRecord` attributes (`status="draft"`, `content=...`)."""
        fields.setdefault("created_at", self.clock())
        if fields.get("status", "published") == "published":
            fields.setdefault("published_at", fields["created_at"])
        fields.setdefault("slug", snippet_key(title))
        post_id = self.next_id("posts")
        # A post sent as a broadcast shares its publication id; others get their own.
        fields.setdefault("publication_id", 10_000 + post_id)
        post = PostRecord(id=post_id, title=title, **fields)
        self.posts[post.id] = post
        return post

    def add_email_template(
        self, name: str, *, is_default: bool = False, category: str = "HTML"
    ) -> EmailTemplateRecord:
        """Add an email template (the account starts with Kit's five)."""
        template = EmailTemplateRecord(
            id=self.next_id("email_templates"),
            name=name,
            is_default=is_default,
            category=category,
        )
        self.email_templates[template.id] = template
        return template

    def add_webhook_endpoint(
        self, url: str, events: list[str], *, name: str | None = None
    ) -> WebhookEndpointRecord:
        """Register a webhook endpoint for `events`; its `secret` is on the record."""
        endpoint = WebhookEndpointRecord(
            id=self.next_id("webhook_endpoints"),
            url=url,
            events=sorted(set(events)),
            created_at=self.clock(),
            secret=webhook_secret(),
            name=name,
        )
        self.webhook_endpoints[endpoint.id] = endpoint
        return endpoint

    @staticmethod
    def _require(collection: Mapping[int, Any], item_id: int, what: str) -> None:
        if item_id not in collection:
            msg = f"this FakeKit has no {what} {item_id}"
            raise KeyError(msg)
