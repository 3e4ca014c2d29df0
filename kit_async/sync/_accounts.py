"""`sync_accounts`: the clicks of many accounts of a Kit App, in one database.

Each account is synced as `sync_clicks` syncs one (the stats listing, then
one clicks request per changed broadcast), on its own connection to the
database and under its own sync lock, so that two syncs of one account never
overlap, from this process or from another machine. What went wrong with one
account is that account's outcome; the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._core.counting import count_requests
from ..errors import AccountDisconnectedError, KitError
from ._errors import SyncError, SyncLockedError
from ._report import AccountsReport, AccountSync
from ._sync import Options, _check_count, _check_seconds, check_options, describe, open_store
from ._sync import sync_account as _sync_account
from ._target import Target, parse_database

if TYPE_CHECKING:
    from .._accounts import KitAccounts

__all__ = ["prepare_database", "sync_accounts", "sync_one"]

#: The options of a sync of `sync_one` by default (those of `sync_accounts`).
DEFAULTS = Options()


async def sync_accounts(
    accounts: KitAccounts,
    database: str | os.PathLike[str] | None = None,
    *,
    account_ids: Iterable[int] | None = None,
    concurrency: int = 4,
    fetch_concurrency: int = 8,
    full: bool = False,
    recent_days: int = 30,
    prune: bool = False,
    wait: float = 0.0,
) -> AccountsReport:
    """Bring `database`'s copy of many accounts' broadcast clicks up to date.

    Each account costs what `sync_clicks` costs (its broadcast stats, then one
    clicks request per changed broadcast; its first sync also reads its name
    with `GET /v4/account`), and each is noted in the `accounts` table: when
    its last sync started and finished, and its last error. An account whose
    pair Kit refuses (`AccountDisconnectedError`) is marked disconnected
    there; the other accounts go on.

    Args:
        accounts: The app's `KitAccounts` pool (each account's rate limit applies).
        database: As for `sync_clicks`: a SQLite file, `sqlite:///PATH` or
            `postgresql://USER@HOST/DATABASE`.
        account_ids: The accounts to sync (default: every connected account
            of the pool's token store).
        concurrency: Accounts synced at once, at most (each on its own
            database connection).
        fetch_concurrency: Broadcasts fetched at once per account, at most.
        full: Refresh every sent broadcast, whatever the database holds.
        recent_days: As for `sync_clicks` (where the stats answer 403).
        prune: Delete the rows of broadcasts deleted from Kit.
        wait: Seconds to wait for another sync of an account to finish
            before giving that account up as `"locked"` (default: at once).

    Returns:
        The `AccountsReport`: each account's outcome and `SyncReport`.

    Raises:
        DatabaseError: The database cannot be opened or written (before any
            request to Kit).

    Against a FakeKit of three creators whose pairs are in a token store:

    ```python
    from kit_async.oauth import MemoryTokenStore
    from kit_async.sync import sync_accounts

    async with FakeKit(accounts=3, broadcasts=5) as server:
        store = MemoryTokenStore()
        for account_id, account in server.accounts.items():
            access, refresh = server.issue_tokens(account=account)
            await store.save(account_id, kit_async.TokenSet(access, refresh, expires_in=7200))
        async with kit_async.KitAccounts(
            token_store=store, client_id=server.client_id, base_url=server.url
        ) as accounts:
            report = await sync_accounts(accounts, "kit-clicks.sqlite")
    print(report.by_outcome("synced"))  # [1, 2, 3]
    ```
    """
    from .._accounts import KitAccounts

    if not isinstance(accounts, KitAccounts):
        msg = f"accounts must be a KitAccounts, got {type(accounts).__name__}"
        raise TypeError(msg)
    _check_count("concurrency", concurrency, low=1)
    options = check_options(
        Options(full=full, recent_days=recent_days, concurrency=fetch_concurrency, prune=prune)
    )
    wait = _check_seconds("wait", wait)
    target = parse_database(database)
    started = time.monotonic()
    # The database is checked once, before any request: an unreachable one
    # fails the run, not each account.
    await prepare_database(target, wait)
    if account_ids is None:
        ids = sorted(await accounts.connected())
    else:
        ids = sorted(set(account_ids))
        for account_id in ids:
            _check_count("account_ids", account_id, low=1)
    gate = asyncio.Semaphore(concurrency)

    async def one(account_id: int) -> AccountSync:
        async with gate:
            return await sync_one(accounts, target, account_id, options, wait)

    done = await asyncio.gather(*(one(account_id) for account_id in ids))
    return AccountsReport(
        database=target.shown,
        accounts={result.account_id: result for result in done},
        seconds=time.monotonic() - started,
    )


async def prepare_database(target: Target, wait: float = 0.0) -> None:
    """Make `target`'s tables (or migrate an empty version-1 database), and check it is writable.

    What `sync_accounts` does once before its accounts' syncs (`sync_one`);
    a fleet worker, once when it starts.

    Raises:
        DatabaseError: The database cannot be opened or written.
    """
    first = open_store(target)
    await first.open()
    try:
        if first.version == 1:
            # Only an empty one: which account the rows of another belong to
            # is known to `sync_clicks` alone.
            await first.migrate(None, wait=wait)
    finally:
        await first.close()


async def sync_one(
    accounts: KitAccounts,
    target: Target,
    account_id: int,
    options: Options = DEFAULTS,
    wait: float = 0.0,
) -> AccountSync:
    """Sync one account into a prepared database (`prepare_database`); its outcome.

    Whatever Kit or the database said is the outcome, never an exception.
    """
    store = open_store(target)
    started = time.monotonic()
    try:
        with count_requests() as counter:
            await store.open()
            try:
                await store.claim(account_id, wait=wait, migrate_as=None)
                async with accounts.client(account_id) as kit:
                    name = await store.name_of()
                    if name is None:
                        # Once per account: its first sync learns its name.
                        name = (await kit.account.get()).name
                    report = await _sync_account(
                        kit, store, counter, options, name=name, started=started
                    )
            except AccountDisconnectedError as exc:
                # `sync_account` noted it; an account refused before that has
                # a row only if an earlier sync made it.
                with contextlib.suppress(SyncError):
                    await store.record_finish(describe(exc), disconnected=True)
                raise
            finally:
                await store.close()
    except SyncLockedError as exc:
        return AccountSync(account_id, "locked", error=str(exc))
    except AccountDisconnectedError as exc:
        return AccountSync(account_id, "disconnected", error=describe(exc))
    except (KitError, SyncError) as exc:
        return AccountSync(account_id, "failed", error=describe(exc))
    return AccountSync(account_id, "synced", report=report)
