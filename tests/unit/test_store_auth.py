"""StoreAuth: an account's pair from a shared token store, refreshed once across workers.

Each `StoreAuth` here stands for one worker process: two of them on one
`MemoryTokenStore` are two workers sharing a store (see store_auth_support).
"""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
from collections.abc import Mapping

import pytest
from store_auth_support import (
    ACCOUNT,
    REQUEST,
    ScriptedKit,
    auth_for,
    expired_401,
    expired_pair,
    fresh_pair,
    invalid_401,
    no_exchange,
    stored,
)

from kit_async import AccountDisconnectedError, AuthenticationError, KitError, TokenSet
from kit_async._core.ratelimit import credential_key
from kit_async._core.values import Reply
from kit_async.oauth import MemoryTokenStore

# -- loading ------------------------------------------------------------------


async def test_the_pair_is_loaded_from_the_store_before_the_first_request() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    auth = auth_for(store)
    assert auth.headers() == {}
    await auth.before_request(REQUEST, no_exchange)
    assert auth.headers() == {"Authorization": "Bearer at-first"}
    assert auth.key == credential_key("at-first")


async def test_an_unknown_account_is_refused_without_asking_kit() -> None:
    auth = auth_for(MemoryTokenStore())
    with pytest.raises(AccountDisconnectedError) as caught:
        await auth.before_request(REQUEST, no_exchange)
    assert caught.value.account_id == ACCOUNT
    assert caught.value.reason == "unknown account"
    assert isinstance(caught.value, KitError)
    assert auth.headers() == {}


async def test_a_disconnected_account_is_refused_without_asking_kit() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    await store.disconnect(ACCOUNT, reason="revoked")
    with pytest.raises(AccountDisconnectedError) as caught:
        await auth_for(store).before_request(REQUEST, no_exchange)
    assert caught.value.reason == "disconnected"


async def test_an_account_connected_again_is_used_again() -> None:
    store = MemoryTokenStore()
    auth = auth_for(store)
    with pytest.raises(AccountDisconnectedError):
        await auth.before_request(REQUEST, no_exchange)
    await store.save(ACCOUNT, fresh_pair("second"))
    await auth.before_request(REQUEST, no_exchange)
    assert auth.headers() == {"Authorization": "Bearer at-second"}


# -- refreshing once ------------------------------------------------------------


async def test_a_due_pair_is_refreshed_and_saved_before_the_request() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit()
    auth = auth_for(store)
    await auth.before_request(REQUEST, kit.exchange)
    assert kit.refreshes == 1
    assert kit.forms == [
        {
            "grant_type": "refresh_token",
            "refresh_token": "rt-first",
            "client_id": "client-123",
            "client_secret": "app-secret",
        }
    ]
    assert auth.headers() == {"Authorization": "Bearer at-new1"}
    saved = await store.load(ACCOUNT)
    assert saved is not None
    assert (saved.access_token, saved.refresh_token) == ("at-new1", "rt-new1")
    assert auth.key == credential_key("at-new1")


async def test_a_pair_another_worker_refreshed_is_adopted_without_asking_kit() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit()
    first_worker, second_worker = auth_for(store), auth_for(store)
    # Both load the expired pair; the first refreshes it ...
    await asyncio.gather(
        first_worker.before_request(REQUEST, kit.exchange),
        second_worker.before_request(REQUEST, no_exchange),
    )
    # ... and the second, next in the lock, finds the new pair in the store.
    assert second_worker.headers() == {"Authorization": "Bearer at-new1"}
    assert len(kit.forms) == 1


async def test_a_worker_holding_the_old_pair_adopts_the_new_one_at_expiry() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    first_worker, second_worker = auth_for(store), auth_for(store)
    await first_worker.before_request(REQUEST, no_exchange)
    await second_worker.before_request(REQUEST, no_exchange)
    kit = ScriptedKit()
    # Kit says the token expired: the first worker refreshes, the second adopts.
    assert await first_worker.after_unauthorized(
        first_worker.headers(), expired_401(), kit.exchange
    )
    assert await second_worker.after_unauthorized(
        second_worker.headers(), expired_401(), no_exchange
    )
    assert first_worker.headers() == second_worker.headers() == {"Authorization": "Bearer at-new1"}
    assert len(kit.forms) == 1


async def test_twenty_concurrent_requests_on_two_workers_share_one_refresh() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit()
    workers = [auth_for(store), auth_for(store)]
    await asyncio.gather(*(workers[i % 2].before_request(REQUEST, kit.exchange) for i in range(20)))
    assert len(kit.forms) == 1  # one POST to Kit, not one per worker
    assert {w.headers()["Authorization"] for w in workers} == {"Bearer at-new1"}


async def test_one_auth_serves_several_clients_in_several_tasks() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit()
    auth = auth_for(store)
    await asyncio.gather(*(auth.before_request(REQUEST, kit.exchange) for _ in range(20)))
    assert len(kit.forms) == 1


