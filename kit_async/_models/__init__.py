"""Frozen attrs models holding Kit's own field names, one module per namespace.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from ._page import Page, Pagination
from ._write import BulkAccepted, BulkResult, Upserted
from .broadcasts import Broadcast, BroadcastClick, BroadcastStats, EmailTemplate
from .forms import Form
from .sequences import (
    EmailSequence,
    SequenceEmail,
    SequenceEmailStats,
    SequenceStats,
    SubscriberSource,
)
from .subscribers import Subscriber
from .tags import Tag

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BulkAccepted",
    "BulkResult",
    "EmailSequence",
    "EmailTemplate",
    "Form",
    "Page",
    "Pagination",
    "SequenceEmail",
    "SequenceEmailStats",
    "SequenceStats",
    "Subscriber",
    "SubscriberSource",
    "Tag",
    "Upserted",
]
