"""Seeding the account: add records and links the way Kit would create them."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .._kit import SUBSCRIBER_STATES
from ._lookups import Lookups
from ._records import (
    BroadcastRecord,
    CustomFieldRecord,
    EmailTemplateRecord,
    FormRecord,
    FormSubscriptionRecord,
    PostRecord,
    SegmentRecord,
    SequenceRecord,
    SubscriberRecord,
    TagRecord,
    WebhookEndpointRecord,
    field_key,
    snippet_key,
    webhook_secret,
)

__all__ = ["Seeding"]


class Seeding(Lookups):
    """The `add_*` methods: each takes Kit's field names and returns the new record.

    A name Kit keeps unique (a subscriber's address, a tag's name, a custom
    field's label) must be new; a link (a tagging, a form or sequence
    subscription) is made once, and the first one's date is kept.
    """

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
