"""The fake Kit account's data: what FakeKit serves, kept in memory."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Account"]

_STATUSES = ("completed", "completed", "completed", "aborted")


class Account:
    """The account's broadcasts: ids 1..N generated, deterministic, with their clicks.

    Args:
        broadcasts: How many broadcasts (ids 1..N, newest last).
        clicks: Clicks per sent broadcast, or a mapping id -> count.
        drafts: How many of the last broadcasts are unsent (draft/scheduled).
    """

    def __init__(self, *, broadcasts: int, clicks: int | Mapping[int, int], drafts: int) -> None:
        self.broadcast_count = broadcasts
        self.drafts = min(drafts, broadcasts)
        self._click_counts = clicks

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        return 1 <= broadcast_id <= self.broadcast_count - self.drafts

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        if self.is_sent(broadcast_id):
            return _STATUSES[broadcast_id % len(_STATUSES)]
        return "draft" if broadcast_id % 2 else "scheduled"

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has."""
        if not self.is_sent(broadcast_id):
            return 0
        if isinstance(self._click_counts, Mapping):
            return self._click_counts.get(broadcast_id, 0)
        return self._click_counts

    @staticmethod
    def click(broadcast_id: int, index: int) -> dict[str, Any]:
        """The click at `index` of a broadcast, as Kit sends it."""
        recipients = 10_000 + 37 * broadcast_id
        opened = recipients // 2
        # A cheap, deterministic spread of figures (few ties in a top-N report).
        unique = zlib.crc32(f"{broadcast_id}:{index}".encode()) % (opened // 4)
        return {
            "url": f"https://example.com/{broadcast_id}/{index}",
            "unique_clicks": unique,
            "click_to_delivery_rate": round(unique / recipients, 4),
            "click_to_open_rate": round(unique / opened, 4),
        }

    def clicks_of(self, broadcast_id: int) -> list[dict[str, Any]]:
        """Every click of a broadcast, in the order pages serve them."""
        return [self.click(broadcast_id, i) for i in range(self.click_count(broadcast_id))]

    def broadcast(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast as Kit lists it."""
        created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=broadcast_id)
        sent = self.is_sent(broadcast_id)
        return {
            "id": broadcast_id,
            "publication_id": broadcast_id,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": f"Broadcast {broadcast_id}",
            "preview_text": None,
            "description": None,
            "content": None,
            "public": sent,
            "published_at": created.strftime("%Y-%m-%dT%H:%M:%SZ") if sent else None,
            "send_at": None,
            "thumbnail_alt": None,
            "thumbnail_url": None,
            "email_address": None,
            "email_template": {"id": 6, "name": "Text Only"},
            "subscriber_filter": [{"all": [{"type": "all_subscribers"}]}],
            "status": self.status_of(broadcast_id),
        }

    def stats(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast's stats object."""
        sent = self.is_sent(broadcast_id)
        recipients = 10_000 + 37 * broadcast_id if sent else 0
        total = sum(c["unique_clicks"] for c in self.clicks_of(broadcast_id)) if sent else 0
        return {
            "recipients": recipients,
            "open_rate": 0.5 if sent else 0.0,
            "emails_opened": recipients // 2,
            "click_rate": round(total / recipients, 4) if recipients else 0.0,
            "unsubscribe_rate": 0.001 if sent else 0.0,
            "unsubscribes": recipients // 1000,
            "total_clicks": total,
            "show_total_clicks": sent,
            "status": self.status_of(broadcast_id),
            "progress": 100.0 if sent else 0.0,
            "open_tracking_disabled": False,
            "click_tracking_disabled": False,
        }
