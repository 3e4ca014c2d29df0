"""Frozen attrs models holding Kit's own field names, one module per namespace.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from ._page import Page, Pagination
from ._write import BulkAccepted, BulkResult, Upserted
from .broadcasts import Broadcast, BroadcastClick, BroadcastStats, EmailTemplate
from .custom_fields import CustomField, CustomFieldValue
from .subscribers import FilteredSubscriber, PinnedLocation, Subscriber, SubscriberStats
from .tags import Tag

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BulkAccepted",
    "BulkResult",
    "CustomField",
    "CustomFieldValue",
    "EmailTemplate",
    "FilteredSubscriber",
    "Page",
    "Pagination",
    "PinnedLocation",
    "Subscriber",
    "SubscriberStats",
    "Tag",
    "Upserted",
]
