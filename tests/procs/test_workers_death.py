"""A worker OS process killed (SIGKILL) at the worst moments of a refresh.

- Holding the account's lock: the other workers carry on, once the lock is
  freed (at once by PostgreSQL and the file lock, which die with their
  process; after its time-to-live by Redis). No request fails.
- After Kit answered its refresh and before the new pair reached the store:
  the stored refresh token is dead at Kit (rotation), so the next refresh
  gets `invalid_grant` and the account is reported disconnected, once; no
  worker hangs or asks Kit again and again.

Every wait is bounded (procs_support.WAIT): a hang fails the test.
"""

from __future__ import annotations

import asyncio
import time

from procs_support import (
    CLIENT_SECRET,
    WAIT,
    finish,
    go,
    running,
    seed,
    stored_fingerprint,
    wait_rounds,
    worker_config,
)

from kit_async.oauth import open_token_store
from kit_async.testing import FakeKit

WORKERS = 8
LATER = 7200


async def _until_each_got_a_401(server: FakeKit, since: int, workers: int) -> None:
    """Wait until FakeKit answered `workers` requests 401 (each worker's, stuck behind it)."""

    async def waiting() -> None:
        # FakeKit records requests, and has no event to wait on.
        while sum(1 for r in server.requests[since:] if r.status == 401) < workers:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    await asyncio.wait_for(waiting(), timeout=WAIT)


async def test_a_worker_killed_holding_the_lock_stops_no_other_worker(
    store_url: str, key: str
) -> None:
    async with FakeKit(client_secret=CLIENT_SECRET) as server:
        account = server.account.id
        configs = [worker_config(store_url, key, server, [account]) for _ in range(WORKERS)]
        async with running(configs) as workers:
            holder, *others = workers
            await seed(store_url, key, server, {account: int(time.time()) + LATER})
            await holder.send("hold")
            await holder.event("held")
            await go(others)
            await wait_rounds(others, 1)
            since = len(server.requests)
            server.expire_tokens(account)
            # Each worker's next request is refused as expired, and its refresh
            # waits for the lock the holder keeps.
            await _until_each_got_a_401(server, since, len(others))
            if not store_url.startswith("redis://"):
                # (On Redis, only while the holder renewed it in time: not asserted.)
                assert server.refreshes == 0
            await holder.kill()
            await wait_rounds(others, 2)
            pairs = await finish(others)
        stored = await stored_fingerprint(store_url, key, account)

    assert [worker.failures for worker in others] == [[]] * len(others)
    assert server.refreshes == {account: 1}
    assert server.refused_refreshes == 0
    assert stored is not None
    assert pairs == [{str(account): {"held": stored, "stored": stored}}] * len(others)


async def test_a_worker_killed_between_kits_answer_and_the_save_disconnects_the_account(
    store_url: str, key: str
) -> None:
    async with FakeKit(client_secret=CLIENT_SECRET) as server:
        account = server.account.id
        configs = [
            worker_config(store_url, key, server, [account], hang_before_save=True),
            *(worker_config(store_url, key, server, [account]) for _ in range(WORKERS - 1)),
        ]
        async with running(configs) as workers:
            dying, *others = workers
            await seed(store_url, key, server, {account: int(time.time()) + LATER})
            server.expire_tokens(account)
            await go([dying])
            await dying.event("saving")
            # Kit answered the refresh: the refresh token in the store is dead there.
            assert server.refreshes == {account: 1}
            await dying.kill()
            await go(others)
            await wait_rounds(others, 3)
            pairs = await finish(others)
        async with open_token_store(store_url, encryption_key=key) as store:
            status = await store.status(account)
            loaded = await store.load(account)

    assert status == "disconnected"
    assert loaded is None
    # Every request of every other worker: refused as disconnected, nothing else.
    for worker in others:
        assert worker.requests >= 3
        assert len(worker.failures) == worker.requests
        assert {f["error"].split(":")[0] for f in worker.failures} == {"AccountDisconnectedError"}
    # One refused refresh, no second try at Kit: not a loop.
    assert server.refused_refreshes == {account: 1}
    assert server.refreshes == {account: 1}
    # The app was told once, by the worker that got Kit's invalid_grant.
    told = [event for worker in others for event in worker.named("disconnected")]
    assert told == [{"event": "disconnected", "account": account, "reason": "invalid_grant"}]
    assert pairs == [{str(account): {"held": None, "stored": None}}] * len(others)
