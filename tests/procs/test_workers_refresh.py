"""Eight worker OS processes share one token store: one refresh per expiry, no request lost.

Each worker (tests/helpers/procs_worker.py) is a Python process of its own,
with its own `KitAccounts`, sharing nothing with the others but the store (SQLite
file, PostgreSQL, Redis: each started by the fixtures) and FakeKit's URL.
FakeKit runs in the test's event loop and counts each account's refreshes.
"""

from __future__ import annotations

import time

from procs_support import (
    CLIENT_SECRET,
    finish,
    go,
    refreshed,
    running,
    seed,
    stored_fingerprint,
    stored_fingerprints,
    wait_rounds,
    worker_config,
)

from kit_async._core.auth import EXPIRY_MARGIN
from kit_async.testing import FakeKit

WORKERS = 8
ACCOUNTS = 50
#: Far enough ahead that no client refreshes before Kit says the token expired.
LATER = 7200


async def test_workers_refresh_an_account_expiring_mid_run_once_per_expiry(
    store_url: str, key: str
) -> None:
    expiries = 2
    async with FakeKit(client_secret=CLIENT_SECRET) as server:
        account = server.account.id
        configs = [worker_config(store_url, key, server, [account]) for _ in range(WORKERS)]
        async with running(configs) as workers:
            await seed(store_url, key, server, {account: int(time.time()) + LATER})
            await go(workers)
            await wait_rounds(workers, 2)
            for _ in range(expiries):
                # While every worker makes requests: each next one gets Kit's 401 "expired".
                server.expire_tokens(account)
                await wait_rounds(workers, 2)
            pairs = await finish(workers)
        stored = await stored_fingerprint(store_url, key, account)

    assert [worker.failures for worker in workers] == [[]] * WORKERS
    assert server.refreshes == {account: expiries}
    assert server.refused_refreshes == 0
    assert stored is not None
    assert pairs == [{str(account): {"held": stored, "stored": stored}}] * WORKERS


async def test_workers_refresh_fifty_accounts_with_staggered_expiries_once_each(
    store_url: str, key: str
) -> None:
    async with FakeKit(client_secret=CLIENT_SECRET, accounts=ACCOUNTS, broadcasts=1) as server:
        ids = sorted(server.accounts)
        # 50 requests at once per worker: on PostgreSQL, a connection for each
        # account lock waited for once exhausted the server's 100 connections.
        configs = [
            worker_config(store_url, key, server, ids, concurrency=50) for _ in range(WORKERS)
        ]
        async with running(configs) as workers:
            # Each pair falls due (to the clients, refreshing ahead of expiry) one,
            # two or three seconds from now: a third of the accounts each second.
            now = int(time.time())
            due = {account: now + 1 + number % 3 for number, account in enumerate(ids)}
            await seed(
                store_url,
                key,
                server,
                {account: when + int(EXPIRY_MARGIN) for account, when in due.items()},
            )
            await go(workers)
            # One worker refreshes each pair as it falls due, the others adopt it.
            await refreshed(server, dict.fromkeys(ids, 1))
            # Then Kit expires every fifth account's token (401 "expired"), in two waves.
            again = ids[::5]
            for wave in (again[::2], again[1::2]):
                for account in wave:
                    server.expire_tokens(account)
                await refreshed(server, dict.fromkeys(wave, 2))
            # Each worker's last round starts now, after every refresh.
            pairs = await finish(workers)
        stored = await stored_fingerprints(store_url, key, ids)

    assert [worker.failures for worker in workers] == [[]] * WORKERS
    assert server.refreshes == {account: 2 if account in again else 1 for account in ids}
    assert server.refused_refreshes == 0
    assert None not in stored.values()
    assert (
        pairs
        == [{str(account): {"held": pair, "stored": pair} for account, pair in stored.items()}]
        * WORKERS
    )


async def test_a_refresh_answered_after_the_locks_time_to_live_loses_no_pair(
    store_url: str, key: str
) -> None:
    # Kit's answer reaches the refreshing worker three lock_ttl later (Redis's
    # lock must outlive a slow refresh while its holder lives).
    lock_ttl = 1.0
    async with FakeKit(client_secret=CLIENT_SECRET) as server:
        account = server.account.id
        configs = [
            worker_config(
                store_url, key, server, [account], lock_ttl=lock_ttl, late_token_answer=3 * lock_ttl
            ),
            *(
                worker_config(store_url, key, server, [account], lock_ttl=lock_ttl)
                for _ in range(3)
            ),
        ]
        async with running(configs) as workers:
            slow, *others = workers
            await seed(store_url, key, server, {account: int(time.time()) + LATER})
            server.expire_tokens(account)
            await go([slow])
            # Kit has rotated the pair; its answer is on the way to `slow`.
            await slow.event("answered")
            await go(others)
            await wait_rounds(workers, 2)
            pairs = await finish(workers)
        stored = await stored_fingerprint(store_url, key, account)

    assert [worker.failures for worker in workers] == [[]] * len(workers)
    assert server.refreshes == {account: 1}
    assert server.refused_refreshes == 0
    assert stored is not None
    assert pairs == [{str(account): {"held": stored, "stored": stored}}] * len(workers)
