"""MemoryTokenStore: the token-store protocol in one process's memory."""

from __future__ import annotations

import asyncio

from kit_async import TokenSet
from kit_async.oauth import MemoryTokenStore, TokenStore

FIRST = TokenSet(access_token="at-first", refresh_token="rt-first", expires_in=7200)
SECOND = TokenSet(access_token="at-second", refresh_token="rt-second", expires_in=7200)


def test_it_is_a_token_store() -> None:
    assert isinstance(MemoryTokenStore(), TokenStore)


async def test_a_saved_pair_is_loaded_and_the_account_connected() -> None:
    store = MemoryTokenStore()
    assert await store.status(7) is None
    assert await store.save(7, FIRST, name="Ada") is True
    assert await store.load(7) == FIRST
    assert await store.status(7) == "connected"
    assert await store.name(7) == "Ada"


async def test_saving_without_a_name_keeps_the_name() -> None:
    store = MemoryTokenStore()
    await store.save(7, FIRST, name="Ada")
    await store.save(7, SECOND)
    assert await store.name(7) == "Ada"
    assert await store.load(7) == SECOND


async def test_replacing_stores_only_over_the_pair_it_started_from() -> None:
    store = MemoryTokenStore()
    await store.save(7, FIRST)
    assert await store.save(7, SECOND, replacing="rt-first") is True
    # A worker that refreshed from the first pair too lost the race.
    late = TokenSet(access_token="at-late", refresh_token="rt-late")
    assert await store.save(7, late, replacing="rt-first") is False
    assert await store.load(7) == SECOND


async def test_replacing_an_unknown_or_disconnected_account_stores_nothing() -> None:
    store = MemoryTokenStore()
    assert await store.save(7, FIRST, replacing="rt-zero") is False
    assert await store.status(7) is None
    await store.save(8, FIRST)
    await store.disconnect(8, reason="revoked")
    assert await store.save(8, SECOND, replacing="rt-first") is False
    assert await store.status(8) == "disconnected"


async def test_disconnect_forgets_the_pair_and_a_new_save_reconnects() -> None:
    store = MemoryTokenStore()
    await store.save(7, FIRST)
    await store.disconnect(7, reason="revoked")
    assert await store.status(7) == "disconnected"
    assert await store.load(7) is None
    assert await store.connected() == []
    await store.save(7, SECOND)
    assert await store.status(7) == "connected"


async def test_connected_lists_the_connected_ids_in_ascending_order() -> None:
    store = MemoryTokenStore()
    for account_id in (30, 4, 12, 9):
        await store.save(account_id, FIRST)
    await store.disconnect(12, reason="uninstalled")
    assert list(await store.connected()) == [4, 9, 30]


async def test_the_lock_admits_one_holder_per_account_at_a_time() -> None:
    store = MemoryTokenStore()
    inside: list[str] = []
    release = asyncio.Event()

    async def hold(name: str, account_id: int) -> None:
        async with store.lock(account_id):
            inside.append(name)
            await release.wait()

    first = asyncio.create_task(hold("a", 7))
    second = asyncio.create_task(hold("b", 7))
    other = asyncio.create_task(hold("c", 8))
    for _ in range(5):
        await asyncio.sleep(0)
    assert sorted(inside) == ["a", "c"]
    release.set()
    await asyncio.gather(first, second, other)
    assert sorted(inside) == ["a", "b", "c"]


async def test_repr_shows_no_token_and_aclose_is_idempotent() -> None:
    store = MemoryTokenStore()
    await store.save(7, FIRST)
    assert "at-first" not in repr(store)
    assert "rt-first" not in repr(store)
    await store.aclose()
    await store.aclose()
    assert await store.load(7) == FIRST
