"""Frozen attrs models holding Kit's own field names, one module per namespace.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from ._page import Page, Pagination
from ._write import BulkAccepted, BulkResult, Upserted
from .broadcasts import Broadcast, BroadcastClick, BroadcastStats, EmailTemplate
from .subscribers import Subscriber
from .tags import Tag
from .webhook_endpoints import WebhookEndpoint
from .webhooks import LegacyWebhook, LegacyWebhookEvent

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BulkAccepted",
    "BulkResult",
    "EmailTemplate",
    "LegacyWebhook",
    "LegacyWebhookEvent",
    "Page",
    "Pagination",
    "Subscriber",
    "Tag",
    "Upserted",
    "WebhookEndpoint",
]
