"""A fleet of `kit-async worker` OS processes on arq: real redis-server, PostgreSQL, FakeKit.

FakeKit (in the test's process) serves 200 creators of 20 sent broadcasts
each; three workers keep their clicks in one PostgreSQL database. Every
account's rows are compared with FakeKit's, row by row; FakeKit's request
log (each request's account) shows what each account cost.
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
    in_flight,
    seed,
    spent,
    start_worker,
    stopped,
    synced_since,
    until_mid_sync,
    worker_env,
)
from sync_db import assert_mirrors, read
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


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _args(database: str, store: str, redis: str, *extra: str) -> list[str]:
    return [
        *["--database", database, "--token-store", store, "--redis", redis],
        *["--every", "5s", "--concurrency", "4", *extra],
    ]


def _assert_rows_exact(server: FakeKit, snapshots: dict[int, object]) -> None:
    for account_id, account in server.accounts.items():
        with server.serving(account):
            assert_mirrors(snapshots[account_id], server)  # type: ignore[arg-type]


async def _snapshots(database: str, server: FakeKit) -> dict[int, object]:
    return {account_id: await read(database, account_id) for account_id in server.accounts}


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
            await synced_since(postgres_url, ACCOUNTS, None, workers)
            first = spent(server)
            _assert_rows_exact(server, await _snapshots(postgres_url, server))
            # 10% of each account's broadcasts change.
            changed: dict[int, set[int]] = {}
            for account_id, account in server.accounts.items():
                ids = sorted(account.broadcasts)[: BROADCASTS // 10]
                for broadcast_id in ids:
                    account.add_clicks(broadcast_id, "https://example.com/changed", 3, opens=3)
                changed[account_id] = set(ids)
            since, at = len(server.requests), datetime.now(UTC)
            await synced_since(postgres_url, ACCOUNTS, at, workers)
            second = spent(server, since)
            _assert_rows_exact(server, await _snapshots(postgres_url, server))
            codes = [await stopped(worker) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    assert codes == [0, 0, 0], [(tmp_path / f"w{n}.log").read_text() for n in range(3)]
    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(3)]
    for log in logs:
        assert "Traceback" not in log
    # Each tick was scheduled by one worker of the three (arq's unique cron job id).
    ticks = Counter(re.findall(r"tick (kit-async:schedule:\d+):", "".join(logs)))
    assert len(ticks) >= 2
    assert set(ticks.values()) == {1}
    assert server.rate_limited == 0
    # Round one: each account's broadcasts fetched once, none twice (later
    # ticks found nothing changed).
    clicks = Counter({k: v for k, v in first.items() if k[1].endswith("/clicks")})
    assert len(clicks) == ACCOUNTS * BROADCASTS
    assert set(clicks.values()) == {1}
    # After the change: per account, the stats listing (once per sync that
    # ran since) and one clicks request per changed broadcast, nothing else.
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
        accounts=ACCOUNTS, broadcasts=BROADCASTS, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        server.latency = 0.005
        await seed(store, key, server)
        env = worker_env(server, key)
        args = _args(postgres_url, store, redis_url, "--job-timeout", "10")
        workers = [start_worker(env, *args, log=tmp_path / f"w{n}.log") for n in range(3)]
        try:
            victim, *others = workers
            # Once the round is under way and the victim is mid-sync.
            await until_mid_sync(tmp_path / "w0.log", victim)
            assert await stopped(victim, signal.SIGKILL) == -signal.SIGKILL
            await synced_since(postgres_url, ACCOUNTS, None, others)
            _assert_rows_exact(server, await _snapshots(postgres_url, server))
            codes = [await stopped(worker, signal.SIGINT) for worker in others]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    assert codes == [0, 0]
    assert server.rate_limited == 0
    # The victim was killed mid-sync: arq logged a job it started and never finished.
    assert in_flight(tmp_path / "w0.log")


async def _seed_only(store: str, key: str, server: FakeKit, accounts: list[int]) -> None:
    from kit_async import TokenSet
    from kit_async.oauth import open_token_store

    async with open_token_store(store, encryption_key=key) as tokens:
        for account_id in accounts:
            access, refresh = server.issue_tokens(account=account_id)
            await tokens.save(account_id, TokenSet(access, refresh, expires_in=7200))


async def test_a_new_account_starts_at_the_next_tick_and_a_disconnected_one_stops(
    postgres_url: str, redis_url: str, key: str, tmp_path: Path
) -> None:
    from kit_async.oauth import open_token_store

    store = redis_url.replace("/0", "/1")
    async with FakeKit(
        accounts=4, broadcasts=3, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        await _seed_only(store, key, server, [1, 2, 3])
        args = [
            *["--database", postgres_url, "--token-store", store, "--redis", redis_url],
            "--every=2s",
        ]
        worker = start_worker(worker_env(server, key), *args, log=tmp_path / "w.log")
        try:
            await synced_since(postgres_url, 3, None, [worker])
            async with open_token_store(store, encryption_key=key) as tokens:
                await tokens.disconnect(1, reason="revoked")
            await _seed_only(store, key, server, [4])
            at = datetime.now(UTC)
            # Account 4 joins at the next tick; 2 and 3 go on being synced.
            rows = await synced_since(postgres_url, 4, at, [worker], only=[2, 3, 4])
            # A whole round later (a job of account 1 queued before is done by then):
            since, at = len(server.requests), max(row["last_sync_finished_at"] for row in rows)
            await synced_since(postgres_url, 4, at, [worker], only=[2, 3, 4])
            code = await stopped(worker)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert code == 0
    asked = {request.account_id for request in server.requests[since:]}
    assert asked == {2, 3, 4}
    with server.serving(server.accounts[4]):
        assert_mirrors(await read(postgres_url, 4), server)


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
        accounts=30, broadcasts=BROADCASTS, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as server:
        server.latency = 0.01
        await seed(store, key, server)
        env = worker_env(server, key)
        args = _args(postgres_url, store, redis_url, "--job-timeout", "10")
        first = start_worker(env, *args, log=tmp_path / "w0.log")
        workers = [first]
        try:
            await until_mid_sync(tmp_path / "w0.log", first)
            code = await stopped(first, signal.SIGTERM)
            second = start_worker(env, *args, log=tmp_path / "w1.log")
            workers.append(second)
            await synced_since(postgres_url, 30, None, [second])
            _assert_rows_exact(server, await _snapshots(postgres_url, server))
            assert await stopped(second, signal.SIGINT) == 0
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    log = (tmp_path / "w0.log").read_text()
    assert code == 0, log
    assert "shutdown on SIGTERM" in log
    assert "Traceback" not in log
    # It was mid-sync: a job started and not finished (cancelled).
    assert in_flight(tmp_path / "w0.log")
