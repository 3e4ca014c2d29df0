"""Frozen attrs models holding Kit's own field names, one module per namespace.

The models only hold data; decoding lives in `kit_async._converter`.
"""

from ._page import Page, Pagination
from .broadcasts import Broadcast, BroadcastClick, BroadcastStats, EmailTemplate

__all__ = [
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "EmailTemplate",
    "Page",
    "Pagination",
]
