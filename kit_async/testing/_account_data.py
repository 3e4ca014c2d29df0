"""The fake account's data, kept in memory: its collections of records and their links.

Each collection is a dict from id to a mutable record (`account.subscribers`,
`account.tags`, ...), and the links between them (taggings, form and sequence
subscriptions) are dicts keyed by both ids. Tests read them directly; the
routes change them as Kit would. Records hold Python values (`datetime`, not
text); the routes render Kit's JSON.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ._credentials import Credentials, Keyring
from ._generated import BroadcastGenerator
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

__all__ = ["RETENTION", "AccountData", "now_utc"]

# Kit's API serves email stats of the last 5 years only (from 2026-10-15).
RETENTION = timedelta(days=5 * 365 + 1)


def now_utc() -> datetime:
    """The current time in UTC, to the second (Kit's timestamps have no fraction)."""
    return datetime.now(UTC).replace(microsecond=0)


class AccountData:
    """What one Kit account holds: its settings, its records and the links between them.

    Args:
        broadcasts: How many broadcasts to generate (ids 1..N, newest last).
        clicks: Clicks per generated sent broadcast, or a mapping id -> count.
        drafts: How many of the last generated broadcasts are unsent
            (alternately a draft and a scheduled one).
        clock: Returns "now" (UTC) for every timestamp FakeKit sets.
        api_key: The account's API key (a random one by default).
        token_ttl: Seconds an access token issued for it stays valid (`None`: forever).
        account_id: Kit's id of the account (`GET /v4/account` shows it).
        name: The account's name (and its sender's and creator profile's).
        email: The creator's email address (`creator@example.com` for account
            1, `creator<id>@example.com` for the others, by default).
        keyring: The server's list of every account's credentials.
    """

    def __init__(
        self,
        *,
        broadcasts: int = 10,
        clicks: int | Mapping[int, int] = 1200,
        drafts: int = 2,
        clock: Callable[[], datetime] = now_utc,
        api_key: str | None = None,
        token_ttl: float | None = None,
        account_id: int = 1,
        name: str = "FakeKit",
        email: str | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self.clock = clock
        #: Its API key and the OAuth tokens issued for it.
        self.credentials = Credentials(
            api_key or f"kit_fake_{secrets.token_hex(12)}", token_ttl, keyring
        )
        if email is None:
            email = "creator@example.com" if account_id == 1 else f"creator{account_id}@example.com"
        #: The generated broadcasts' generator (their count, drafts and clicks).
        self.generator = BroadcastGenerator(broadcasts=broadcasts, clicks=clicks, drafts=drafts)
        self._ids: dict[str, Iterator[int]] = {}
        self.info: dict[str, Any] = {
            "id": account_id,
            "name": name,
            "plan_type": "creator",
            "primary_email_address": email,
            "created_at": datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
            "timezone": {
                "name": "America/New_York",
                "friendly_name": "Eastern Time (US & Canada)",
                "utc_offset": "-05:00",
            },
            "sending_addresses": [
                {
                    "email_address": email,
                    "from_name": name,
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
        self.user: dict[str, Any] = {"id": account_id, "email": email}
        self.colors: list[str] = ["#008000", "#FF0000"]
        #: The product that unlocks paid posts (the same for every post), if any.
        self.post_product_id: int | None = None
        self.creator_profile: dict[str, Any] | None = {
            "name": name,
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
        for template_id, template, default, category in (
            (1, "Card", False, "HTML"),
            (2, "Classic", False, "HTML"),
            (4, "Modern", False, "HTML"),
            (6, "Text Only", True, "HTML"),
            (8, "Story", False, "Starting point"),
        ):
            self.email_templates[template_id] = EmailTemplateRecord(
                id=template_id, name=template, is_default=default, category=category
            )
        self._ids["email_templates"] = itertools.count(9)
        self.broadcasts.update((record.id, record) for record in self.generator.records())
        self._ids["broadcasts"] = itertools.count(broadcasts + 1)

    @property
    def id(self) -> int:
        """Kit's id of the account (`info["id"]`)."""
        return int(self.info["id"])

    @property
    def name(self) -> str:
        """The account's name (`info["name"]`)."""
        return str(self.info["name"])

    def next_id(self, collection: str) -> int:
        """A new id for `collection` (each collection counts from 1)."""
        return next(self._ids.setdefault(collection, itertools.count(1)))
