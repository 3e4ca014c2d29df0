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
    seed,
    spent,
    start_worker,
    stopped,
    synced_since,
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
    for n in range(3):
        assert "Traceback" not in (tmp_path / f"w{n}.log").read_text()
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
            # Once the round is under way (some accounts done, victim's jobs running).
            while (
                sum(1 for r in await account_rows(postgres_url) if r["last_sync_finished_at"]) < 20
            ):
                assert all(w.poll() is None for w in workers)
                await asyncio.sleep(0.2)
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
    # The victim was killed mid-sync: arq logged jobs it started and never finished.
    log = (tmp_path / "w0.log").read_text()
    started = set(re.findall(r"→ (kit-async:sync:\d+):", log))
    ended = set(re.findall(r"← (kit-async:sync:\d+):", log))
    assert started - ended, log[-2000:]
