"""A fleet of `kit-async worker` OS processes on arq: real redis-server, PostgreSQL, FakeKit.

FakeKit (in the test's process) serves 200 creators of 20 sent broadcasts
each; three workers keep their clicks in one PostgreSQL database. Every
account's rows are compared with FakeKit's, row by row; FakeKit's request
log (each request's account) shows what each account cost. The tests of a
worker's stop, death and ticks need no 200 accounts: they use a few, of
fewer broadcasts, to spend less of CI's time.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fleet_support import (
    CLIENT_SECRET,
    account_rows,
    enqueue_round,
    in_flight,
    seed,
    spent,
    start_worker,
    stopped,
    synced_since,
    until_mid_sync,
    worker_env,
)
from sync_db import Snapshot, assert_mirrors, read, read_all
from token_store_support import redis_server

from kit_async.testing import FakeKit

pytestmark = [
    pytest.mark.requires_extra("fleet"),
    pytest.mark.requires_extra("postgres"),
    pytest.mark.requires_extra("apps"),
    pytest.mark.postgres,
]

ACCOUNTS = 200
BROADCASTS = 20
#: The accounts, and their sent broadcasts, of the tests of a stop and a death.
FEW = 24
SMALL = 10
#: FakeKit's answers while a test waits for a worker to be mid-sync: each
#: sync then lasts a few tenths of a second at least, so that the worker is
#: still in it when the signal comes.
SLOW = 0.1


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _args(database: str, store: str, redis: str, *extra: str, every: str = "1h") -> list[str]:
    # Rounds come when a test enqueues them (as an app does an account it
    # connects), and ticks are hourly: each round is one sync per account. (A
    # tick within a test, rare, only adds syncs of no change, which every
    # check allows.)
    return [
        *["--database", database, "--token-store", store, "--redis", redis],
        *["--every", every, "--concurrency", "4", *extra],
    ]


def _assert_rows_exact(server: FakeKit, snapshots: dict[int, Snapshot]) -> None:
    for account_id, account in server.accounts.items():
        with server.serving(account):
            assert_mirrors(snapshots.get(account_id, Snapshot({}, {})), server)


async def _in_redis(redis_url: str) -> tuple[list[str], set[str]]:
    """The sync jobs arq has marked in progress, and those in its queue (no tick)."""
    from arq.connections import create_pool

    from kit_async.fleet._worker import redis_settings

    pool = await create_pool(redis_settings(redis_url))
    try:
        marked = [key.decode() for key in await pool.keys("arq:in-progress:kit-async:sync:*")]
        queued = {job.decode() for job in await pool.zrange("arq:queue", 0, -1)}
        queued = {job for job in queued if job.startswith("kit-async:sync:")}
    finally:
        await pool.aclose()
    return marked, queued


async def test_three_workers_mirror_200_accounts_and_then_fetch_only_the_changes(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    store = redis_url.replace("/0", "/1")
    async with FakeKit(
        accounts=ACCOUNTS, broadcasts=BROADCASTS, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        await seed(store, key, server)
        env = worker_env(server, key)
        args = _args(postgres_url, store, redis_url, "--job-timeout", "60")
        workers = [start_worker(env, *args, log=tmp_path / f"w{n}.log") for n in range(3)]
        try:
            await enqueue_round(redis_url, list(server.accounts))
            await synced_since(postgres_url, ACCOUNTS, None, workers)
            first = spent(server)
            _assert_rows_exact(server, await read_all(postgres_url))
            # 10% of each account's broadcasts change.
            changed: dict[int, set[int]] = {}
            for account_id, account in server.accounts.items():
                ids = sorted(account.broadcasts)[: BROADCASTS // 10]
                for broadcast_id in ids:
                    account.add_clicks(broadcast_id, "https://example.com/changed", 3, opens=3)
                changed[account_id] = set(ids)
            since, at = len(server.requests), datetime.now(UTC)
            await enqueue_round(redis_url, list(server.accounts))
            await synced_since(postgres_url, ACCOUNTS, at, workers)
            second = spent(server, since)
            _assert_rows_exact(server, await read_all(postgres_url))
            codes = list(await asyncio.gather(*(stopped(worker) for worker in workers)))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(3)]
    assert codes == [0, 0, 0], logs
    for log in logs:
        assert "Traceback" not in log
    # The three took part.
    assert all("→ kit-async:sync:" in log for log in logs)
    assert server.rate_limited == 0
    # Round one: each account's broadcasts fetched once, none twice.
    clicks = Counter({k: v for k, v in first.items() if k[1].endswith("/clicks")})
    assert len(clicks) == ACCOUNTS * BROADCASTS
    assert set(clicks.values()) == {1}
    # After the change: per account, the stats listing and one clicks request
    # per changed broadcast, nothing else.
    for account_id in server.accounts:
        mine = {path: n for (owner, path), n in second.items() if owner == account_id}
        wanted = {f"/v4/broadcasts/{b}/clicks" for b in changed[account_id]}
        assert {p: n for p, n in mine.items() if p.endswith("/clicks")} == dict.fromkeys(
            wanted, 1
        ), account_id
        assert set(mine) - wanted == {"/v4/broadcasts/stats"}, account_id
    rows = await account_rows(postgres_url)
    assert [(row["status"], row["last_error"]) for row in rows] == [("connected", None)] * ACCOUNTS


async def test_a_worker_killed_mid_round_leaves_the_round_to_the_others(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    store = redis_url.replace("/0", "/1")
    async with FakeKit(
        accounts=FEW, broadcasts=SMALL, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        await seed(store, key, server)
        env = worker_env(server, key)
        # A killed worker's jobs are taken over 5 + 10 s after they started.
        args = _args(postgres_url, store, redis_url, "--job-timeout", "5")
        await enqueue_round(redis_url, list(server.accounts))
        server.latency = SLOW
        victim = start_worker(env, *args, log=tmp_path / "w0.log")
        workers = [victim]
        try:
            # Once the round is under way and the victim is mid-sync.
            await until_mid_sync(tmp_path / "w0.log", victim)
            assert await stopped(victim, signal.SIGKILL) == -signal.SIGKILL
            server.latency = 0.0
            held, _ = await _in_redis(redis_url)
            others = [start_worker(env, *args, log=tmp_path / f"w{n}.log") for n in (1, 2)]
            workers += others
            await synced_since(postgres_url, FEW, None, others)
            _assert_rows_exact(server, await read_all(postgres_url))
            codes = list(await asyncio.gather(*(stopped(w, signal.SIGINT) for w in others)))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    assert codes == [0, 0]
    assert server.rate_limited == 0
    # The victim was killed mid-sync: arq logged a job it started and never
    # finished, and Redis held its mark; another worker ran that job again.
    # (Redis may also hold the mark of a job it was just taking, not logged yet.)
    killed = in_flight(tmp_path / "w0.log")
    assert killed
    taken = {mark.removeprefix("arq:in-progress:") for mark in held}
    assert set(killed) <= taken
    later = (tmp_path / "w1.log").read_text() + (tmp_path / "w2.log").read_text()
    for job in taken:
        assert f"← {job}:" in later


async def _seed_only(store: str, key: str, server: FakeKit, accounts: list[int]) -> None:
    from kit_async import TokenSet
    from kit_async.oauth import open_token_store

    async with open_token_store(store, encryption_key=key) as tokens:
        for account_id in accounts:
            access, refresh = server.issue_tokens(account=account_id)
            await tokens.save(account_id, TokenSet(access, refresh, expires_in=7200))


async def test_ticks_are_scheduled_once_a_new_account_joins_and_a_disconnected_one_stops(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    from kit_async.oauth import open_token_store

    store = redis_url.replace("/0", "/1")
    async with FakeKit(
        accounts=4, broadcasts=3, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        await _seed_only(store, key, server, [1, 2, 3])
        args = _args(postgres_url, store, redis_url, every="1s")
        env = worker_env(server, key)
        workers = [start_worker(env, *args, log=tmp_path / f"w{n}.log") for n in range(2)]
        try:
            await synced_since(postgres_url, 3, None, workers)
            async with open_token_store(store, encryption_key=key) as tokens:
                await tokens.disconnect(1, reason="revoked")
            await _seed_only(store, key, server, [4])
            at = datetime.now(UTC)
            # Account 4 joins at the next tick; 2 and 3 go on being synced.
            rows = await synced_since(postgres_url, 4, at, workers, only=[2, 3, 4])
            # A whole round later (a job of account 1 queued before is done by then):
            since, at = len(server.requests), max(row["last_sync_finished_at"] for row in rows)
            await synced_since(postgres_url, 4, at, workers, only=[2, 3, 4])
            codes = list(await asyncio.gather(*(stopped(worker) for worker in workers)))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    logs = "".join((tmp_path / f"w{n}.log").read_text() for n in range(2))
    assert codes == [0, 0], logs
    asked = {request.account_id for request in server.requests[since:]}
    assert asked == {2, 3, 4}
    with server.serving(server.accounts[4]):
        assert_mirrors(await read(postgres_url, 4), server)
    # Each tick was scheduled by one worker of the two (arq's unique cron job id).
    ticks = Counter(re.findall(r"tick (kit-async:schedule:\d+):", logs))
    assert len(ticks) >= 2
    assert set(ticks.values()) == {1}


async def test_a_worker_of_an_empty_token_store_says_so_and_stops_on_sigterm(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    store = redis_url.replace("/0", "/1")
    async with FakeKit(client_secret=CLIENT_SECRET) as server:
        args = [
            *["--database", postgres_url, "--token-store", store, "--redis", redis_url],
            "--every=1s",
        ]
        log = tmp_path / "w.log"
        worker = start_worker(worker_env(server, key), *args, log=log)
        try:
            for _ in range(600):
                if "no connected account yet" in log.read_text() and "kit-async:schedule" in (
                    log.read_text()
                ):
                    break
                assert worker.poll() is None, log.read_text()
                await asyncio.sleep(0.1)
            code = await stopped(worker)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert code == 0, log.read_text()
    assert "no connected account yet" in log.read_text()
    assert "Traceback" not in log.read_text()
    assert server.requests == []


async def test_sigterm_mid_round_stops_a_worker_cleanly_and_the_next_one_finishes_exactly(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    store = redis_url.replace("/0", "/1")
    async with FakeKit(
        accounts=FEW, broadcasts=SMALL, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        await seed(store, key, server)
        env = worker_env(server, key)
        # The default --job-timeout: a job left marked in progress would be
        # held 610 s, far past the test's wait.
        args = _args(postgres_url, store, redis_url)
        await enqueue_round(redis_url, list(server.accounts))
        server.latency = SLOW
        first = start_worker(env, *args, log=tmp_path / "w0.log")
        workers = [first]
        try:
            await until_mid_sync(tmp_path / "w0.log", first)
            code = await stopped(first, signal.SIGTERM)
            # Its jobs are back in the queue, none left marked in progress.
            marked, queued = await _in_redis(redis_url)
            assert code == 0, (tmp_path / "w0.log").read_text()
            assert marked == []
            server.latency = 0.0
            second = start_worker(env, *args, log=tmp_path / "w1.log")
            workers.append(second)
            await synced_since(postgres_url, FEW, None, [second])
            _assert_rows_exact(server, await read_all(postgres_url))
            assert await stopped(second, signal.SIGINT) == 0
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    log = (tmp_path / "w0.log").read_text()
    assert "shutdown on SIGTERM" in log
    assert "Traceback" not in log
    # It was mid-sync: jobs started and not finished (cancelled), each back in the queue.
    cancelled = in_flight(tmp_path / "w0.log")
    assert cancelled
    finished = set(re.findall(r"← (kit-async:sync:\d+):", log))
    assert set(cancelled) <= queued
    assert queued | finished == {f"kit-async:sync:{a}" for a in server.accounts}
