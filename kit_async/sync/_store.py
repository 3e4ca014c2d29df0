"""What a sync writes to its database, whatever the database.

A `Store` is one connection (and one account's lock) for one sync: the
statements and the order of the writes are here, over the driver calls each
dialect (`_sqlite`, `_postgres`) supplies (`_base.Base`), so both databases
hold the same rows after the same sync.

How a broadcast's clicks are replaced without a reader ever seeing half of
them: pages are appended to a temporary staging table as they arrive (a
connection's own, gone with it when a sync dies), and when the broadcast's
last page is in, one transaction replaces its rows from the staging table and
writes the stats they belong to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ..models import BroadcastClick
from ._base import SCHEMA_VERSION, Base, uninterrupted

__all__ = ["SCHEMA_VERSION", "Figures", "Known", "Meta", "Store"]


@attrs.frozen
class Figures:
    """The stats a broadcast's clicks depend on: what the change test compares."""

    recipients: int
    emails_opened: int
    total_clicks: int


@attrs.frozen
class Known:
    """What the database holds about one broadcast, for the change test."""

    status: str | None
    figures: Figures | None
    synced: bool
    outside_retention: bool
    deleted: bool


@attrs.frozen
class Meta:
    """A broadcast's description; `None` keeps what the database holds.

    `retained` is True when Kit's stats list served it (so it is within the
    retention window again), None when that is not known.
    """

    id: int
    subject: str | None
    status: str | None
    published_at: datetime | None
    send_at: datetime | None
    click_tracking_disabled: bool | None = None
    retained: bool | None = None


