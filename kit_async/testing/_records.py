"""The records of the fake account: one mutable attrs class per Kit resource.

They hold Python values (`datetime`, not text); the routes render Kit's JSON.
Beside them, the fields Kit derives for a new record: keys from names, secrets.
Each name ends in `Record`, so that none is mistaken for the client's model
of the same resource (`kit_async.Subscriber`) or a webhook payload's.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

import attrs

from .._kit import WEEKDAYS

__all__ = [
    "ROTATION_OVERLAP",
    "BroadcastRecord",
    "CustomFieldRecord",
    "EmailTemplateRecord",
    "FormRecord",
    "FormSubscriptionRecord",
    "LegacyWebhookRecord",
    "PostRecord",
    "PurchaseRecord",
    "SegmentRecord",
    "SequenceEmailRecord",
    "SequenceRecord",
    "SnippetRecord",
    "SubscriberRecord",
    "TagRecord",
    "WebhookEndpointRecord",
    "field_key",
    "snippet_key",
    "webhook_secret",
]

SENT_STATUSES = frozenset({"sending", "completed", "aborted"})

# How long a rotated webhook secret keeps verifying (Kit's example: one day).
ROTATION_OVERLAP = timedelta(days=1)


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


def _empty_stats() -> dict[str, Any]:
    return {
        "sent": 0,
        "opened": 0,
        "clicked": 0,
        "bounced": 0,
        "open_rate": 0.0,
        "click_rate": 0.0,
        "last_sent": None,
        "last_opened": None,
        "last_clicked": None,
        "sends_since_last_open": 0,
        "sends_since_last_click": 0,
    }


@attrs.define(kw_only=True, eq=False)
class SubscriberRecord:
    """A subscriber.

    Attributes:
        id: Its id.
        email_address: Its address (unique in the account, case-insensitively).
        first_name: Its first name, if any.
        state: `active`, `inactive`, `bounced`, `complained` or `cancelled`.
        created_at: When it was created.
        updated_at: When it last changed.
        canceled_at: When it unsubscribed.
        fields: Custom field values by custom field id (renaming a field keeps them).
        location: The pinned location (`city`, `state_province`,
            `country_code`, `latitude`, `longitude`, `timezone`), if any.
        stats: Its email stats, as `GET /v4/subscribers/{id}/stats` shows them.
        attribution: Where it came from, as `include=attribution` shows it.
    """

    id: int
    email_address: str
    first_name: str | None = None
    state: str = "active"
    created_at: datetime
    updated_at: datetime
    canceled_at: datetime | None = None
    fields: dict[int, str | None] = attrs.field(factory=dict)
    location: dict[str, Any] | None = None
    stats: dict[str, Any] = attrs.field(factory=_empty_stats)
    attribution: dict[str, Any] | None = None


@attrs.define(kw_only=True, eq=False)
class TagRecord:
    """A tag (names are unique, matched case-insensitively)."""

    id: int
    name: str
    created_at: datetime


@attrs.define(kw_only=True, eq=False)
class CustomFieldRecord:
    """A custom field: `label` (unique), `key` (derived from it) and `name`."""

    id: int
    label: str
    key: str
    name: str
    created_at: datetime


@attrs.define(kw_only=True, eq=False)
class FormRecord:
    """A form (`type="embed"`) or landing page (`type="hosted"`)."""

    id: int
    name: str
    created_at: datetime
    type: str = "embed"
    format: str | None = None
    uid: str = ""
    status: str = "active"  # active, archived, trashed

    @property
    def archived(self) -> bool:
        """Whether the form is archived."""
        return self.status == "archived"


@attrs.define(kw_only=True, eq=False)
class FormSubscriptionRecord:
    """A subscriber's place in a form: when, and from which page."""

    added_at: datetime
    referrer: str | None = None


@attrs.define(kw_only=True, eq=False)
class SequenceRecord:
    """A sequence and its schedule."""

    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    hold: bool = False
    repeat: bool = False
    email_address: str | None = None
    email_template_id: int | None = None
    send_days: list[str] = attrs.field(factory=lambda: list(WEEKDAYS))
    send_hour: int = 11
    time_zone: str = "America/New_York"
    active: bool = True
    exclude_subscriber_sources: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define(kw_only=True, eq=False)
class SequenceEmailRecord:
    """One email of a sequence (`send_days=None`: the sequence's schedule)."""

    id: int
    sequence_id: int
    subject: str
    delay_value: int
    delay_unit: str
    position: int
    preview_text: str | None = None
    content: str | None = None
    email_template_id: int | None = None
    published: bool = False
    send_days: list[str] | None = None


