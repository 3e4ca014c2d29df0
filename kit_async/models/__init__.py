"""What the client returns: frozen attrs classes holding Kit's own field names.

Every method of a `KitClient` that reads Kit returns these models (or a
`Page` or `AsyncPaginator` of them). They hold data only, with the field
names Kit uses (`unique_clicks`, `end_cursor`, `email_address`), so Kit's own
API documentation describes them too. They are frozen (a field cannot be
reassigned) and hashable; the free-form JSON Kit sends (a subscriber's
`fields`, a broadcast's `subscriber_filter`) is held as a read-only
`FrozenDict` or `FrozenList`. Decoding Kit's answers into them is the
converter's job, not theirs; `kit_async.to_jsonable` turns them back into
JSON.

This module is their home, for your annotations:

```python
from kit_async.models import Subscriber


def greeting(subscriber: Subscriber) -> str:
    return f"Hello {subscriber.first_name or subscriber.email_address}"
```

Each is also importable from `kit_async` itself (`kit_async.Subscriber`):
the same class, under the name code written before this module existed uses.
The classes a webhook delivery carries are not these: see
`kit_async.webhooks` (`WebhookSubscriber`, ...).
"""

from ._frozen import FrozenDict, FrozenList
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
from .webhook_endpoints import WebhookDeliveryRecord, WebhookEndpoint
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
    "FrozenDict",
    "FrozenList",
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
    "WebhookDeliveryRecord",
    "WebhookEndpoint",
]
