"""StoreAuth when the store loses a compare-and-set, cannot save, load or lock.

A refreshed pair is never lost: kept until the store has it, and no request
uses it before. Helpers in store_auth_support.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from store_auth_support import (
    ACCOUNT,
    REQUEST,
    ScriptedKit,
    auth_for,
    expired_401,
    expired_pair,
    fresh_pair,
    no_exchange,
)

from kit_async import TokenSet
from kit_async._core.store_auth import StoreAuth
from kit_async.errors import TokenStoreError
from kit_async.oauth import MemoryTokenStore


class RunOutLockStore(MemoryTokenStore):
    """A store whose lock ran out: another worker saves its pair while this one refreshes."""

    def __init__(self) -> None:
        super().__init__()
        self.intruder: TokenSet | None = None

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        if self.intruder is not None and replacing is not None:
            intruder, self.intruder = self.intruder, None
            await super().save(account_id, intruder, replacing=replacing)
        return await super().save(account_id, tokens, name=name, replacing=replacing)


async def test_a_lost_compare_and_set_adopts_the_stored_pair(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RunOutLockStore()
    await store.save(ACCOUNT, expired_pair())
    store.intruder = fresh_pair("theirs")
    kit = ScriptedKit()
    auth = auth_for(store)
    with caplog.at_level(logging.WARNING, logger="kit_async"):
        await auth.before_request(REQUEST, kit.exchange)
    assert auth.headers() == {"Authorization": "Bearer at-theirs"}
    assert await store.load(ACCOUNT) == fresh_pair("theirs")
    assert "not saved" in caplog.text
    assert "at-new1" not in caplog.text
    assert "rt-" not in caplog.text


class FlakyStore(MemoryTokenStore):
    """A store whose saves fail while `down` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.save_calls = 0

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        self.save_calls += 1
        if self.down:
            msg = f"cannot reach the database (was saving {tokens.refresh_token})"
            raise ConnectionError(msg)
        return await super().save(account_id, tokens, name=name, replacing=replacing)


async def flaky_store() -> FlakyStore:
    store = FlakyStore()
    await store.save(ACCOUNT, expired_pair())
    store.save_calls = 0
    store.down = True
    return store


async def test_a_save_outage_keeps_the_new_pair_and_saves_it_before_the_next_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = await flaky_store()
    kit = ScriptedKit()
    auth = auth_for(store)
    auth.SAVE_PAUSE = 0.0
    with pytest.raises(TokenStoreError) as caught:
        await auth.before_request(REQUEST, kit.exchange)
    assert caught.value.store == "FlakyStore"
    assert store.save_calls == StoreAuth.SAVE_ATTEMPTS  # retried while holding the lock
    for text in (str(caught.value), caplog.text):
        assert "rt-new1" not in text
        assert "at-new1" not in text
    # Still the old pair in the store; the new one is kept, unused until saved.
    assert await store.load(ACCOUNT) == expired_pair()
    assert auth.headers() == {"Authorization": "Bearer at-first"}
    with pytest.raises(TokenStoreError):  # no request is sent while it is unsaved
        await auth.before_request(REQUEST, no_exchange)

    store.down = False
    await auth.before_request(REQUEST, no_exchange)
    saved = await store.load(ACCOUNT)
    assert saved is not None
    assert saved.refresh_token == "rt-new1"
    assert auth.headers() == {"Authorization": "Bearer at-new1"}
    assert kit.refreshes == 1


async def test_a_401_while_a_pair_is_unsaved_saves_it_instead_of_refreshing_again() -> None:
    store = FlakyStore()
    await store.save(ACCOUNT, fresh_pair("first"))
    kit = ScriptedKit()
    auth = auth_for(store)
    auth.SAVE_PAUSE = 0.0
    await auth.before_request(REQUEST, no_exchange)
    in_flight = auth.headers()  # two requests sent with the first token
    store.down = True
    with pytest.raises(TokenStoreError):
        await auth.after_unauthorized(in_flight, expired_401(), kit.exchange)
    store.down = False
    # The second request comes back expired too: the pair Kit already issued
    # is saved and used; the dead refresh token is not sent again.
    assert await auth.after_unauthorized(in_flight, expired_401(), kit.exchange)
    assert auth.headers() == {"Authorization": "Bearer at-new1"}
    assert len(kit.forms) == 1
    assert await store.status(ACCOUNT) == "connected"


async def test_requests_queued_behind_a_failed_save_share_its_error() -> None:
    store = await flaky_store()
    kit = ScriptedKit()
    auth = auth_for(store)
    auth.SAVE_PAUSE = 0.0
    results = await asyncio.gather(
        *(auth.before_request(REQUEST, kit.exchange) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, TokenStoreError) for result in results)
    assert store.save_calls == StoreAuth.SAVE_ATTEMPTS
    assert kit.refreshes == 1


async def test_an_unsaved_pair_is_offered_again_when_the_client_closes() -> None:
    store = await flaky_store()
    auth = auth_for(store)
    auth.SAVE_PAUSE = 0.0
    with pytest.raises(TokenStoreError):
        await auth.before_request(REQUEST, ScriptedKit().exchange)
    store.down = False
    await auth.before_close()
    saved = await store.load(ACCOUNT)
    assert saved is not None
    assert saved.refresh_token == "rt-new1"


async def test_a_store_that_cannot_load_raises_a_kit_error_naming_it() -> None:
    class DownStore(MemoryTokenStore):
        async def load(self, account_id: int) -> TokenSet | None:
            msg = "password=hunter2 refused"
            raise OSError(msg)

    with pytest.raises(TokenStoreError) as caught:
        await auth_for(DownStore()).before_request(REQUEST, no_exchange)
    assert caught.value.store == "DownStore"
    assert "hunter2" not in str(caught.value)


async def test_a_lock_that_cannot_be_taken_raises_a_kit_error_naming_it() -> None:
    class NoLockStore(MemoryTokenStore):
        def lock(self, account_id: int) -> Any:
            raise ConnectionRefusedError

    store = NoLockStore()
    await store.save(ACCOUNT, expired_pair())
    with pytest.raises(TokenStoreError, match="lock"):
        await auth_for(store).before_request(REQUEST, no_exchange)
