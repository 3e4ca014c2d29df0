"""FakeKit's shortcuts for seeding its account: `server.add_subscriber(...)` and the rest.

Each is `server.account.add_*` under a shorter name, kept in a base class of
`FakeKit` of its own so that the server's module holds the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._records import (
    CustomFieldRecord,
    FormRecord,
    FormSubscriptionRecord,
    PostRecord,
    SegmentRecord,
    SequenceRecord,
    SubscriberRecord,
    TagRecord,
    WebhookEndpointRecord,
)

if TYPE_CHECKING:
    from ._account import FakeAccount

__all__ = ["SeedingShortcuts"]


class SeedingShortcuts:
    """`FakeKit`'s seeding methods, each a call of its account's (`server.account`)."""

    if TYPE_CHECKING:

        @property
        def account(self) -> FakeAccount:
            """The account seeded (`FakeKit.account`: the first one)."""

    def add_subscriber(
        self,
        email_address: str,
        *,
        first_name: str | None = None,
        state: str = "active",
        fields: Mapping[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> SubscriberRecord:
        """Add a subscriber to the account (see `FakeAccount.add_subscriber`).

        ```python
        server = FakeKit()
        alice = server.add_subscriber("alice@example.com", first_name="Alice")
        assert server.account.subscribers[alice.id].first_name == "Alice"
        ```
        """
        return self.account.add_subscriber(
            email_address, first_name=first_name, state=state, fields=fields, created_at=created_at
        )

    def add_tag(self, name: str, *, created_at: datetime | None = None) -> TagRecord:
        """Add a tag (its name must be new, case-insensitively)."""
        return self.account.add_tag(name, created_at=created_at)

    def tag_subscriber(
        self,
        tag: TagRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        at: datetime | None = None,
    ) -> datetime:
        """Give a subscriber a tag (once); when it was tagged is returned."""
        return self.account.tag_subscriber(tag, subscriber, at=at)

    def add_custom_field(
        self, label: str, *, created_at: datetime | None = None
    ) -> CustomFieldRecord:
        """Add a custom field (its label must be new); Kit's key and name are derived."""
        return self.account.add_custom_field(label, created_at=created_at)

    def add_form(
        self,
        name: str,
        *,
        type: str = "embed",
        status: str = "active",
        created_at: datetime | None = None,
    ) -> FormRecord:
        """Add a form (`type="embed"`) or a landing page (`type="hosted"`)."""
        return self.account.add_form(name, type=type, status=status, created_at=created_at)

    def subscribe_to_form(
        self,
        form: FormRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        referrer: str | None = None,
        at: datetime | None = None,
    ) -> FormSubscriptionRecord:
        """Add a subscriber to a form (once); the subscription is returned."""
        return self.account.subscribe_to_form(form, subscriber, referrer=referrer, at=at)

    def add_sequence(self, name: str, **settings: Any) -> SequenceRecord:
        """Add a sequence; `settings` are `SequenceRecord` attributes (`active=False`, ...)."""
        return self.account.add_sequence(name, **settings)

    def add_to_sequence(
        self,
        sequence: SequenceRecord | int,
        subscriber: SubscriberRecord | int,
        *,
        at: datetime | None = None,
    ) -> datetime:
        """Add a subscriber to a sequence (once); when it was added is returned."""
        return self.account.add_to_sequence(sequence, subscriber, at=at)

    def add_segment(self, name: str, *, created_at: datetime | None = None) -> SegmentRecord:
        """Add a segment (Kit's API only lists them)."""
        return self.account.add_segment(name, created_at=created_at)

    def add_post(self, title: str, **fields: Any) -> PostRecord:
        """Add a post (Kit's API only reads them); `fields` are `PostRecord` attributes."""
        return self.account.add_post(title, **fields)

    def add_webhook_endpoint(
        self, url: str, events: list[str], *, name: str | None = None
    ) -> WebhookEndpointRecord:
        """Register a webhook endpoint (as `POST /v4/webhook_endpoints` would).

        The signing secret is on the returned record (`endpoint.secret`).
        """
        return self.account.add_webhook_endpoint(url, events, name=name)
