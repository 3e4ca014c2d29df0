"""The token stores' locks hold across real OS processes, and a dead holder frees its lock.

Workers are separate Python processes (the small script below), as a Kit
App's workers are: they share nothing but the store.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from token_store_support import STORES
from token_store_support import store_url as _store_url

from kit_async import TokenSet, TokenStoreError
from kit_async.oauth import open_token_store

WORKERS = 3
INCREMENTS = 6
# Each wait of the test is bounded: a broken lock fails the test, never hangs it.
WAIT = 60.0

WORKER = textwrap.dedent(
    """
    import asyncio, sys

    from kit_async import TokenSet
    from kit_async.oauth import open_token_store

    async def main(url, key, mode, count, lock_ttl):
        async with open_token_store(
            url, encryption_key=key, lock_ttl=lock_ttl, lock_timeout=50
        ) as store:
            if mode == "hold":
                async with store.lock(7):
                    print("held", flush=True)
                    await asyncio.sleep(60)
                return
            for _ in range(count):
                # Read, wait, write: without the lock, workers lose updates here.
                async with store.lock(7):
                    pair = await store.load(7)
                    value = int(pair.access_token) + 1
                    await asyncio.sleep(0.02)
                    if not await store.save(7, TokenSet(str(value), f"refresh-{value}")):
                        sys.exit("save refused")

    url, key, mode, count, lock_ttl = sys.argv[1:]
    asyncio.run(main(url, key, mode, int(count), float(lock_ttl)))
    """
)


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with _store_url(request, tmp_path) as url:
        yield url


@pytest.fixture
def key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


async def _start(
    url: str, key: str, mode: str, count: int, lock_ttl: float
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        *[url, key, mode, str(count), str(lock_ttl)],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_workers_incrementing_under_the_lock_lose_no_update(store_url: str, key: str) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(7, TokenSet("0", "refresh-0"))
    workers = [await _start(store_url, key, "count", INCREMENTS, 30.0) for _ in range(WORKERS)]
    try:
        for worker in workers:
            _, err = await asyncio.wait_for(worker.communicate(), timeout=WAIT)
            assert worker.returncode == 0, err.decode()
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    async with open_token_store(store_url, encryption_key=key) as store:
        pair = await store.load(7)
    assert pair is not None
    assert pair.access_token == str(WORKERS * INCREMENTS)


async def test_a_holder_killed_with_the_lock_frees_it_for_the_others(
    store_url: str, key: str
) -> None:
    # Redis frees it when the key's time-to-live runs out; the others at once.
    lock_ttl = 3.0
    holder = await _start(store_url, key, "hold", 0, lock_ttl)
    try:
        line = await asyncio.wait_for(holder.stdout.readline(), timeout=WAIT)  # type: ignore[union-attr]
        assert line == b"held\n", (await holder.stderr.read()).decode()  # type: ignore[union-attr]
        # Held by the other process: this one cannot take it.
        async with open_token_store(store_url, encryption_key=key, lock_timeout=0.2) as store:
            with pytest.raises(TokenStoreError, match="stayed taken"):
                async with store.lock(7):
                    pass
        holder.send_signal(signal.SIGKILL)
        await asyncio.wait_for(holder.wait(), timeout=WAIT)
        async with open_token_store(store_url, encryption_key=key, lock_timeout=WAIT) as store:
            taken = False
            async with store.lock(7):
                taken = True
            assert taken
            # And released again: taken at once by the next one.
            async with store.lock(7):
                pass
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


async def test_a_living_holder_keeps_its_lock_past_the_time_to_live(
    store_url: str, key: str
) -> None:
    # Redis renews the holder's key while it holds the lock: a refresh slower
    # than lock_ttl keeps it. (The other stores' locks have no time-to-live.)
    async with (
        open_token_store(store_url, encryption_key=key, lock_ttl=0.3) as holder,
        open_token_store(store_url, encryption_key=key, lock_timeout=0.2) as other,
    ):
        async with holder.lock(7):
            await asyncio.sleep(1.0)  # over three times the time-to-live
            with pytest.raises(TokenStoreError, match="stayed taken"):
                async with other.lock(7):
                    pass
        # Released: taken at once.
        async with other.lock(7):
            pass


async def test_two_tasks_of_one_process_take_turns(store_url: str, key: str) -> None:
    inside = 0
    most = 0

    async def one(store: object) -> None:
        nonlocal inside, most
        async with store.lock(7):  # type: ignore[attr-defined]
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    async with open_token_store(store_url, encryption_key=key, lock_timeout=WAIT) as store:
        await asyncio.gather(*(one(store) for _ in range(4)))
        # Another account's lock is not this one's.
        async with store.lock(7), store.lock(8):
            pass
    assert most == 1
