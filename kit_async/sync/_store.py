"""What a sync needs from its database, whatever the database.

A `Store` is one connection (and one lock) for one sync. Each dialect
(`_sqlite`, `_postgres`) supplies its driver calls and its column types; the
statements and the order of the writes are here, so both databases hold the
same rows after the same sync.

How a broadcast's clicks are replaced without a reader ever seeing half of
them: pages are appended to a temporary staging table as they arrive (a
connection's own, gone with it when a sync dies), and when the broadcast's
last page is in, one transaction replaces its rows from the staging table and
writes the stats they belong to.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import attrs

from ..models import BroadcastClick
from ._errors import DatabaseError

__all__ = ["SCHEMA_VERSION", "Figures", "Known", "Meta", "Store"]

#: The version of the tables' layout, in `kit_async_schema.version`.
SCHEMA_VERSION = 1

#: The tables a sync owns; a database holding one of them without
#: `kit_async_schema` belongs to something else and is refused.
TABLES = ("broadcasts", "broadcast_clicks")


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="Store")


def uninterrupted(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Let a write that has started finish before a cancellation takes effect.

    A database driver interrupted mid-statement may leave its connection
    waiting on the server (asyncpg's cancel of a pipelined `executemany`
    never returned in our tests); a write is short, so it completes, then
    the `CancelledError` goes on. Transactions stay whole either way.
    """

    @functools.wraps(method)
    async def run(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.ensure_future(method(store, *args, **kwargs))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                # Its outcome no longer matters to a cancelled caller.
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task
            raise

    return run


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


class Store(abc.ABC):
    """One sync's connection to its database.

    Subclasses implement the driver calls; `open()` must take the sync lock,
    create or check the tables, and prove the database writable, all before
    the sync sends a request.
    """

    #: The database as messages name it (no password).
    shown: str
    #: The dialect's placeholder for the n-th parameter (1-based).
    _placeholder: str = "?"

    # -- driver calls ---------------------------------------------------------------
    @abc.abstractmethod
    async def open(self, *, wait: float) -> None:
        """Connect, take the lock (waiting up to `wait` s), create or check the tables."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the lock and the connection (a staged, uncommitted page is dropped)."""

    @abc.abstractmethod
    async def _fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """Rows of one query."""

    @abc.abstractmethod
    async def _execute(self, sql: str, *args: Any) -> None:
        """One statement, outside any transaction the caller did not open."""

    @abc.abstractmethod
    async def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each row."""

    @abc.abstractmethod
    def _transaction(self) -> Any:
        """An async context manager: one write transaction, rolled back on error."""

    @abc.abstractmethod
    def _when(self, value: datetime | None) -> Any:
        """A timestamp as the driver stores it."""

    # -- the statements -------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        """`sql` with `?` turned into the dialect's placeholders."""
        if self._placeholder == "?":
            return sql
        parts = sql.split("?")
        out = [parts[0]]
        for number, part in enumerate(parts[1:], start=1):
            out.append(f"${number}{part}")
        return "".join(out)

    @uninterrupted
    async def known(self) -> dict[int, Known]:
        """Every broadcast the database holds, by id."""
        rows = await self._fetch(
            "SELECT id, status, recipients, emails_opened, total_clicks, "
            "clicks_synced_at IS NOT NULL, "
            "outside_retention_since IS NOT NULL, deleted_at IS NOT NULL FROM broadcasts"
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
            "INSERT INTO broadcasts (id, subject, status, published_at, send_at, "
            "click_tracking_disabled) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET "
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
                self._sql("DELETE FROM broadcast_clicks WHERE broadcast_id = ?"), broadcast_id
            )
            # The last of a URL Kit sent twice wins (seq orders the staged rows).
            await self._execute(
                self._sql(
                    "INSERT INTO broadcast_clicks (broadcast_id, url, unique_clicks, "
                    "click_to_delivery_rate, click_to_open_rate) "
                    "SELECT broadcast_id, url, unique_clicks, click_to_delivery_rate, "
                    "click_to_open_rate FROM kit_async_staging WHERE broadcast_id = ? "
                    "ORDER BY seq "
                    "ON CONFLICT (broadcast_id, url) DO UPDATE SET "
                    "unique_clicks = excluded.unique_clicks, "
                    "click_to_delivery_rate = excluded.click_to_delivery_rate, "
                    "click_to_open_rate = excluded.click_to_open_rate"
                ),
                broadcast_id,
            )
            await self._execute(
                self._sql("DELETE FROM kit_async_staging WHERE broadcast_id = ?"), broadcast_id
            )
            if figures is None:
                await self._execute(
                    self._sql("UPDATE broadcasts SET clicks_synced_at = ? WHERE id = ?"),
                    self._when(synced_at),
                    broadcast_id,
                )
            else:
                await self._execute(
                    self._sql(
                        "UPDATE broadcasts SET recipients = ?, emails_opened = ?, "
                        "total_clicks = ?, clicks_synced_at = ? WHERE id = ?"
                    ),
                    figures.recipients,
                    figures.emails_opened,
                    figures.total_clicks,
                    self._when(synced_at),
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
        sql = self._sql(f"UPDATE broadcasts SET {column} = COALESCE({column}, ?) WHERE id = ?")  # noqa: S608 - a column name of ours
        async with self._transaction():
            await self._execute_many(
                sql, [(self._when(when), broadcast_id) for broadcast_id in ids]
            )

    @uninterrupted
    async def prune(self) -> int:
        """Delete the broadcasts marked deleted, with their clicks; how many."""
        async with self._transaction():
            rows = await self._fetch("SELECT id FROM broadcasts WHERE deleted_at IS NOT NULL")
            await self._execute(
                "DELETE FROM broadcast_clicks WHERE broadcast_id IN "
                "(SELECT id FROM broadcasts WHERE deleted_at IS NOT NULL)"
            )
            await self._execute("DELETE FROM broadcasts WHERE deleted_at IS NOT NULL")
        return len(rows)

    # -- shared by the dialects -----------------------------------------------------
    def _foreign_tables(self, present: Iterable[str]) -> DatabaseError | None:
        """The error for a database whose `broadcasts` tables are not kit-async's."""
        present = set(present)
        if "kit_async_schema" in present:
            return None
        clash = sorted(present & set(TABLES))
        if not clash:
            return None
        msg = (
            f"{self.shown} already has {' and '.join(clash)} table(s) that kit-async did "
            "not create (no kit_async_schema table); sync into another database"
        )
        return DatabaseError(msg, database=self.shown)

    def _check_version(self, version: int | None) -> None:
        if version is not None and version > SCHEMA_VERSION:
            msg = (
                f"{self.shown} holds kit-async's tables at schema version {version}, newer "
                f"than this kit-async's {SCHEMA_VERSION}; upgrade kit-async"
            )
            raise DatabaseError(msg, database=self.shown)
