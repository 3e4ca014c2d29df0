"""`KitClient(token_store=..., account_id=...)` against FakeKit: one refresh per expiry.

Two clients of one account on one store stand for two workers of a web app:
when the access token expires, one refreshes and saves, the other adopts the
saved pair, and Kit sees exactly one refresh (before, each refreshed the pair
it was built from, Kit's rotation let one win, and the other was logged out).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from token_store_support import STORES
from token_store_support import store_url as _store_url

from kit_async import AccountDisconnectedError, KitClient, TokenSet
from kit_async.oauth import MemoryTokenStore, TokenStore, open_token_store, revoke
from kit_async.testing import FakeKit

ACCOUNT = 1234
TOKEN_PATH = "/v4/oauth/token"


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    # A little latency keeps concurrent requests in flight together.
    async with FakeKit(client_secret="app-secret", latency=0.02) as kit:
        yield kit


@pytest.fixture(params=["memory", *STORES])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
        return
    with _store_url(request, tmp_path) as url:
        yield url


@asynccontextmanager
async def opened(url: str, key: bytes | None = None) -> AsyncIterator[TokenStore]:
    if url == "memory":
        yield MemoryTokenStore()
        return
    async with open_token_store(url, encryption_key=key) as store:
        yield store


def pair_of(server: FakeKit, *, age: float = 0.0) -> TokenSet:
    access, refresh = server.issue_tokens()
    return TokenSet(access, refresh, expires_in=7200, created_at=int(time.time() - age))


def client(server: FakeKit, store: TokenStore, **options: Any) -> KitClient:
    settings: dict[str, Any] = {
        "token_store": store,
        "account_id": ACCOUNT,
        "client_id": server.client_id,
        "client_secret": "app-secret",
        "base_url": server.url,
        "rate_limit": None,
    }
    settings.update(options)
    return KitClient(**settings)


def token_requests(server: FakeKit) -> int:
    return sum(1 for r in server.requests if r.path == TOKEN_PATH)


async def test_two_clients_of_one_account_share_one_refresh_at_expiry(
    server: FakeKit, store_url: str
) -> None:
    async with opened(store_url) as store:
        await store.save(ACCOUNT, pair_of(server))
        async with client(server, store) as first, client(server, store) as second:
            await first.broadcasts.get(1)
            await second.broadcasts.get(1)
            server.expire_tokens()
            found = await asyncio.gather(
                *(kit.broadcasts.get(i) for i in range(1, 11) for kit in (first, second))
            )
            assert len(found) == 20
            assert server.refreshes == 1
            assert token_requests(server) == 1
            # Both go on with the pair the store holds.
            await first.broadcasts.get(2)
            await second.broadcasts.get(3)
        stored = await store.load(ACCOUNT)
    assert stored is not None
    assert server.account.credentials.problem(stored.access_token) is None
    assert server.refreshes == 1
    assert token_requests(server) == 1


async def test_a_client_that_finds_its_token_expired_adopts_the_pair_another_saved(
    server: FakeKit,
) -> None:
    store = MemoryTokenStore()
    await store.save(ACCOUNT, pair_of(server))
    async with client(server, store) as first, client(server, store) as second:
        await first.broadcasts.get(1)
        await second.broadcasts.get(1)
        server.expire_tokens()
        await first.broadcasts.get(1)  # refreshes and saves
        await second.broadcasts.get(1)  # 401 expired: adopts the saved pair
    assert server.refreshes == 1
    assert token_requests(server) == 1  # the second did not ask Kit at all


async def test_a_pair_due_to_expire_is_refreshed_before_the_request(server: FakeKit) -> None:
    store = MemoryTokenStore()
    await store.save(ACCOUNT, pair_of(server, age=7190))
    async with client(server, store) as kit:
        await kit.broadcasts.get(1)
    assert server.refreshes == 1
    assert [r.status for r in server.requests] == [200, 200]  # the refresh, then the request


async def test_an_unknown_account_is_refused_before_anything_is_sent(server: FakeKit) -> None:
    async with client(server, MemoryTokenStore()) as kit:
        with pytest.raises(AccountDisconnectedError) as caught:
            await kit.broadcasts.get(1)
    assert caught.value.reason == "unknown account"
    assert caught.value.path == "/v4/broadcasts/1"
    assert server.requests == []


async def test_a_revoked_pair_disconnects_the_account_and_tells_the_app(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pair = pair_of(server)
    await store.save(ACCOUNT, pair)
    told: list[tuple[int, str]] = []

    async def on_disconnected(account_id: int, reason: str) -> None:
        told.append((account_id, reason))

    async with client(server, store, on_disconnected=on_disconnected) as kit:
        await kit.broadcasts.get(1)
        server.account.credentials.revoke(pair.refresh_token)
        with pytest.raises(AccountDisconnectedError) as caught:
            await kit.broadcasts.get(1)
        assert caught.value.reason == "revoked"
        # Refused at once from now on: nothing more reaches Kit.
        sent = len(server.requests)
        with pytest.raises(AccountDisconnectedError):
            await kit.broadcasts.get(2)
        assert len(server.requests) == sent
    assert told == [(ACCOUNT, "revoked")]
    assert await store.status(ACCOUNT) == "disconnected"


async def test_a_pair_the_app_revoked_through_the_store_is_refused(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pair = pair_of(server)
    await store.save(ACCOUNT, pair)
    told: list[str] = []
    async with client(server, store, on_disconnected=lambda _, why: told.append(why)) as kit:
        await kit.broadcasts.get(1)
        await revoke(
            pair.access_token,
            client_id=server.client_id,
            client_secret="app-secret",
            account_id=ACCOUNT,
            token_store=store,
            base_url=server.url,
        )
        with pytest.raises(AccountDisconnectedError) as caught:
            await kit.broadcasts.get(1)
    # The store already said so: the app, which revoked, is not told again.
    assert caught.value.reason == "disconnected"
    assert told == []


async def test_a_refresh_token_kit_refuses_disconnects_the_account(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pair = pair_of(server)
    await store.save(ACCOUNT, pair)
    told: list[str] = []
    async with client(server, store, on_disconnected=lambda _, why: told.append(why)) as kit:
        await kit.broadcasts.get(1)
        # Another app (or a worker killed after Kit answered, before it saved)
        # used the refresh token: Kit no longer knows it.
        assert server.account.credentials.redeem(pair.refresh_token)
        server.expire_tokens()
        with pytest.raises(AccountDisconnectedError) as caught:
            await kit.broadcasts.get(1)
    assert caught.value.reason == "invalid_grant"
    assert told == ["invalid_grant"]
    assert await store.status(ACCOUNT) == "disconnected"


@pytest.mark.requires_extra("apps")
@pytest.mark.requires_extra("sync")
async def test_an_encrypted_sqlite_store_serves_two_clients(
    server: FakeKit, tmp_path: Path
) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    async with opened(url, key) as store:
        await store.save(ACCOUNT, pair_of(server))
        async with client(server, store) as first, client(server, store) as second:
            server.expire_tokens()
            await asyncio.gather(first.broadcasts.get(1), second.broadcasts.get(2))
    async with opened(url, key) as store:
        stored = await store.load(ACCOUNT)
    assert stored is not None
    assert server.account.credentials.problem(stored.access_token) is None
    assert server.refreshes == 1
    assert token_requests(server) == 1
