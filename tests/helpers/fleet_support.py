"""The test's side of a fleet: `kit-async worker` OS processes, the accounts' rows, the requests."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from kit_async import TokenSet
from kit_async.oauth import open_token_store
from kit_async.testing import FakeKit

#: The bound on every wait of the test for its workers (seconds).
WAIT = 150.0
#: How often a test looks at the database or a log while it waits (seconds).
POLL = 0.2
CLIENT_SECRET = "fleet-app-secret"
ROOT = Path(__file__).resolve().parents[2]


def worker_env(server: FakeKit, key: str) -> dict[str, str]:
    """A worker's environment: the app's credentials and the store's key, never in argv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIT_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        KIT_CLIENT_ID=server.client_id,
        KIT_CLIENT_SECRET=CLIENT_SECRET,
        KIT_TOKEN_STORE_KEY=key,
        KIT_BASE_URL=server.url,
    )
    return env


def start_worker(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    """`python -m kit_async worker ARGS`, its output into `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "kit_async", "worker", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def stopped(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    """Send `sig`; its exit code, waited for at most `WAIT`."""
    if process.poll() is None:
        process.send_signal(sig)
    return await asyncio.to_thread(process.wait, WAIT)


async def seed(store_url: str, key: str, server: FakeKit) -> None:
    """Connect every account of `server`: a pair it issued, saved in the store."""
    async with open_token_store(store_url, encryption_key=key) as store:
        for account_id, account in server.accounts.items():
            access, refresh = server.issue_tokens(account=account)
            pair = TokenSet(access, refresh, expires_in=7200)
            await store.save(account_id, pair, name=account.name)


async def account_rows(database: str, db: Any = None) -> list[dict[str, Any]]:
    """The `accounts` table of a PostgreSQL sync database (none yet: no row).

    On the asyncpg connection `db` if given, else on a connection of its own.
    """
    import asyncpg

    if db is None:
        own = await asyncpg.connect(database)
        try:
            return await account_rows(database, own)
        finally:
            await own.close()
    if await db.fetchval("SELECT to_regclass('accounts')") is None:
        return []
    return [dict(row) for row in await db.fetch("SELECT * FROM accounts ORDER BY id")]


async def synced_since(
    database: str,
    accounts: int,
    since: datetime | None,
    workers: list[subprocess.Popen[bytes]],
    *,
    only: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Wait (at most `WAIT`) until each account's sync started after `since` finished.

    `accounts` rows in all; `only` those accounts need to have been synced
    (default: every one). Returns the rows of those.
    """
    import asyncpg

    def done(row: dict[str, Any]) -> bool:
        started, finished = row["last_sync_started_at"], row["last_sync_finished_at"]
        return (
            started is not None
            and finished is not None
            and finished >= started
            and (since is None or started > since)
        )

    async def waiting(db: Any) -> list[dict[str, Any]]:
        while True:
            rows = await account_rows(database, db)
            wanted = [row for row in rows if only is None or row["id"] in only]
            if len(rows) == accounts and all(done(row) for row in wanted):
                return wanted
            if all(worker.poll() is not None for worker in workers):
                msg = "every worker ended"
                raise AssertionError(msg)
            await asyncio.sleep(POLL)

    # One connection for the whole wait: a new one at each look costs the
    # server a process (and the machine its CPU) each time.
    db = await asyncpg.connect(database)
    try:
        return await asyncio.wait_for(waiting(db), timeout=WAIT)
    except TimeoutError:
        rows = await account_rows(database)
        msg = f"not synced within {WAIT:g} s: {sum(1 for r in rows if done(r))} of {accounts}"
        raise AssertionError(msg) from None
    finally:
        await db.close()


async def enqueue_round(redis_url: str, account_ids: list[int]) -> None:
    """A round, now: a sync of each account, as an app enqueues an account it connects.

    An account whose sync is already queued or running (a tick's, say) gets
    its own once that one is over, so that each account's round starts now.
    """
    from kit_async.fleet import enqueue_account_sync

    async def one(account_id: int) -> None:
        while True:
            if await enqueue_account_sync(redis_url, account_id):
                return
            await asyncio.sleep(POLL)

    await asyncio.wait_for(asyncio.gather(*(one(a) for a in account_ids)), WAIT)


def spent(server: FakeKit, since: int = 0) -> Counter[tuple[int | None, str]]:
    """How many requests each (account, path) got since request number `since`."""
    return Counter((request.account_id, request.path) for request in server.requests[since:])


def in_flight(log: Path) -> Counter[str]:
    """The sync jobs a worker's log shows started and not finished (arq's → and ← lines)."""
    text = log.read_text(errors="replace")
    started = Counter(re.findall(r"→ (kit-async:sync:\d+):", text))
    ended = Counter(re.findall(r"← (kit-async:sync:\d+):", text))
    return started - ended


async def until_mid_sync(log: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait (at most `WAIT`) until the worker writing `log` is in the middle of a sync."""

    async def waiting() -> None:
        while not await asyncio.to_thread(in_flight, log):
            assert process.poll() is None, "the worker ended before any sync"
            await asyncio.sleep(0.01)

    await asyncio.wait_for(waiting(), timeout=WAIT)
