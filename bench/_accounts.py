"""Scale of the account pool (`bench/run.py`, measure 6): many accounts, each used once.

One `KitAccounts` over a `MemoryTokenStore` seeded with a pair for each of the
server's accounts (FakeKit with that many creators, in its own process); each
account sends one `GET /v4/account`, `concurrency` at a time. Measured in this
process, with psutil:

- RSS growth: after a warm-up request and `gc.collect()` (the store already
  seeded, so only the pool's own cost counts) to the end of the run, after
  `gc.collect()`, the pool still open; and the peak sampled during the run;
- the most TCP sockets and file descriptors the process had open, sampled
  every 10 ms during the run;
- what the pool still holds at the end (whole states, and accounts kept only
  as the times of their requests in Kit's window).

Prints one JSON line. Usage: `python bench/_accounts.py '{"url": ..., "tokens_file": ...}'`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

import kit_async
from kit_async.oauth import MemoryTokenStore


def _sockets(process: psutil.Process) -> int:
    listing = getattr(process, "net_connections", None) or process.connections
    return len(listing(kind="inet"))


async def main(o: dict[str, Any], tokens: list[list[Any]]) -> dict[str, Any]:
    store = MemoryTokenStore()
    for account_id, access, refresh in tokens:
        await store.save(account_id, kit_async.TokenSet(access, refresh, expires_in=7200))
    ids = [account_id for account_id, _, _ in tokens]
    process = psutil.Process()
    errors = 0
    async with kit_async.KitAccounts(
        token_store=store,
        client_id=o["client_id"],
        base_url=o["url"],
        connection_limit=o["connection_limit"],
    ) as accounts:
        # Warm-up: the first request loads the code every later one uses.
        await accounts.client(ids[0]).account.get()
        gc.collect()
        before = process.memory_info().rss
        peak_rss, most_sockets, most_fds = before, 0, 0
        running = True

        async def sample() -> None:
            nonlocal peak_rss, most_sockets, most_fds
            while running:
                peak_rss = max(peak_rss, process.memory_info().rss)
                most_sockets = max(most_sockets, _sockets(process))
                most_fds = max(most_fds, process.num_fds())
                await asyncio.sleep(0.01)

        queue = iter(ids[1:])

        async def worker() -> None:
            # A few workers pulling ids, not a task per account: the
            # benchmark's own memory stays out of the figure.
            nonlocal errors
            for account_id in queue:
                try:
                    await accounts.client(account_id).request("GET", "/v4/account")
                except kit_async.KitError:
                    errors += 1

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(o["concurrency"])))
        wall = time.perf_counter() - started
        running = False
        await sampler
        gc.collect()
        after = process.memory_info().rss
        held = {
            "held_accounts": accounts.held_accounts,
            "whole_states": len(accounts._live),
            "kept_as_request_times": len(accounts._cold),
        }
    return {
        **o,
        "accounts": len(ids),
        "requests": len(ids) - 1,
        "errors": errors,
        "wall_seconds": wall,
        "rss_before_bytes": before,
        "growth_bytes": after - before,
        "peak_growth_bytes": peak_rss - before,
        "most_sockets": most_sockets,
        "most_fds": most_fds,
        **held,
    }


if __name__ == "__main__":
    options = json.loads(sys.argv[1])
    pairs = json.loads(Path(options["tokens_file"]).read_text())
    print(json.dumps(asyncio.run(main(options, pairs))))
