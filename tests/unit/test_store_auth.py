"""StoreAuth: an account's pair from a shared token store, refreshed once across workers.

Each `StoreAuth` here stands for one worker process: two of them on one
`MemoryTokenStore` are two workers sharing a store. Kit's token endpoint is a
scripted `exchange` that rotates refresh tokens as Kit does.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import pickle
import time
from collections.abc import Mapping
from typing import Any

import pytest

from kit_async import AccountDisconnectedError, AuthenticationError, KitError, TokenSet
from kit_async._core.auth import TokenExchange
from kit_async._core.ratelimit import credential_key
from kit_async._core.store_auth import StoreAuth
from kit_async._core.values import Reply, Request
from kit_async.errors import BadRequestError, TokenStoreError
from kit_async.oauth import MemoryTokenStore

ACCOUNT = 42
TOKEN_URL = "http://127.0.0.1:1/v4/oauth/token"
REQUEST = Request("GET", "/v4/account")


def expired_pair(name: str = "first") -> TokenSet:
    return TokenSet(
        access_token=f"at-{name}",
        refresh_token=f"rt-{name}",
        expires_in=7200,
        created_at=int(time.time()) - 8000,
    )


def fresh_pair(name: str) -> TokenSet:
    return TokenSet(
        access_token=f"at-{name}",
        refresh_token=f"rt-{name}",
        expires_in=7200,
        created_at=int(time.time()),
    )


class ScriptedKit:
    """Kit's token endpoint: each refresh token works once, then a new pair is issued."""

    def __init__(self, valid_refresh: str = "rt-first", *, status: int = 400) -> None:
        self.valid = {valid_refresh}
        self.refreshes = 0
        self.status = status
        self.forms: list[Mapping[str, str]] = []

    async def exchange(self, url: str, form: Mapping[str, str]) -> Reply:
        assert url == TOKEN_URL
        self.forms.append(dict(form))
        await asyncio.sleep(0.01)  # concurrent requests pile up meanwhile
        if form["refresh_token"] not in self.valid:
            raise BadRequestError(
                method="POST",
                path="/v4/oauth/token",
                status_code=self.status,
                errors=["The provided authorization grant is invalid"],
            )
        self.valid.discard(form["refresh_token"])
        self.refreshes += 1
        access, refresh = f"at-new{self.refreshes}", f"rt-new{self.refreshes}"
        self.valid.add(refresh)
        body = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 7200,
            "created_at": int(time.time()),
            "token_type": "Bearer",
        }
        return Reply(200, {}, json.dumps(body).encode())


def auth_for(store: Any, **options: Any) -> StoreAuth:
    settings: dict[str, Any] = {
        "client_id": "client-123",
        "client_secret": "app-secret",
        "token_url": TOKEN_URL,
    }
    settings.update(options)
    return StoreAuth(store, ACCOUNT, **settings)


async def stored(store: MemoryTokenStore, tokens: TokenSet) -> MemoryTokenStore:
    await store.save(ACCOUNT, tokens)
    return store


def expired_401() -> AuthenticationError:
    return AuthenticationError(
        method="GET", path="/v4/account", status_code=401, errors=["The access token expired"]
    )


def invalid_401() -> AuthenticationError:
    return AuthenticationError(
        method="GET", path="/v4/account", status_code=401, errors=["The access token is invalid"]
    )


async def no_exchange(url: str, form: Mapping[str, str]) -> Reply:
    raise AssertionError("Kit was asked")


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


# -- the store loses or fails a save ------------------------------------------------


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
    # Still the old pair in the store; the new one is kept in memory.
    assert await store.load(ACCOUNT) == expired_pair()
    assert auth.headers() == {"Authorization": "Bearer at-new1"}

    store.down = False
    await auth.before_request(REQUEST, no_exchange)
    saved = await store.load(ACCOUNT)
    assert saved is not None
    assert saved.refresh_token == "rt-new1"
    assert kit.refreshes == 1


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


def test_it_is_an_exchange_user() -> None:
    exchange: TokenExchange = ScriptedKit().exchange
    assert callable(exchange)
