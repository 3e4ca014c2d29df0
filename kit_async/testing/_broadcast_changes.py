"""The changes a sync sees between two runs: new clicks and opens, a send, age, a deletion."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ._account_data import RETENTION
from ._broadcast_figures import BroadcastFigures
from ._generated import rate
from ._records import (
    BroadcastRecord,
)

__all__ = ["BroadcastChanges"]

# The stats figures that follow from the others: recomputed once a broadcast changes.
_DERIVED_STATS = ("open_rate", "click_rate", "total_clicks")


class BroadcastChanges(BroadcastFigures):
    """Change a broadcast the way time and subscribers change it in Kit.

    Every figure Kit derives from a change follows it, so that a test can
    check that its copy of Kit's data caught up.
    """

    def materialize(self, broadcast_id: int) -> BroadcastRecord:
        """Hold a generated broadcast's clicks and stats as data, serving the same figures.

        A generated broadcast computes its clicks and stats; once materialized,
        they are in `BroadcastRecord.clicks` and `BroadcastRecord.stats` (its
        recipients and opens; the rest follows from them), so that a change
        shows while every other figure stays identical. `add_clicks` and
        `add_opens` do it first.
        Any other broadcast is returned unchanged.

        Raises:
            KeyError: There is no such broadcast.
        """
        broadcast = self._broadcast(broadcast_id)
        if broadcast.generated:
            served = self.stats(broadcast_id)
            broadcast.clicks = self.clicks_of(broadcast_id)
            broadcast.stats = {
                **(broadcast.stats or {}),
                "recipients": served["recipients"],
                "emails_opened": served["emails_opened"],
            }
            broadcast.generated = False
            self.generator.forget(broadcast_id)
        return broadcast

    def add_clicks(
        self, broadcast_id: int, url: str, count: int = 1, *, opens: int = 0
    ) -> dict[str, Any]:
        """Record `count` more unique clicks of `url` on a sent broadcast.

        A URL the broadcast has no click for yet adds one (last). Every figure
        Kit serves follows: the click's `click_to_delivery_rate` (unique clicks
        / recipients) and `click_to_open_rate` (unique clicks / emails opened),
        rounded to 4 places like Kit's, and the stats' `total_clicks` and
        `click_rate`. `opens` first records that many more opens (`add_opens`).

        ```python
        account.add_clicks(3, "https://example.com/new", 5, opens=5)
        ```

        Args:
            broadcast_id: A sent broadcast (a generated one is materialized).
            url: The link clicked.
            count: How many more subscribers clicked it (at least 1).
            opens: How many more subscribers opened the broadcast.

        Returns:
            The click, as Kit now serves it (a copy).

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It is not sent, its click tracking is disabled, `count`
                is below 1, or its unique clicks would outnumber its recipients.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if self._broadcast(broadcast_id).click_tracking_disabled:
            raise ValueError(f"broadcast {broadcast_id} has click tracking disabled: no clicks")
        broadcast = self._changeable(broadcast_id)
        recipients = self.stats(broadcast_id)["recipients"]
        click = next((c for c in broadcast.clicks if c["url"] == url), None)
        unique = count + (0 if click is None else click["unique_clicks"])
        if unique > recipients:
            raise ValueError(
                f"broadcast {broadcast_id} has {recipients} recipients, fewer than {unique}"
                f" unique clicks of {url}: give it recipients with stats={{'recipients': ...}}"
            )
        if opens:
            self.add_opens(broadcast_id, opens)
        assert broadcast.stats is not None  # _changeable holds them
        opened = broadcast.stats["emails_opened"]
        if click is None:
            click = {"url": url}
            broadcast.clicks.append(click)
        click.update(
            unique_clicks=unique,
            click_to_delivery_rate=rate(unique, recipients),
            click_to_open_rate=rate(unique, opened),
        )
        return dict(click)

    def add_opens(self, broadcast_id: int, count: int = 1) -> dict[str, Any]:
        """Record `count` more opens of a sent broadcast (`emails_opened`).

        Its `open_rate` and every click's `click_to_open_rate` follow.

        Args:
            broadcast_id: A sent broadcast (a generated one is materialized).
            count: How many more subscribers opened it (at least 1).

        Returns:
            Its stats, as Kit now serves them.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It is not sent, `count` is below 1, or its opens would
                outnumber its recipients.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        broadcast = self._changeable(broadcast_id)
        assert broadcast.stats is not None  # _changeable holds them
        recipients = broadcast.stats["recipients"]
        opened = broadcast.stats["emails_opened"] + count
        if opened > recipients:
            raise ValueError(
                f"broadcast {broadcast_id} has {recipients} recipients, fewer than {opened} opens"
            )
        broadcast.stats["emails_opened"] = opened
        for click in broadcast.clicks:
            click["click_to_open_rate"] = rate(click["unique_clicks"], opened)
        return self.stats(broadcast_id)

    def _changeable(self, broadcast_id: int) -> BroadcastRecord:
        """A sent broadcast whose clicks and stats are its own data, ready to change."""
        broadcast = self._broadcast(broadcast_id)
        if not broadcast.sent:
            raise ValueError(
                f"broadcast {broadcast_id} is {broadcast.status}: only a sent one has clicks"
            )
        served = self.stats(broadcast_id)
        self.materialize(broadcast_id)
        # Copies: a list a test gave `add_broadcast` stays as it was.
        broadcast.clicks = [dict(click) for click in broadcast.clicks]
        kept = {k: v for k, v in (broadcast.stats or {}).items() if k not in _DERIVED_STATS}
        broadcast.stats = {
            **kept,
            "recipients": served["recipients"],
            "emails_opened": served["emails_opened"],
        }
        return broadcast

    def send_broadcast(
        self, broadcast_id: int, *, recipients: int, at: datetime | None = None
    ) -> BroadcastRecord:
        """Send a draft or scheduled broadcast: `completed`, with no opens or clicks yet.

        Args:
            broadcast_id: A draft or scheduled broadcast.
            recipients: How many subscribers received it.
            at: When it was sent (now by default): its `send_at` and `published_at`.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: It was sent already, or `recipients` is negative.
        """
        broadcast = self._broadcast(broadcast_id)
        if broadcast.sent:
            raise ValueError(f"broadcast {broadcast_id} is {broadcast.status} already")
        if recipients < 0:
            raise ValueError(f"recipients must be 0 or more, got {recipients}")
        when = at or self.clock()
        broadcast.status = "completed"
        broadcast.send_at = broadcast.published_at = when
        broadcast.generated = False
        broadcast.clicks = []
        broadcast.stats = {"recipients": recipients, "emails_opened": 0}
        broadcast.retained = None
        self.generator.forget(broadcast_id)
        return broadcast

    def age_out(self, broadcast_id: int, *, sent_at: datetime | None = None) -> BroadcastRecord:
        """Move a broadcast past Kit's 5-year retention, as time does.

        Its dates (`send_at`, `published_at`, `created_at`) move back together,
        so that it was sent at `sent_at` (by default a day beyond the window).
        From then on `GET /v4/broadcasts/stats` leaves it out and its clicks
        and stats answer 400, while `GET /v4/broadcasts` still lists it; the
        account still knows its clicks (`clicks_of`), for comparing.

        Args:
            broadcast_id: The broadcast (a generated one too).
            sent_at: When it was sent: more than 5 years before the clock's now.

        Raises:
            KeyError: There is no such broadcast.
            ValueError: `sent_at` is within the last 5 years.
        """
        broadcast = self._broadcast(broadcast_id)
        limit = self.clock() - RETENTION
        when = sent_at or limit - timedelta(days=1)
        if when >= limit:
            raise ValueError(
                f"sent_at must be before {limit.isoformat()} (5 years ago) to be out of"
                f" Kit's retention, got {when.isoformat()}"
            )
        shift = when - (broadcast.send_at or broadcast.published_at or broadcast.created_at)
        broadcast.created_at += shift
        if broadcast.published_at is not None:
            broadcast.published_at += shift
        if broadcast.send_at is not None:
            broadcast.send_at += shift
        broadcast.retained = None
        return broadcast

    def delete_broadcast(self, broadcast_id: int) -> BroadcastRecord:
        """Delete a broadcast whatever its status, as its creator can in Kit's app.

        (The API's `DELETE /v4/broadcasts/{id}` refuses a sent one with 422.)
        It is gone from every list, and its routes answer 404.

        Raises:
            KeyError: There is no such broadcast.
        """
        broadcast = self._broadcast(broadcast_id)
        del self.broadcasts[broadcast_id]
        self.generator.forget(broadcast_id)
        return broadcast
