"""`sync_clicks`: bring a database's copy of every broadcast's clicks up to date.

The plan, in requests: one `GET /v4/broadcasts/stats` page per 1,000
broadcasts tells which broadcasts' clicks can have changed (their recipients,
opens or total clicks differ from the database's); the broadcast list is read
only for what the stats lack (a new broadcast's publication time, or a
broadcast that left the stats); then only the changed broadcasts' clicks are
fetched, through the client's fan-out and rate limiter, and written as their
pages arrive. Where the stats answer 403, the broadcast list and
`recent_days` decide instead.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .._core.counting import RequestCount, count_requests
from .._core.validation import MAX_PER_PAGE, is_int, is_number
from .._resources.broadcast_clicks import UNSENT_STATUSES, ClickStream
from ..errors import AccountDisconnectedError, BadRequestError, KitError, PermissionDeniedError
from ..models import Broadcast, BroadcastStatsItem
from ._errors import DatabaseError, SyncError
from ._report import Mode, SyncProgress, SyncReport
from ._store import Figures, Known, Meta, Store
from ._target import Target, parse_database

if TYPE_CHECKING:
    from .._client import KitClient

__all__ = ["Options", "open_store", "sync_account", "sync_clicks"]

#: Statuses of a broadcast that has been (or is being) sent: only those have clicks.
SENT = frozenset({"completed", "aborted", "sending"})

STATS_FORBIDDEN = (
    "GET /v4/broadcasts/stats answered 403 (it needs a Pro plan or Kit's authorization): "
    "changes were found with the broadcast list instead; clicks were fetched for sent "
    "broadcasts never synced or sent within the last {days} days"
)


def open_store(target: Target) -> Store:
    """The store for a parsed database (not yet opened)."""
    if target.kind == "postgresql" and target.dsn is not None:
        from . import _postgres

        if not _postgres.AVAILABLE:
            msg = "a PostgreSQL database needs asyncpg: pip install 'kit-async[postgres]'"
            raise DatabaseError(msg, database=target.shown)
        return _postgres.PostgresStore(target)
    from . import _sqlite

    if not _sqlite.AVAILABLE:
        msg = "a SQLite database needs aiosqlite: pip install 'kit-async[sync]'"
        raise DatabaseError(msg, database=target.shown)
    return _sqlite.SqliteStore(target.path or Path(target.shown))


@attrs.frozen
class Options:
    """How a sync goes, whichever account it syncs."""

    full: bool = False
    recent_days: int = 30
    concurrency: int = 8
    prune: bool = False
    on_progress: Callable[[SyncProgress], object] | None = None


def check_options(options: Options) -> Options:
    """`options`, checked (`TypeError`, `ValueError`)."""
    for name, flag in (("full", options.full), ("prune", options.prune)):
        if not isinstance(flag, bool):
            msg = f"{name} must be a bool, got {type(flag).__name__}"
            raise TypeError(msg)
    _check_count("recent_days", options.recent_days, low=0)
    _check_count("concurrency", options.concurrency, low=1)
    if options.on_progress is not None and not callable(options.on_progress):
        msg = f"on_progress must be a function, got {type(options.on_progress).__name__}"
        raise TypeError(msg)
    return options


def _check_count(name: str, value: object, *, low: int) -> int:
    if not is_int(value):
        msg = f"{name} must be an int, got {type(value).__name__}"
        raise TypeError(msg)
    if value < low:
        msg = f"{name} must be at least {low}, got {value}"
        raise ValueError(msg)
    return value


def _check_seconds(name: str, value: object) -> float:
    if not is_number(value):
        msg = f"{name} must be a number of seconds, got {type(value).__name__}"
        raise TypeError(msg)
    if not value >= 0:
        msg = f"{name} must be 0 or more seconds, got {value}"
        raise ValueError(msg)
    return float(value)


async def sync_clicks(
    kit: KitClient,
    database: str | os.PathLike[str] | None = None,
    *,
    full: bool = False,
    recent_days: int = 30,
    concurrency: int = 8,
    prune: bool = False,
    wait: float = 0.0,
    on_progress: Callable[[SyncProgress], object] | None = None,
) -> SyncReport:
    """Bring `database`'s copy of every broadcast's link clicks up to date.

    Creates the tables on first use (see "Keeping a database in sync" in the
    docs), and migrates a database of schema version 1 in place. The
    account's id (the rows' `account_id`) is asked of Kit once per sync
    (`GET /v4/account`); two syncs of one account never run at once. Each broadcast's clicks and stats are replaced in one transaction,
    so readers never see half a broadcast, and a sync stopped at any moment
    leaves each broadcast as before or fully updated; the next sync finishes
    the job.

    Args:
        kit: The client (its rate limiter and retries apply to every request).
        database: A SQLite file path, `sqlite:///PATH`, or
            `postgresql://USER@HOST/DATABASE`; default `kit-clicks.sqlite` in
            the current directory.
        full: Refresh every sent broadcast, whatever the database holds.
        recent_days: Where the stats answer 403: broadcasts sent within this
            many days (and those never synced) have their clicks fetched.
        concurrency: Broadcasts fetched at once, at most.
        prune: Delete the rows (and clicks) of broadcasts deleted from Kit.
        wait: Seconds to wait for another sync of the same account in this
            database to finish before raising `SyncLockedError` (default:
            raise at once).
        on_progress: Called with a `SyncProgress` as the sync goes.

    Returns:
        The `SyncReport`: what was seen, fetched, skipped, written and spent.

    Raises:
        DatabaseError: The database cannot be opened or written (before any
            request to Kit), or a write failed.
        SyncLockedError: Another sync of this account into this database is
            running (and still is after `wait` seconds).
        KitError: Kit's errors, as the client raises them (broadcasts
            committed before it stay written).

    Against a FakeKit, twice: the second sync finds nothing changed and
    spends two requests (the account, the stats).

    ```python
    from kit_async.sync import sync_clicks

    async with FakeKit(broadcasts=20) as server:
        async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
            first = await sync_clicks(kit, "kit-clicks.sqlite")
            again = await sync_clicks(kit, "kit-clicks.sqlite")
    print(first.fetched, again.fetched, again.requests)  # 18 0 2
    ```
    """
    from .._client import KitClient

    if not isinstance(kit, KitClient):
        msg = f"kit must be a KitClient, got {type(kit).__name__}"
        raise TypeError(msg)
    options = check_options(
        Options(
            full=full,
            recent_days=recent_days,
            concurrency=concurrency,
            prune=prune,
            on_progress=on_progress,
        )
    )
    wait = _check_seconds("wait", wait)
    target = parse_database(database)
    store = open_store(target)
    started = time.monotonic()
    with count_requests() as counter:
        await store.open()
        try:
            account = await kit.account.get()
            if account.id is None:
                msg = "Kit's GET /v4/account gave no account id: the rows need one"
                raise SyncError(msg, database=target.shown)
            await store.claim(account.id, wait=wait, migrate_as=account.id)
            return await sync_account(
                kit, store, counter, options, name=account.name, started=started
            )
        finally:
            await store.close()


async def sync_account(
    kit: KitClient,
    store: Store,
    counter: RequestCount,
    options: Options,
    *,
    name: str | None,
    started: float,
) -> SyncReport:
    """Sync the account `store` has claimed, noting its start, end and error in `accounts`."""
    await store.record_start(name)
    try:
        run = _Run(kit, store, counter, full=options.full, recent_days=options.recent_days)
        run.on_progress = options.on_progress
        await run.plan()
        await run.fetch(options.concurrency)
        pruned = await store.prune() if options.prune else 0
    except (KitError, SyncError) as exc:
        with contextlib.suppress(SyncError):
            await store.record_finish(
                describe(exc), disconnected=isinstance(exc, AccountDisconnectedError)
            )
        raise
    await store.record_finish(None)
    report = run.report(store.shown, pruned, time.monotonic() - started)
    return attrs.evolve(report, account_id=store.account_id)


def describe(error: BaseException) -> str:
    """An error as `accounts.last_error` holds it (its messages never hold a credential)."""
    return f"{type(error).__name__}: {error}"


class _Run:
    """One sync's state: what Kit listed, what the database held, what to do."""

    def __init__(
        self, kit: KitClient, store: Store, counter: RequestCount, *, full: bool, recent_days: int
    ) -> None:
        self.kit = kit
        self.store = store
        self.counter = counter
        self.full = full
        self.recent_days = recent_days
        self.on_progress: Callable[[SyncProgress], object] | None = None
        self.now = datetime.now(UTC)
        self.mode: Mode = "stats"
        self.notes: list[str] = []
        self.seen = 0
        self.unchanged = 0
        self.unsent = 0
        self.settled = 0
        self.outside_retention = 0
        self.deleted = 0
        self.clicks_written = 0
        self.done = 0
        self.pages = 0
        self.without_clicks = 0
        #: broadcast id -> the stats its clicks go with (None in list mode)
        self.to_fetch: dict[int, Figures | None] = {}
        #: broadcasts fetched although the list gave no status
        self.unknown: set[int] = set()

    def _progress(self, phase: str) -> None:
        if self.on_progress is not None:
            self.on_progress(
                SyncProgress(
                    phase="listing" if phase == "listing" else "fetching",
                    to_fetch=len(self.to_fetch),
                    done=self.done,
                    pages=self.pages,
                    clicks_written=self.clicks_written,
                    requests=self.counter.sent,
                )
            )

    # -- deciding ---------------------------------------------------------------------
    async def plan(self) -> None:
        """List what Kit has, compare with the database, write what needs no clicks."""
        self._progress("listing")
        known = await self.store.known()
        stats = await self._stats()
        listed: dict[int, Broadcast] | None = None
        if stats is None or self._list_needed(stats, known):
            listed = {b.id: b async for b in self.kit.broadcasts.list(slim=True)}
        if stats is None:
            # (The list was read: `listed` is a dict here.)
            metas, no_clicks, aged, gone = self._by_list(listed or {}, known)
        else:
            metas, no_clicks, aged, gone = self._by_stats(stats, listed, known)
        self.seen = len(metas)
        await self.store.save_meta(metas)
        await self.store.mark_outside_retention(aged, self.now)
        await self.store.mark_deleted(gone, self.now)
        self.outside_retention += len(aged)
        self.deleted += len(gone)
        for broadcast_id, figures in no_clicks:
            await self.store.replace_clicks(broadcast_id, figures, self.now)
        self.without_clicks = len(no_clicks)

    async def _stats(self) -> dict[int, BroadcastStatsItem] | None:
        try:
            return {item.id: item async for item in self.kit.broadcasts.list_stats()}
        except PermissionDeniedError:
            self.mode = "list"
            self.notes.append(STATS_FORBIDDEN.format(days=self.recent_days))
            return None

    def _list_needed(self, stats: dict[int, BroadcastStatsItem], known: dict[int, Known]) -> bool:
        """Whether the stats lack something only the broadcast list has."""
        for broadcast_id, item in stats.items():
            held = known.get(broadcast_id)
            # A new broadcast, or one whose status changed (a draft sent since
            # has a publication time now). A broadcast Kit never published
            # keeps a null one: that alone does not read the list again.
            if held is None or held.status != item.stats.status:
                return True
        # A broadcast that left the stats: aged out (still listed) or deleted?
        return any(
            broadcast_id not in stats and not (held.outside_retention or held.deleted)
            for broadcast_id, held in known.items()
        )

    def _by_stats(
        self,
        stats: dict[int, BroadcastStatsItem],
        listed: dict[int, Broadcast] | None,
        known: dict[int, Known],
    ) -> tuple[list[Meta], list[tuple[int, Figures]], list[int], list[int]]:
        metas: list[Meta] = []
        no_clicks: list[tuple[int, Figures]] = []
        for broadcast_id, item in stats.items():
            figures_of = item.stats
            described = None if listed is None else listed.get(broadcast_id)
            metas.append(
                Meta(
                    id=broadcast_id,
                    subject=item.subject,
                    status=figures_of.status,
                    published_at=None if described is None else described.published_at,
                    send_at=item.send_at,
                    click_tracking_disabled=figures_of.click_tracking_disabled,
                    retained=True,
                )
            )
            if figures_of.status not in SENT:
                self.unsent += 1
                continue
            figures = Figures(
                figures_of.recipients, figures_of.emails_opened, figures_of.total_clicks
            )
            held = known.get(broadcast_id)
            if not (self.full or held is None or not held.synced or held.figures != figures):
                self.unchanged += 1
            elif figures_of.click_tracking_disabled or figures.total_clicks == 0:
                no_clicks.append((broadcast_id, figures))
            else:
                self.to_fetch[broadcast_id] = figures
        aged: list[int] = []
        gone: list[int] = []
        if listed is not None:
            for broadcast_id, broadcast in listed.items():
                if broadcast_id in stats:
                    continue
                metas.append(_meta_of(broadcast))
                if broadcast.status in UNSENT_STATUSES:
                    self.unsent += 1
                elif broadcast.created_at < self.now:
                    # Listed but left out of the stats: older than Kit's retention.
                    aged.append(broadcast_id)
            gone = [
                broadcast_id
                for broadcast_id, held in known.items()
                if broadcast_id not in stats and broadcast_id not in listed and not held.deleted
            ]
        return metas, no_clicks, aged, gone

    def _by_list(
        self, listed: dict[int, Broadcast], known: dict[int, Known]
    ) -> tuple[list[Meta], list[tuple[int, Figures]], list[int], list[int]]:
        recent = self.now - timedelta(days=self.recent_days)
        metas: list[Meta] = []
        for broadcast_id, broadcast in listed.items():
            metas.append(_meta_of(broadcast))
            if broadcast.status in UNSENT_STATUSES:
                self.unsent += 1
                continue
            held = known.get(broadcast_id)
            sent_at = broadcast.send_at or broadcast.published_at or broadcast.created_at
            if self.full or held is None or not held.synced or sent_at >= recent:
                self.to_fetch[broadcast_id] = None
                if broadcast.status not in SENT:
                    self.unknown.add(broadcast_id)
            else:
                self.settled += 1
        gone = [
            broadcast_id
            for broadcast_id, held in known.items()
            if broadcast_id not in listed and not held.deleted
        ]
        return metas, [], [], gone

    # -- fetching ---------------------------------------------------------------------
    async def fetch(self, concurrency: int) -> None:
        """Fetch the clicks of `to_fetch`, replacing each broadcast's as its last page lands."""
        if not self.to_fetch:
            return
        self._progress("fetching")
        store = self.store
        staged: dict[int, int] = {}
        stream = ClickStream(
            self.kit.broadcasts,
            list(self.to_fetch),
            concurrency=concurrency,
            per_page=MAX_PER_PAGE,
            on_missing="skip",
            after=None,
            buffer=None,
            # Kit answers 400 for a broadcast older than its 5-year retention.
            skip_errors=lambda error: isinstance(error, BadRequestError),
        )
        async with stream:
            async for broadcast_id, page in stream.pages():
                await store.stage(broadcast_id, page.items)
                self.pages += 1
                staged[broadcast_id] = staged.get(broadcast_id, 0) + len(page.items)
                if not page.pagination.has_next_page:
                    await store.replace_clicks(broadcast_id, self.to_fetch[broadcast_id], self.now)
                    self.clicks_written += staged.pop(broadcast_id)
                    self.done += 1
                    self._progress("fetching")
        await self._unfetched(stream.skipped, stream.failed)

    async def _unfetched(self, missing: list[int], failed: dict[int, KitError]) -> None:
        """Broadcasts whose fetch answered 404 (deleted) or 400 (past Kit's retention)."""
        for broadcast_id in [*missing, *failed]:
            await self.store.discard(broadcast_id)
        aged = list(failed)
        # A 404 means deleted only for a broadcast known to be sent; one whose
        # status Kit did not say may simply be a draft.
        gone = [broadcast_id for broadcast_id in missing if broadcast_id not in self.unknown]
        await self.store.mark_outside_retention(aged, self.now)
        await self.store.mark_deleted(gone, self.now)
        self.outside_retention += len(aged)
        self.deleted += len(gone)
        self.unsent += len(missing) - len(gone)

    def report(self, database: str, pruned: int, seconds: float) -> SyncReport:
        """The run's `SyncReport`."""
        return SyncReport(
            database=database,
            mode=self.mode,
            full=self.full,
            seen=self.seen,
            fetched=self.done,
            without_clicks=self.without_clicks,
            unchanged=self.unchanged,
            unsent=self.unsent,
            settled=self.settled,
            outside_retention=self.outside_retention,
            deleted=self.deleted,
            pruned=pruned,
            clicks_written=self.clicks_written,
            requests=self.counter.sent,
            seconds=seconds,
            notes=tuple(self.notes),
        )


def _meta_of(broadcast: Broadcast) -> Meta:
    return Meta(
        id=broadcast.id,
        subject=broadcast.subject,
        status=broadcast.status,
        published_at=broadcast.published_at,
        send_at=broadcast.send_at,
    )