class Store(Base):
    """One sync's connection to its database: the statements of a sync."""

    @uninterrupted
    async def known(self) -> dict[int, Known]:
        """Every broadcast the database holds, by id."""
        rows = await self._fetch(
            self._sql(
                "SELECT id, status, recipients, emails_opened, total_clicks, "
                "clicks_synced_at IS NOT NULL, outside_retention_since IS NOT NULL, "
                "deleted_at IS NOT NULL FROM broadcasts WHERE account_id = ?"
            ),
            self.account_id,
        )
        known = {}
        for row in rows:
            recipients, opened, total = row[2], row[3], row[4]
            figures = (
                None
                if recipients is None or opened is None or total is None
                else Figures(recipients, opened, total)
            )
            known[int(row[0])] = Known(
                status=row[1],
                figures=figures,
                synced=bool(row[5]),
                outside_retention=bool(row[6]),
                deleted=bool(row[7]),
            )
        return known

    @uninterrupted
    async def save_meta(self, rows: Sequence[Meta]) -> None:
        """Insert or update the broadcasts' descriptions (not their stats or clicks)."""
        if not rows:
            return
        sql = self._sql(
            "INSERT INTO broadcasts (account_id, id, subject, status, published_at, send_at, "
            "click_tracking_disabled) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (account_id, id) DO UPDATE SET "
            "subject = COALESCE(excluded.subject, broadcasts.subject), "
            "status = COALESCE(excluded.status, broadcasts.status), "
            "published_at = COALESCE(excluded.published_at, broadcasts.published_at), "
            "send_at = COALESCE(excluded.send_at, broadcasts.send_at), "
            "click_tracking_disabled = COALESCE(excluded.click_tracking_disabled, "
            "broadcasts.click_tracking_disabled), "
            "outside_retention_since = CASE WHEN ? THEN NULL "
            "ELSE broadcasts.outside_retention_since END, "
            "deleted_at = NULL"
        )
        async with self._transaction():
            await self._execute_many(
                sql,
                [
                    (
                        self.account_id,
                        meta.id,
                        meta.subject,
                        meta.status,
                        self._when(meta.published_at),
                        self._when(meta.send_at),
                        meta.click_tracking_disabled,
                        bool(meta.retained),
                    )
                    for meta in rows
                ],
            )

    @uninterrupted
    async def stage(self, broadcast_id: int, clicks: Sequence[BroadcastClick]) -> None:
        """Append one page of a broadcast's clicks to the staging table."""
        if not clicks:
            return
        await self._execute_many(
            self._sql(
                "INSERT INTO kit_async_staging (broadcast_id, url, unique_clicks, "
                "click_to_delivery_rate, click_to_open_rate) VALUES (?, ?, ?, ?, ?)"
            ),
            [
                (
                    broadcast_id,
                    click.url,
                    click.unique_clicks,
                    click.click_to_delivery_rate,
                    click.click_to_open_rate,
                )
                for click in clicks
            ],
        )

    @uninterrupted
    async def discard(self, broadcast_id: int) -> None:
        """Forget a broadcast's staged pages (its fetch failed)."""
        await self._execute(
            self._sql("DELETE FROM kit_async_staging WHERE broadcast_id = ?"), broadcast_id
        )

    @uninterrupted
    async def replace_clicks(
        self, broadcast_id: int, figures: Figures | None, synced_at: datetime
    ) -> None:
        """In one transaction: the staged clicks replace the stored ones, with their stats.

        `figures` None keeps the stored stats (the broadcast list has none).
        """
        async with self._transaction():
            await self._execute(
                self._sql("DELETE FROM broadcast_clicks WHERE account_id = ? AND broadcast_id = ?"),
                self.account_id,
                broadcast_id,
            )
            # The last of a URL Kit sent twice wins (seq orders the staged rows).
            await self._execute(
                self._sql(
                    "INSERT INTO broadcast_clicks (account_id, broadcast_id, url, unique_clicks, "
                    "click_to_delivery_rate, click_to_open_rate) "
                    "SELECT CAST(? AS BIGINT), broadcast_id, url, unique_clicks, click_to_delivery_rate, "
                    "click_to_open_rate FROM kit_async_staging WHERE broadcast_id = ? "
                    "ORDER BY seq "
                    "ON CONFLICT (account_id, broadcast_id, url) DO UPDATE SET "
                    "unique_clicks = excluded.unique_clicks, "
                    "click_to_delivery_rate = excluded.click_to_delivery_rate, "
                    "click_to_open_rate = excluded.click_to_open_rate"
                ),
                self.account_id,
                broadcast_id,
            )
            await self._execute(
                self._sql("DELETE FROM kit_async_staging WHERE broadcast_id = ?"), broadcast_id
            )
            if figures is None:
                await self._execute(
                    self._sql(
                        "UPDATE broadcasts SET clicks_synced_at = ? WHERE account_id = ? AND id = ?"
                    ),
                    self._when(synced_at),
                    self.account_id,
                    broadcast_id,
                )
            else:
                await self._execute(
                    self._sql(
                        "UPDATE broadcasts SET recipients = ?, emails_opened = ?, "
                        "total_clicks = ?, clicks_synced_at = ? WHERE account_id = ? AND id = ?"
                    ),
                    figures.recipients,
                    figures.emails_opened,
                    figures.total_clicks,
                    self._when(synced_at),
                    self.account_id,
                    broadcast_id,
                )

    @uninterrupted
    async def mark_outside_retention(self, ids: Sequence[int], when: datetime) -> None:
        """Mark broadcasts Kit no longer serves stats for (their clicks are kept)."""
        await self._mark("outside_retention_since", ids, when)

    @uninterrupted
    async def mark_deleted(self, ids: Sequence[int], when: datetime) -> None:
        """Mark broadcasts gone from Kit (their rows are kept until a prune)."""
        await self._mark("deleted_at", ids, when)

    async def _mark(self, column: str, ids: Sequence[int], when: datetime) -> None:
        if not ids:
            return
        sql = self._sql(
            f"UPDATE broadcasts SET {column} = COALESCE({column}, ?) "  # noqa: S608 - our column
            "WHERE account_id = ? AND id = ?"
        )
        at = self._when(when)
        async with self._transaction():
            await self._execute_many(sql, [(at, self.account_id, n) for n in ids])

    @uninterrupted
    async def prune(self) -> int:
        """Delete the broadcasts marked deleted, with their clicks; how many."""
        gone = "SELECT id FROM broadcasts WHERE account_id = ? AND deleted_at IS NOT NULL"
        async with self._transaction():
            rows = await self._fetch(self._sql(gone), self.account_id)
            await self._execute(
                self._sql(
                    "DELETE FROM broadcast_clicks WHERE account_id = ? AND broadcast_id IN "
                    "(SELECT id FROM broadcasts WHERE account_id = ? AND deleted_at IS NOT NULL)"
                ),
                self.account_id,
                self.account_id,
            )
            await self._execute(
                self._sql("DELETE FROM broadcasts WHERE account_id = ? AND deleted_at IS NOT NULL"),
                self.account_id,
            )
        return len(rows)