@attrs.define(kw_only=True, eq=False)
class BroadcastRecord:
    """A broadcast. The generated ones (ids 1..N) compute their clicks and stats.

    Attributes:
        generated: Its clicks and stats are computed (`generated_click`), not
            held in `clicks` and `stats`; `FakeAccount.materialize` copies them in.
        clicks: A sent broadcast's clicks, as Kit sends them.
        stats: Kit's stats object, or the part of it that overrides what is
            computed: `{"recipients": 42, "emails_opened": 20}` is enough, the
            rates and `total_clicks` follow from it and `clicks`.
        retained: Whether Kit still serves its stats and clicks: `None` goes
            by its send date (the last 5 years); the generated broadcasts are
            `True`, so that their fixed dates never age them out
            (`FakeAccount.age_out` makes one `None` again, with old dates).
        open_tracking_disabled: Kit's flag, shown in its stats.
        click_tracking_disabled: Kit's flag: such a broadcast has no clicks.
    """

    id: int
    created_at: datetime
    status: str = "draft"
    subject: str | None = None
    preview_text: str | None = None
    description: str | None = None
    content: str | None = None
    public: bool = False
    published_at: datetime | None = None
    send_at: datetime | None = None
    thumbnail_alt: str | None = None
    thumbnail_url: str | None = None
    email_address: str | None = None
    email_template_id: int | None = 6
    subscriber_filter: list[dict[str, Any]] = attrs.field(
        factory=lambda: [{"all": [{"type": "all_subscribers"}]}]
    )
    generated: bool = False
    clicks: list[dict[str, Any]] = attrs.field(factory=list)
    stats: dict[str, Any] | None = None
    retained: bool | None = None
    open_tracking_disabled: bool = False
    click_tracking_disabled: bool = False

    @property
    def sent(self) -> bool:
        """Whether it was sent (or is sending): only those have clicks."""
        return self.status in SENT_STATUSES


@attrs.define(kw_only=True, eq=False)
class PurchaseRecord:
    """A purchase, upserted on `transaction_id`."""

    id: int
    transaction_id: str
    email_address: str
    subscriber_id: int
    status: str
    currency: str
    transaction_time: datetime
    subtotal: float
    discount: float
    tax: float
    shipping: float
    total: float
    products: list[dict[str, Any]]
    source: str = "API"


@attrs.define(kw_only=True, eq=False)
class PostRecord:
    """A post of the creator's site (read-only through the API)."""

    id: int
    title: str
    created_at: datetime
    publication_id: int | None = None
    slug: str | None = None
    description: str | None = None
    meta_description: str | None = None
    status: str = "published"  # draft, scheduled, published
    published_at: datetime | None = None
    sent_at: datetime | None = None
    thumbnail_alt: str | None = None
    thumbnail_url: str | None = None
    is_paid: bool = False
    content: str = ""


@attrs.define(kw_only=True, eq=False)
class SnippetRecord:
    """A snippet: `inline` (text `content`) or `block` (HTML in `value_html`)."""

    id: int
    name: str
    snippet_type: str
    key: str
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    content: str | None = None
    value_html: str | None = None
    document_id: int = 0
    version: int = 1


@attrs.define(kw_only=True, eq=False)
class WebhookEndpointRecord:
    """A webhook endpoint, with its signing secrets (never shown after create/rotate)."""

    id: int
    url: str
    events: list[str]
    created_at: datetime
    secret: str
    name: str | None = None
    description: str | None = None
    status: str = "active"
    source: str = "creator"
    created_by_app: dict[str, Any] | None = None
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None

    def secrets_at(self, moment: datetime) -> list[str]:
        """The secrets a delivery is signed with at `moment` (two during an overlap)."""
        expires = self.previous_secret_expires_at
        if self.previous_secret is not None and expires is not None and moment < expires:
            return [self.secret, self.previous_secret]
        return [self.secret]


@attrs.define(kw_only=True, eq=False)
class LegacyWebhookRecord:
    """A legacy webhook (`/v4/webhooks`): one event to one `target_url`."""

    id: int
    target_url: str
    event: dict[str, Any]


@attrs.define(kw_only=True, eq=False)
class SegmentRecord:
    """A segment (read-only through the API)."""

    id: int
    name: str
    created_at: datetime


@attrs.define(kw_only=True, eq=False)
class EmailTemplateRecord:
    """An email template (read-only through the API)."""

    id: int
    name: str
    is_default: bool = False
    category: str = "HTML"
