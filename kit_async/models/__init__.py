"""Frozen attrs models holding Kit's own field names, one module per namespace.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from ._page import Page, Pagination
from ._write import BulkAccepted, BulkResult, Upserted
from .account import (
    Account,
    AccountPlan,
    AccountTimezone,
    AccountUser,
    CreatorProfile,
    EmailStats,
    GrowthStats,
    SendingAddress,
)
from .broadcasts import (
    Broadcast,
    BroadcastClick,
    BroadcastStats,
    BroadcastStatsFigures,
    BroadcastStatsItem,
    EmailTemplate,
)
from .custom_fields import CustomField, CustomFieldValue
from .forms import Form
from .posts import Post
from .purchases import Purchase, PurchaseProduct
from .segments import Segment
from .sequences import (
    EmailSequence,
    SequenceEmail,
    SequenceEmailStats,
    SequenceStats,
    SubscriberSource,
)
from .snippets import Snippet, SnippetDocument
from .subscribers import FilteredSubscriber, PinnedLocation, Subscriber, SubscriberStats
from .tags import Tag
from .webhook_endpoints import WebhookEndpoint
from .webhooks import LegacyWebhook, LegacyWebhookEvent

__all__ = [
    "Account",
    "AccountPlan",
    "AccountTimezone",
    "AccountUser",
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BroadcastStatsFigures",
    "BroadcastStatsItem",
    "BulkAccepted",
    "BulkResult",
    "CreatorProfile",
    "CustomField",
    "CustomFieldValue",
    "EmailSequence",
    "EmailStats",
    "EmailTemplate",
    "FilteredSubscriber",
    "Form",
    "GrowthStats",
    "LegacyWebhook",
    "LegacyWebhookEvent",
    "Page",
    "Pagination",
    "PinnedLocation",
    "Post",
    "Purchase",
    "PurchaseProduct",
    "Segment",
    "SendingAddress",
    "SequenceEmail",
    "SequenceEmailStats",
    "SequenceStats",
    "Snippet",
    "SnippetDocument",
    "Subscriber",
    "SubscriberSource",
    "SubscriberStats",
    "Tag",
    "Upserted",
    "WebhookEndpoint",
]
