"""What a sync did: its report, and the progress it reports as it goes."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["AccountSync", "AccountsReport", "SyncProgress", "SyncReport"]

Mode = Literal["stats", "list"]


@attrs.frozen
class SyncProgress:
    """Where a running sync is, for a progress display (`on_progress`).

    Attributes:
        phase: `"listing"` (reading Kit's lists) or `"fetching"` (clicks).
        to_fetch: Broadcasts whose clicks this sync fetches.
        done: Of those, how many are written.
        pages: Clicks pages received so far.
        clicks_written: Clicks written so far.
        requests: Requests sent to Kit so far.
    """

    phase: Literal["listing", "fetching"]
    to_fetch: int
    done: int
    pages: int
    clicks_written: int
    requests: int


@attrs.frozen
class SyncReport:
    """What one sync did.

    Attributes:
        database: The database, as messages name it (a URL's credentials
            masked as `***`).
        mode: `"stats"` (changes found with `GET /v4/broadcasts/stats`) or
            `"list"` (the stats answered 403: the broadcast list and
            `recent_days` decided).
        full: Whether every broadcast was refreshed regardless of the database.
        seen: Broadcasts in Kit's lists.
        fetched: Broadcasts whose clicks were fetched (changed, or in `"list"`
            mode never synced or sent within `recent_days`).
        without_clicks: Changed broadcasts recorded with no clicks and no
            clicks request (no clicks yet, or click tracking off).
        unchanged: Sent broadcasts whose stats match the database (no request).
        unsent: Drafts and scheduled broadcasts (no clicks to fetch).
        settled: In `"list"` mode, broadcasts synced before and sent before
            `recent_days`, kept as they are.
        outside_retention: Broadcasts Kit no longer serves stats and clicks
            for (older than 5 years); the database keeps their clicks.
        deleted: Broadcasts gone from Kit, marked `deleted_at`.
        pruned: Deleted broadcasts removed with their clicks (`prune=True`).
        clicks_written: Click rows written.
        requests: Requests sent to Kit by this sync, retries included.
        seconds: How long the sync took.
        notes: Things worth saying once, such as why `"list"` mode was used.
        account_id: Kit's id of the account synced (the rows' `account_id`).
    """

    database: str
    mode: Mode
    full: bool
    seen: int
    fetched: int
    without_clicks: int
    unchanged: int
    unsent: int
    settled: int
    outside_retention: int
    deleted: int
    pruned: int
    clicks_written: int
    requests: int
    seconds: float
    notes: tuple[str, ...] = ()
    account_id: int | None = None

    @property
    def changed(self) -> int:
        """Broadcasts whose clicks were refreshed: `fetched + without_clicks`."""
        return self.fetched + self.without_clicks

    def rows(self) -> list[tuple[str, str]]:
        """The report as (label, value) rows, in the order the command prints them."""
        rows = [
            ("Database", self.database),
            ("Changes found by", "broadcast stats" if self.mode == "stats" else "broadcast list"),
            ("Broadcasts seen", f"{self.seen:,}"),
            ("Changed, clicks fetched", f"{self.fetched:,}"),
            ("Changed, no clicks to fetch", f"{self.without_clicks:,}"),
            ("Skipped as unchanged", f"{self.unchanged:,}"),
            ("Skipped as unsent", f"{self.unsent:,}"),
        ]
        if self.mode == "list":
            rows.append(("Settled (older, kept)", f"{self.settled:,}"))
        rows += [
            ("Outside Kit's retention", f"{self.outside_retention:,}"),
            ("Deleted from Kit", f"{self.deleted:,}"),
        ]
        if self.pruned:
            rows.append(("Pruned", f"{self.pruned:,}"))
        rows += [
            ("Clicks written", f"{self.clicks_written:,}"),
            ("Requests spent", f"{self.requests:,}"),
            ("Time taken", f"{self.seconds:.1f} s"),
        ]
        return rows

    def __str__(self) -> str:
        width = max(len(label) for label, _ in self.rows())
        lines = [f"{label:<{width}}  {value}" for label, value in self.rows()]
        return "\n".join([*lines, *self.notes])


Outcome = Literal["synced", "locked", "disconnected", "failed"]


@attrs.frozen
class AccountSync:
    """One account's part of a `sync_accounts`.

    Attributes:
        account_id: Kit's id of the account.
        outcome: `"synced"`; `"locked"` (another sync of the account was
            running: nothing done); `"disconnected"` (Kit or the token store
            refused its pair: marked so in `accounts`); `"failed"` (another
            error, in `accounts.last_error` too when the database could be
            written).
        report: The account's `SyncReport` when synced.
        error: The error's text otherwise.
    """

    account_id: int
    outcome: Outcome
    report: SyncReport | None = None
    error: str | None = None


@attrs.frozen
class AccountsReport:
    """What a `sync_accounts` did, account by account.

    Attributes:
        database: The database, as messages name it (credentials masked).
        accounts: Each account's `AccountSync`, by account id, in ascending order.
        seconds: How long the whole run took.
    """

    database: str
    accounts: dict[int, AccountSync]
    seconds: float

    @property
    def requests(self) -> int:
        """Requests sent to Kit by the accounts' syncs that finished."""
        return sum(one.report.requests for one in self.accounts.values() if one.report)

    def by_outcome(self, outcome: Outcome) -> list[int]:
        """The ids of the accounts whose sync ended so (`"synced"`, `"failed"`, ...)."""
        return [n for n, one in self.accounts.items() if one.outcome == outcome]

    def __str__(self) -> str:
        counts = {
            o: len(self.by_outcome(o)) for o in ("synced", "locked", "disconnected", "failed")
        }
        lines = [
            f"{self.database}: {len(self.accounts):,} accounts in {self.seconds:.1f} s, "
            f"{self.requests:,} requests",
            ", ".join(f"{name} {count:,}" for name, count in counts.items()),
        ]
        lines += [
            f"account {n}: {one.outcome}: {one.error}"
            for n, one in self.accounts.items()
            if one.error is not None
        ]
        return "\n".join(lines)
