"""The shared token stores (SQLite, PostgreSQL, Redis): what they keep, encrypted, and their errors.

Each behaviour runs against each store: a SQLite file in tmp_path, a database
of the session's PostgreSQL and a throwaway redis-server. The locks across
processes are in tests/test_token_store_locks.py.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from token_store_support import STORES, raw_dump
from token_store_support import store_url as _store_url

from kit_async import KitError, TokenSet, TokenStoreError
from kit_async.oauth import TokenStore, open_token_store

ACCESS = "access-SECRET-4a1c"
REFRESH = "refresh-SECRET-9e2b"
PAIR = TokenSet(ACCESS, REFRESH, expires_in=7200, created_at=1_765_000_000, scope="read write")
NEXT = TokenSet("access-NEXT-77", "refresh-NEXT-88", expires_in=7200, created_at=1_765_007_000)


def fernet_key() -> bytes:
    from cryptography.fernet import Fernet

    return Fernet.generate_key()


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with _store_url(request, tmp_path) as url:
        yield url


@pytest.fixture
def key() -> bytes:
    return fernet_key()


async def test_a_saved_pair_loads_back_connected(store_url: str, key: bytes) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        assert isinstance(store, TokenStore)
        assert await store.status(42) is None
        assert await store.load(42) is None
        assert await store.save(42, PAIR, name="Acme Newsletter") is True
        assert await store.save(7, NEXT) is True
        assert await store.load(42) == PAIR
        assert await store.status(42) == "connected"
        assert await store.connected() == [7, 42]


async def test_a_pair_outlives_the_store_object(store_url: str, key: bytes) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR)
    async with open_token_store(store_url, encryption_key=key) as store:
        assert await store.load(42) == PAIR


async def test_disconnect_forgets_the_pair_and_leaves_connected(store_url: str, key: bytes) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR, name="Acme Newsletter")
        await store.save(7, NEXT)
        await store.disconnect(42, reason="the creator revoked the app")
        assert await store.status(42) == "disconnected"
        assert await store.load(42) is None
        assert await store.connected() == [7]
        # A replacing save cannot bring a disconnected account back.
        assert await store.save(42, NEXT, replacing=REFRESH) is False
        assert await store.status(42) == "disconnected"
        # A new connection (no `replacing`) does.
        assert await store.save(42, NEXT) is True
        assert await store.load(42) == NEXT
        assert await store.connected() == [7, 42]
    dump = await raw_dump(store_url)
    assert b"the creator revoked the app" not in dump  # it was cleared on reconnecting


async def test_disconnect_keeps_the_reason_and_no_token(store_url: str, key: bytes) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR)
        await store.disconnect(42, reason="the creator revoked the app")
    dump = await raw_dump(store_url)
    assert b"the creator revoked the app" in dump
    assert REFRESH.encode() not in dump


async def test_a_stale_replacing_returns_false_and_changes_nothing(
    store_url: str, key: bytes
) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR, name="Acme Newsletter")
        assert await store.save(42, NEXT, replacing="refresh-that-was-rotated-away") is False
        assert await store.load(42) == PAIR
        assert await store.save(43, NEXT, replacing=REFRESH) is False  # never saved
        assert await store.status(43) is None


async def test_replacing_the_stored_refresh_token_swaps_the_pair_once(
    store_url: str, key: bytes
) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR)
        assert await store.save(42, NEXT, replacing=REFRESH) is True
        assert await store.load(42) == NEXT
        # The second worker that refreshed from the same token lost the race.
        assert await store.save(42, PAIR, replacing=REFRESH) is False
        assert await store.load(42) == NEXT


async def test_of_racing_refreshes_from_one_token_exactly_one_is_stored(
    store_url: str, key: bytes
) -> None:
    async with open_token_store(store_url, encryption_key=key) as first:
        await first.save(42, PAIR)
        async with open_token_store(store_url, encryption_key=key) as second:
            racers = [TokenSet(f"access-{n}", f"refresh-{n}") for n in range(8)]
            stores = [first, second] * 4
            results = await asyncio.gather(
                *(
                    store.save(42, pair, replacing=REFRESH)
                    for store, pair in zip(stores, racers, strict=True)
                )
            )
        assert results.count(True) == 1
        assert await first.load(42) == racers[results.index(True)]


async def test_the_raw_storage_holds_no_token(store_url: str, key: bytes) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR, name="Acme Newsletter")
    dump = await raw_dump(store_url)
    assert b"Acme Newsletter" in dump  # the dump does read the account
    for secret in (ACCESS, REFRESH, "SECRET"):
        assert secret.encode() not in dump


async def test_without_encryption_the_raw_storage_shows_the_token(store_url: str) -> None:
    # The control for the test above: the dump would see a token in plain text.
    async with open_token_store(store_url, encryption_key=None) as store:
        await store.save(42, PAIR, name="Acme Newsletter")
        assert await store.load(42) == PAIR
    assert REFRESH.encode() in await raw_dump(store_url)


async def test_pairs_written_under_an_old_key_read_after_rotation(store_url: str) -> None:
    old, new = fernet_key(), fernet_key()
    async with open_token_store(store_url, encryption_key=old) as store:
        await store.save(42, PAIR)
    async with open_token_store(store_url, encryption_key=[new, old]) as store:
        assert await store.load(42) == PAIR
        await store.save(7, NEXT)  # written under the new key
    async with open_token_store(store_url, encryption_key=new) as store:
        assert await store.load(7) == NEXT
        with pytest.raises(TokenStoreError):
            await store.load(42)  # not saved again since the rotation


async def test_a_wrong_key_is_a_token_store_error_naming_no_secret(
    store_url: str, key: bytes
) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR)
    other = fernet_key()
    async with open_token_store(store_url, encryption_key=other) as store:
        with pytest.raises(TokenStoreError) as caught:
            await store.load(42)
    message = str(caught.value)
    assert "cannot decrypt" in message
    assert "account 42" in message
    assert "with the given key(s)" in message
    for secret in (key.decode(), other.decode(), ACCESS, REFRESH):
        assert secret not in message
    assert caught.value.__cause__ is None
    assert isinstance(caught.value, KitError)


async def test_an_encrypted_pair_read_without_a_key_is_a_token_store_error(
    store_url: str, key: bytes
) -> None:
    async with open_token_store(store_url, encryption_key=key) as store:
        await store.save(42, PAIR)
    async with open_token_store(store_url, encryption_key=None) as store:
        with pytest.raises(TokenStoreError, match="encryption_key=None"):
            await store.load(42)


@pytest.mark.requires_extra("apps")
@pytest.mark.requires_extra("sync")
def test_a_store_refuses_to_open_without_a_key_argument(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="encryption_key"):
        open_token_store(f"sqlite:///{tmp_path / 't.db'}")  # type: ignore[call-arg]


@pytest.mark.requires_extra("apps")
@pytest.mark.requires_extra("sync")
@pytest.mark.parametrize(
    ("key", "which"),
    [
        ("not-a-key-SECRET", "encryption_key"),
        ([], "empty list"),
        (["placeholder", "short-SECRET"], "key 2 of encryption_key"),
    ],
)
def test_a_bad_key_is_a_value_error_naming_no_key(
    tmp_path: Path, key: str | list[str], which: str
) -> None:
    if isinstance(key, list) and key:
        key[0] = fernet_key().decode()
    with pytest.raises(ValueError, match=which) as caught:
        open_token_store(f"sqlite:///{tmp_path / 't.db'}", encryption_key=key)
    assert "SECRET" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.requires_extra("apps")
@pytest.mark.parametrize(
    "url", ["mysql://kit:hunter2@db/app", "memory://", "tokens.db", "sqlite:tokens.db"]
)
def test_an_unknown_scheme_is_a_value_error_naming_no_password(url: str) -> None:
    with pytest.raises(ValueError, match="token store") as caught:
        open_token_store(url, encryption_key=fernet_key())
    assert "hunter2" not in str(caught.value)


@pytest.mark.requires_extra("apps")
@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            "sqlite:////nonexistent-dir-of-kit-async/tokens.db",
            id="sqlite",
            marks=pytest.mark.requires_extra("sync"),
        ),
        pytest.param(
            "postgresql://kit:hunter2@127.0.0.1:{port}/app",
            id="postgres",
            marks=pytest.mark.requires_extra("postgres"),
        ),
        pytest.param(
            "redis://:hunter2@127.0.0.1:{port}/0",
            id="redis",
            marks=pytest.mark.requires_extra("redis"),
        ),
    ],
)
async def test_an_unreachable_store_is_a_token_store_error_naming_no_password(
    url: str, unused_port: int
) -> None:
    url = url.format(port=unused_port)
    store = open_token_store(url, encryption_key=fernet_key())
    with pytest.raises(TokenStoreError) as caught:
        async with store:
            pass
    message = str(caught.value)
    assert "hunter2" not in message
    assert "hunter2" not in caught.value.store
    assert caught.value.__cause__ is None
    await store.aclose()


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(
    ("url", "module", "extras"),
    [
        ("sqlite:///tokens.db", "aiosqlite", "apps,sync"),
        ("postgresql://kit:hunter2@db/app", "asyncpg", "apps,postgres"),
        ("redis://:hunter2@cache:6379/0", "coredis", "apps,redis"),
    ],
)
def test_a_missing_driver_is_an_import_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, url: str, module: str, extras: str
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        "kit_async.oauth._open.importlib.util.find_spec",
        lambda name, *args: None if name == module else real(name, *args),
    )
    with pytest.raises(ImportError, match=rf"pip install 'kit-async\[{extras}\]'") as caught:
        open_token_store(url, encryption_key=None)
    assert "hunter2" not in str(caught.value)


@pytest.mark.requires_extra("redis")
def test_a_missing_cryptography_is_an_import_error_naming_the_apps_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.fernet", None)
    with pytest.raises(ImportError, match=r"kit-async\[apps\]"):
        open_token_store("redis://cache:6379/0", encryption_key="a-key")