# -- disconnected -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["function", "coroutine"])
async def test_invalid_grant_disconnects_the_account_and_tells_the_app(kind: str) -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    told: list[tuple[int, str]] = []

    def plain(account_id: int, reason: str) -> None:
        told.append((account_id, reason))

    async def coroutine(account_id: int, reason: str) -> None:
        await asyncio.sleep(0)
        told.append((account_id, reason))

    kit = ScriptedKit(valid_refresh="rt-someone-else")
    auth = auth_for(store, on_disconnected=plain if kind == "function" else coroutine)
    with pytest.raises(AccountDisconnectedError) as caught:
        await auth.before_request(REQUEST, kit.exchange)
    assert caught.value.reason == "invalid_grant"
    assert told == [(ACCOUNT, "invalid_grant")]
    assert await store.status(ACCOUNT) == "disconnected"
    assert await store.load(ACCOUNT) is None
    # Later requests are refused without asking Kit again.
    with pytest.raises(AccountDisconnectedError):
        await auth.before_request(REQUEST, no_exchange)
    assert told == [(ACCOUNT, "invalid_grant")]


async def test_concurrent_requests_share_one_disconnection() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    told: list[str] = []
    kit = ScriptedKit(valid_refresh="rt-someone-else")
    auth = auth_for(store, on_disconnected=lambda _, reason: told.append(reason))
    results = await asyncio.gather(
        *(auth.before_request(REQUEST, kit.exchange) for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(result, AccountDisconnectedError) for result in results)
    assert len(kit.forms) == 1
    assert told == ["invalid_grant"]


async def test_a_failing_on_disconnected_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = await stored(MemoryTokenStore(), expired_pair())

    def broken(account_id: int, reason: str) -> None:
        raise RuntimeError("the app's database is down")

    auth = auth_for(store, on_disconnected=broken)
    with pytest.raises(AccountDisconnectedError):
        await auth.before_request(REQUEST, ScriptedKit(valid_refresh="nope").exchange)
    assert "on_disconnected raised RuntimeError" in caplog.text


async def test_invalid_grant_after_another_worker_saved_adopts_their_pair() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit()

    async def exchange(url: str, form: Mapping[str, str]) -> Reply:
        # Another worker, whose lock had run out, refreshed first.
        reply = await kit.exchange(url, form)
        body = json.loads(reply.body)
        await store.save(
            ACCOUNT,
            TokenSet(access_token=body["access_token"], refresh_token=body["refresh_token"]),
        )
        return await kit.exchange(url, form)  # this worker's own: invalid_grant

    auth = auth_for(store)
    await auth.before_request(REQUEST, exchange)
    assert auth.headers() == {"Authorization": "Bearer at-new1"}
    assert await store.status(ACCOUNT) == "connected"


async def test_a_refused_client_is_not_a_disconnected_account() -> None:
    store = await stored(MemoryTokenStore(), expired_pair())
    kit = ScriptedKit(valid_refresh="nope", status=401)  # invalid_client
    with pytest.raises(AuthenticationError) as caught:
        await auth_for(store).before_request(REQUEST, kit.exchange)
    assert not isinstance(caught.value, AccountDisconnectedError)
    assert await store.status(ACCOUNT) == "connected"


async def test_a_401_that_is_not_expired_disconnects_when_the_store_has_nothing_newer() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    told: list[str] = []
    auth = auth_for(store, on_disconnected=lambda _, reason: told.append(reason))
    await auth.before_request(REQUEST, no_exchange)
    with pytest.raises(AccountDisconnectedError) as caught:
        await auth.after_unauthorized(auth.headers(), invalid_401(), no_exchange)
    assert caught.value.reason == "revoked"
    assert told == ["revoked"]
    assert await store.status(ACCOUNT) == "disconnected"


async def test_a_401_that_is_not_expired_adopts_a_newer_stored_pair() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    auth = auth_for(store)
    await auth.before_request(REQUEST, no_exchange)
    await store.save(ACCOUNT, fresh_pair("second"), replacing="rt-first")
    assert await auth.after_unauthorized(auth.headers(), invalid_401(), no_exchange)
    assert auth.headers() == {"Authorization": "Bearer at-second"}
    assert await store.status(ACCOUNT) == "connected"


# -- secrets ------------------------------------------------------------------------


async def test_repr_and_pickle_show_no_token_or_secret() -> None:
    store = await stored(MemoryTokenStore(), fresh_pair("first"))
    auth = auth_for(store)
    await auth.before_request(REQUEST, no_exchange)
    assert "at-first" not in repr(auth)
    assert "app-secret" not in repr(auth)
    assert str(ACCOUNT) in repr(auth)
    for clone in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled"):
            clone(auth)
