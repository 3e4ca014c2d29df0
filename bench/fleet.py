"""Measure 7: a fleet of `kit-async worker` processes over 200 accounts (docs/performance.md).

Run by hand from the repository's root, with kit-async[fleet] installed and
redis-server and PostgreSQL's binaries on the machine (as the tests find them):

    python bench/fleet.py

For 1, 2 and 3 workers: the first round's time and requests (every account's
export), then the same after 2 of each account's 20 broadcasts got new clicks.
Prints one JSON line per worker count.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "helpers")]

from cryptography.fernet import Fernet  # noqa: E402
from fleet_support import (  # noqa: E402
    CLIENT_SECRET,
    seed,
    start_worker,
    stopped,
    synced_since,
    worker_env,
)
from pg import PostgresServer, find_bin_dir  # noqa: E402
from token_store_support import redis_server  # noqa: E402

from kit_async.testing import FakeKit  # noqa: E402

ACCOUNTS = 200
BROADCASTS = 20


def _span(rows: list[dict[str, Any]]) -> float:
    started = min(row["last_sync_started_at"] for row in rows)
    finished = max(row["last_sync_finished_at"] for row in rows)
    seconds: float = (finished - started).total_seconds()
    return seconds


async def measure(workers: int, database: str, tmp: Path) -> dict[str, Any]:
    """One fleet of `workers` processes: its first round and its round after a change."""
    with redis_server(tmp) as redis:
        store = redis.replace("/0", "/1")
        key = Fernet.generate_key().decode()
        async with FakeKit(
            accounts=ACCOUNTS,
            broadcasts=BROADCASTS,
            clicks=2,
            drafts=0,
            client_secret=CLIENT_SECRET,
        ) as server:
            await seed(store, key, server)
            args = [
                *["--database", database, "--token-store", store, "--redis", redis],
                *["--every", "5s", "--concurrency", "4", "--job-timeout", "120"],
            ]
            env = worker_env(server, key)
            fleet = [
                start_worker(env, *args, log=tmp / f"{workers}-{n}.log") for n in range(workers)
            ]
            try:
                first = _span(await synced_since(database, ACCOUNTS, None, fleet))
                first_requests = len(server.requests)
                for account in server.accounts.values():
                    for broadcast_id in sorted(account.broadcasts)[: BROADCASTS // 10]:
                        account.add_clicks(broadcast_id, "https://example.com/changed", 1, opens=1)
                at, since = datetime.now(UTC), len(server.requests)
                second = _span(await synced_since(database, ACCOUNTS, at, fleet))
                second_requests = len(server.requests) - since
                for worker in fleet:
                    await stopped(worker)
            finally:
                for worker in fleet:
                    if worker.poll() is None:
                        worker.kill()
                        worker.wait()
    return {
        "workers": workers,
        "first_round_s": round(first, 1),
        "first_requests": first_requests,
        "first_accounts_per_min": round(ACCOUNTS / first * 60),
        "change_round_s": round(second, 1),
        "change_requests": second_requests,
        "change_accounts_per_min": round(ACCOUNTS / second * 60),
        "rate_limited": server.rate_limited,
    }


async def main() -> None:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL's binaries are not installed")
    tmp = Path(tempfile.mkdtemp())
    with PostgresServer(bin_dir) as postgres:
        for workers in (1, 2, 3):
            database = postgres.create_database()
            print(json.dumps(await measure(workers, database, tmp)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
