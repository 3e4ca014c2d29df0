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

from ._records import (
    Broadcast,
    CustomField,
    EmailTemplate,
    Form,
    FormSubscription,
    LegacyWebhook,
    Post,
    Purchase,
    Segment,
    Sequence,
    SequenceEmail,
    Snippet,
    Subscriber,
    Tag,
    WebhookEndpoint,
)

__all__ = ["Account"]

SUBSCRIBER_STATES = ("active", "inactive", "bounced", "complained", "cancelled")
# How long a rotated webhook secret keeps verifying (Kit's example: one day).
ROTATION_OVERLAP = timedelta(days=1)
# Kit's API serves email stats of the last 5 years only (from 2026-10-15).
RETENTION = timedelta(days=5 * 365 + 1)

_STATUSES = ("completed", "completed", "completed", "aborted")
_GENERATED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


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
        self.broadcast_count = broadcasts
        self.drafts = min(drafts, broadcasts)
        self._click_counts = clicks
        self._ids: dict[str, Iterator[int]] = {}
        self._totals: dict[int, int] = {}
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
        self.subscribers: dict[int, Subscriber] = {}
        self.tags: dict[int, Tag] = {}
        self.custom_fields: dict[int, CustomField] = {}
        self.forms: dict[int, Form] = {}
        self.sequences: dict[int, Sequence] = {}
        self.sequence_emails: dict[int, SequenceEmail] = {}
        self.broadcasts: dict[int, Broadcast] = {}
        self.purchases: dict[int, Purchase] = {}
        self.posts: dict[int, Post] = {}
        self.snippets: dict[int, Snippet] = {}
        self.webhook_endpoints: dict[int, WebhookEndpoint] = {}
        self.legacy_webhooks: dict[int, LegacyWebhook] = {}
        self.segments: dict[int, Segment] = {}
        self.email_templates: dict[int, EmailTemplate] = {}
        #: tag id -> subscriber id -> when it was tagged
        self.taggings: dict[int, dict[int, datetime]] = {}
        #: form id -> subscriber id -> the subscription
        self.form_subscriptions: dict[int, dict[int, FormSubscription]] = {}
        #: sequence id -> subscriber id -> when it was added
        self.sequence_subscriptions: dict[int, dict[int, datetime]] = {}
        for template_id, name, default, category in (
            (1, "Card", False, "HTML"),
            (2, "Classic", False, "HTML"),
            (4, "Modern", False, "HTML"),
            (6, "Text Only", True, "HTML"),
            (8, "Story", False, "Starting point"),
        ):
            self.email_templates[template_id] = EmailTemplate(
                id=template_id, name=name, is_default=default, category=category
            )
        self._ids["email_templates"] = itertools.count(9)
        for broadcast_id in range(1, broadcasts + 1):
            self.broadcasts[broadcast_id] = self._generated_broadcast(broadcast_id)
        self._ids["broadcasts"] = itertools.count(broadcasts + 1)

    def next_id(self, collection: str) -> int:
        """A new id for `collection` (each collection counts from 1)."""
        return next(self._ids.setdefault(collection, itertools.count(1)))

    # -- the generated broadcasts ----------------------------------------------------
    def _generated_broadcast(self, broadcast_id: int) -> Broadcast:
        created = _GENERATED_EPOCH + timedelta(days=broadcast_id)
        sent = broadcast_id <= self.broadcast_count - self.drafts
        if sent:
            status = _STATUSES[broadcast_id % len(_STATUSES)]
        else:
            status = "draft" if broadcast_id % 2 else "scheduled"
        return Broadcast(
            id=broadcast_id,
            created_at=created,
            status=status,
            subject=f"Broadcast {broadcast_id}",
            public=sent,
            published_at=created if sent else None,
            generated=True,
        )

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        broadcast = self.broadcasts.get(broadcast_id)
        return broadcast is not None and broadcast.sent

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        return self._broadcast(broadcast_id).status

    def _broadcast(self, broadcast_id: int) -> Broadcast:
        try:
            return self.broadcasts[broadcast_id]
        except KeyError:
            msg = f"this FakeKit has no broadcast {broadcast_id}"
            raise KeyError(msg) from None

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has."""
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or not broadcast.sent:
            return 0
        if not broadcast.generated:
            return len(broadcast.clicks)
        if isinstance(self._click_counts, Mapping):
            return self._click_counts.get(broadcast_id, 0)
        return self._click_counts

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
        """A broadcast's stats object."""
        broadcast = self._broadcast(broadcast_id)
        if broadcast.stats is not None:
            return {**broadcast.stats, "status": broadcast.status}
        sent = broadcast.sent
        recipients = 10_000 + 37 * broadcast_id if sent and broadcast.generated else 0
        total = self._total_clicks(broadcast) if sent else 0
        return {
            "recipients": recipients,
            "open_rate": 0.5 if recipients else 0.0,
            "emails_opened": recipients // 2,
            "click_rate": round(total / recipients, 4) if recipients else 0.0,
            "unsubscribe_rate": 0.001 if recipients else 0.0,
            "unsubscribes": recipients // 1000,
            "total_clicks": total,
            "show_total_clicks": sent,
            "status": broadcast.status,
            "progress": 100.0 if sent else 0.0,
            "open_tracking_disabled": False,
            "click_tracking_disabled": False,
        }

    def _total_clicks(self, broadcast: Broadcast) -> int:
        if not broadcast.generated:
            return sum(click["unique_clicks"] for click in broadcast.clicks)
        # A generated broadcast's clicks never change: add them up once.
        total = self._totals.get(broadcast.id)
        if total is None:
            total = self._totals[broadcast.id] = sum(
                c["unique_clicks"] for c in self.clicks_of(broadcast.id)
            )
        return total

    def within_retention(self, broadcast: Broadcast) -> bool:
        """Whether Kit still serves the broadcast's stats (sent in the last 5 years).

        The generated broadcasts always are: their fixed dates must not make
        tests fail as the years pass.
        """
        if broadcast.generated:
            return True
        sent = broadcast.send_at or broadcast.published_at or broadcast.created_at
        return sent >= self.clock() - RETENTION

    # -- lookups ---------------------------------------------------------------------
    def subscriber_by_email(self, email_address: str) -> Subscriber | None:
        """The subscriber with this address (case-insensitive), if any."""
        wanted = email_address.strip().lower()
        for subscriber in self.subscribers.values():
            if subscriber.email_address.lower() == wanted:
                return subscriber
        return None

    def tag_named(self, name: str) -> Tag | None:
        """The tag with this name (case-insensitive), if any."""
        wanted = name.strip().casefold()
        for tag in self.tags.values():
            if tag.name.casefold() == wanted:
                return tag
        return None

    def custom_field_labelled(self, label: str) -> CustomField | None:
        """The custom field with this label (case-insensitive), if any."""
        wanted = label.strip().casefold()
        for field in self.custom_fields.values():
            if field.label.casefold() == wanted:
                return field
        return None

    def tags_of(self, subscriber_id: int) -> list[tuple[Tag, datetime]]:
        """A subscriber's tags, with when each was added."""
        return [
            (self.tags[tag_id], tagged[subscriber_id])
            for tag_id, tagged in self.taggings.items()
            if subscriber_id in tagged and tag_id in self.tags
        ]

    def fields_of(self, subscriber: Subscriber) -> dict[str, str | None]:
        """A subscriber's custom field values by key, every field of the account listed."""
        return {
            field.key: subscriber.fields.get(field_id)
            for field_id, field in sorted(self.custom_fields.items())
        }

    def set_fields(self, subscriber: Subscriber, values: Mapping[str, Any]) -> list[str]:
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
    ) -> Subscriber:
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
        subscriber = Subscriber(
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

    def add_tag(self, name: str, *, created_at: datetime | None = None) -> Tag:
        """Add a tag (its name must be new, case-insensitively)."""
        if self.tag_named(name) is not None:
            msg = f"a tag named {name!r} exists already"
            raise ValueError(msg)
        tag = Tag(id=self.next_id("tags"), name=name.strip(), created_at=created_at or self.clock())
        self.tags[tag.id] = tag
        return tag

    def tag_subscriber(
        self, tag: Tag | int, subscriber: Subscriber | int, *, at: datetime | None = None
    ) -> datetime:
        """Give a subscriber a tag (once); when it was tagged is returned."""
        tag_id = tag if isinstance(tag, int) else tag.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.tags, tag_id, "tag")
        self._require(self.subscribers, subscriber_id, "subscriber")
        tagged = self.taggings.setdefault(tag_id, {})
        return tagged.setdefault(subscriber_id, at or self.clock())

    def add_custom_field(self, label: str, *, created_at: datetime | None = None) -> CustomField:
        """Add a custom field (its label must be new); its key and name are derived."""
        label = label.strip()
        if self.custom_field_labelled(label) is not None:
            msg = f"a custom field labelled {label!r} exists already"
            raise ValueError(msg)
        field_id = self.next_id("custom_fields")
        key = field_key(label)
        field = CustomField(
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
    ) -> Form:
        """Add a form (`type="embed"`) or landing page (`type="hosted"`)."""
        form_id = self.next_id("forms")
        form = Form(
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
        form: Form | int,
        subscriber: Subscriber | int,
        *,
        referrer: str | None = None,
        at: datetime | None = None,
    ) -> FormSubscription:
        """Add a subscriber to a form (once); the subscription is returned."""
        form_id = form if isinstance(form, int) else form.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.forms, form_id, "form")
        self._require(self.subscribers, subscriber_id, "subscriber")
        added = self.form_subscriptions.setdefault(form_id, {})
        return added.setdefault(
            subscriber_id, FormSubscription(added_at=at or self.clock(), referrer=referrer)
        )

    def add_sequence(self, name: str, **settings: Any) -> Sequence:
        """Add a sequence; `settings` are `Sequence` attributes (`active=False`, ...)."""
        now = settings.pop("created_at", None) or self.clock()
        settings.setdefault("updated_at", now)
        settings.setdefault("time_zone", self.info["timezone"]["name"])
        sequence = Sequence(id=self.next_id("sequences"), name=name, created_at=now, **settings)
        self.sequences[sequence.id] = sequence
        return sequence

    def add_to_sequence(
        self, sequence: Sequence | int, subscriber: Subscriber | int, *, at: datetime | None = None
    ) -> datetime:
        """Add a subscriber to a sequence (once); when it was added is returned."""
        sequence_id = sequence if isinstance(sequence, int) else sequence.id
        subscriber_id = subscriber if isinstance(subscriber, int) else subscriber.id
        self._require(self.sequences, sequence_id, "sequence")
        self._require(self.subscribers, subscriber_id, "subscriber")
        added = self.sequence_subscriptions.setdefault(sequence_id, {})
        return added.setdefault(subscriber_id, at or self.clock())

    def add_broadcast(self, **fields: Any) -> Broadcast:
        """Add a broadcast; `fields` are `Broadcast` attributes (`status="completed"`, ...).

        A sent one (`status` `completed`, `aborted` or `sending`) may carry
        `clicks` (a list of Kit's click objects) and `stats` (Kit's stats
        object); give it an old `published_at` to test Kit's 5-year retention.
        """
        fields.setdefault("created_at", self.clock())
        broadcast = Broadcast(id=self.next_id("broadcasts"), **fields)
        self.broadcasts[broadcast.id] = broadcast
        return broadcast

    def add_segment(self, name: str, *, created_at: datetime | None = None) -> Segment:
        """Add a segment."""
        segment = Segment(
            id=self.next_id("segments"), name=name, created_at=created_at or self.clock()
        )
        self.segments[segment.id] = segment
        return segment

    def add_post(self, title: str, **fields: Any) -> Post:
        """Add a post; `fields` are `Post` attributes (`status="draft"`, `content=...`)."""
        fields.setdefault("created_at", self.clock())
        if fields.get("status", "published") == "published":
            fields.setdefault("published_at", fields["created_at"])
        fields.setdefault("slug", snippet_key(title))
        post_id = self.next_id("posts")
        # A post sent as a broadcast shares its publication id; others get their own.
        fields.setdefault("publication_id", 10_000 + post_id)
        post = Post(id=post_id, title=title, **fields)
        self.posts[post.id] = post
        return post

    def add_email_template(
        self, name: str, *, is_default: bool = False, category: str = "HTML"
    ) -> EmailTemplate:
        """Add an email template (the account starts with Kit's five)."""
        template = EmailTemplate(
            id=self.next_id("email_templates"),
            name=name,
            is_default=is_default,
            category=category,
        )
        self.email_templates[template.id] = template
        return template

    def add_webhook_endpoint(
        self, url: str, events: list[str], *, name: str | None = None
    ) -> WebhookEndpoint:
        """Register a webhook endpoint for `events`; its `secret` is on the record."""
        endpoint = WebhookEndpoint(
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


def generated_click(broadcast_id: int, index: int) -> dict[str, Any]:
    """The click at `index` of a generated broadcast, as Kit sends it."""
    recipients = 10_000 + 37 * broadcast_id
    opened = recipients // 2
    # A cheap, deterministic spread of figures (few ties in a top-N report).
    unique = zlib.crc32(f"{broadcast_id}:{index}".encode()) % (opened // 4)
    return {
        "url": f"https://example.com/{broadcast_id}/{index}",
        "unique_clicks": unique,
        "click_to_delivery_rate": round(unique / recipients, 4),
        "click_to_open_rate": round(unique / opened, 4),
    }
