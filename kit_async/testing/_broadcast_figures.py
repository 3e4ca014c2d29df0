"""What the account serves of its broadcasts: status, clicks, stats, and Kit's retention.

A generated broadcast's figures are computed (`BroadcastGenerator`); any other
broadcast's are held in its record. Either way the rates and totals Kit
derives (`open_rate`, `click_rate`, `total_clicks`) follow from the rest.
"""

from __future__ import annotations

from typing import Any

from ._account_data import RETENTION, AccountData
from ._generated import generated_click, generated_recipients, rate
from ._records import (
    BroadcastRecord,
)

__all__ = ["BroadcastFigures"]


class BroadcastFigures(AccountData):
    """The account's broadcasts as Kit serves them: a broadcast's clicks and stats."""

    @property
    def broadcast_count(self) -> int:
        """How many broadcasts were generated (ids 1..N)."""
        return self.generator.count

    @property
    def drafts(self) -> int:
        """How many of the generated broadcasts are unsent (the last ones)."""
        return self.generator.drafts

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        broadcast = self.broadcasts.get(broadcast_id)
        return broadcast is not None and broadcast.sent

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        return self._broadcast(broadcast_id).status

    def _broadcast(self, broadcast_id: int) -> BroadcastRecord:
        try:
            return self.broadcasts[broadcast_id]
        except KeyError:
            msg = f"this FakeKit has no broadcast {broadcast_id}"
            raise KeyError(msg) from None

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has (none without click tracking)."""
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or not broadcast.sent or broadcast.click_tracking_disabled:
            return 0
        if not broadcast.generated:
            return len(broadcast.clicks)
        return self.generator.click_count(broadcast_id)

    def click(self, broadcast_id: int, index: int) -> dict[str, Any]:
        """The click at `index` of a broadcast, as Kit sends it."""
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is not None and not broadcast.generated:
            return broadcast.clicks[index]
        return generated_click(broadcast_id, index)

    def clicks_of(self, broadcast_id: int) -> list[dict[str, Any]]:
        """Every click of a broadcast, in the order pages serve them."""
        return [self.click(broadcast_id, i) for i in range(self.click_count(broadcast_id))]

    def stats(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast's stats object.

        What `BroadcastRecord.stats` holds wins; the rest is computed: recipients
        (generated ones: 10,000 + 37 x id), half of them opened, `total_clicks`
        the sum of the clicks' unique clicks, and the rates from those.
        """
        broadcast = self._broadcast(broadcast_id)
        given = broadcast.stats or {}
        sent = broadcast.sent
        default = generated_recipients(broadcast_id) if sent and broadcast.generated else 0
        recipients: int = given.get("recipients", default)
        opened: int = given.get("emails_opened", recipients // 2)
        total = self._total_clicks(broadcast)
        computed = {
            "recipients": recipients,
            "open_rate": rate(opened, recipients),
            "emails_opened": opened,
            "click_rate": rate(total, recipients),
            "unsubscribe_rate": 0.001 if recipients else 0.0,
            "unsubscribes": recipients // 1000,
            "total_clicks": total,
            "show_total_clicks": sent,
            "status": broadcast.status,
            "progress": 100.0 if sent else 0.0,
            "open_tracking_disabled": broadcast.open_tracking_disabled,
            "click_tracking_disabled": broadcast.click_tracking_disabled,
        }
        return {**computed, **given, "status": broadcast.status}

    def _total_clicks(self, broadcast: BroadcastRecord) -> int:
        if not broadcast.sent or broadcast.click_tracking_disabled:
            return 0
        if not broadcast.generated:
            return sum(click["unique_clicks"] for click in broadcast.clicks)
        return self.generator.total_clicks(broadcast.id)

    def within_retention(self, broadcast: BroadcastRecord) -> bool:
        """Whether Kit still serves the broadcast's stats (sent in the last 5 years).

        `BroadcastRecord.retained` decides where it is set: the generated broadcasts
        are always retained, so that their fixed dates do not make tests fail
        as the years pass (until `age_out`).
        """
        if broadcast.retained is not None:
            return broadcast.retained
        sent = broadcast.send_at or broadcast.published_at or broadcast.created_at
        return sent >= self.clock() - RETENTION
