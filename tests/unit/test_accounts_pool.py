"""`KitAccounts`: one session for every account, a budget per account, idle state dropped.

No request reaches a server here: the pool's bookkeeping runs through each
account's rate limiter (`kit.rate_limit.slot(...)`, the one place every
request of an account passes), on a virtual clock where time matters.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import pickle

import pytest
from fake_clock import on_fake_clock

import kit_async
from kit_async import ClientClosedError, KitAccounts, KitClient, RateLimit, TokenSet
from kit_async._accounts import HOT_ACCOUNTS
from kit_async.oauth import MemoryTokenStore

SECRET = "app-secret-not-to-show"
IDLE = 60.0 + 0.6  # Kit's window plus the limiter's margin: the default


def pool(store: MemoryTokenStore | None = None, **options: object) -> KitAccounts:
    return KitAccounts(
        token_store=store or MemoryTokenStore(),
        client_id="app-client-id",
        client_secret=SECRET,
        base_url="http://127.0.0.1:9",
        **options,  # type: ignore[arg-type]
    )


async def use(accounts: KitAccounts, account_id: int, times: int = 1) -> None:
    """Pass `times` requests of the account through its limiter (no HTTP)."""
    limit = accounts.client(account_id).rate_limit
    assert limit is not None
    for _ in range(times):
        async with limit.slot(f"token-of-{account_id}"):
            pass


def transport_of(kit: KitClient) -> object:
    return kit._transport


# -- one session -------------------------------------------------------------


async def test_every_client_of_the_pool_uses_its_one_session() -> None:
    async with pool(connection_limit=7) as accounts:
        sessions = {id(transport_of(accounts.client(n))._session) for n in (1, 2, 3, 1)}  # type: ignore[attr-defined]
        assert sessions == {id(accounts._session)}
        assert accounts._session is not None
        assert accounts._session.connector is not None
        assert accounts._session.connector.limit == 7


async def test_closing_a_client_of_the_pool_leaves_the_session_open() -> None:
    async with pool() as accounts:
        async with accounts.client(1) as kit:
            used = transport_of(kit)._session  # type: ignore[attr-defined]
        assert kit.closed
        assert used is accounts._session
        assert not used.closed  # type: ignore[union-attr]
        await use(accounts, 2)  # another client still works


async def test_aclose_closes_the_session_once_and_refuses_new_clients() -> None:
    accounts = pool()
    async with accounts:
        session = accounts._session
    assert session is not None
    assert session.closed
    assert accounts.closed
    await accounts.aclose()  # idempotent
    with pytest.raises(ClientClosedError):
        accounts.client(1)


@pytest.mark.requires_extra("redis")
async def test_aclose_closes_the_rate_limit_storage_once(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[RateLimit] = []

    async def aclose(self: RateLimit) -> None:
        closed.append(self)

    monkeypatch.setattr(RateLimit, "aclose", aclose)
    accounts = pool(rate_limit_storage="memory://")
    async with accounts:
        limit = accounts.client(1).rate_limit
        assert limit is not None
        assert limit.storage == "memory://"
    await accounts.aclose()
    assert len(closed) == 1
    assert closed[0].storage == "memory://"


async def test_a_client_of_a_closed_pool_fails_its_next_request() -> None:
    store = MemoryTokenStore()
    await store.save(1, TokenSet("access", "refresh"))
    async with pool(store) as accounts:
        kit = accounts.client(1)
    with pytest.raises(ClientClosedError):
        await kit.request("GET", "/v4/account")


def test_client_needs_a_running_event_loop() -> None:
    accounts = pool()
    with pytest.raises(RuntimeError, match="running event loop"):
        accounts.client(1)


# -- one state per account ---------------------------------------------------


async def test_clients_of_one_account_share_its_auth_and_its_limit() -> None:
    async with pool() as accounts:
        first, second, other = accounts.client(5), accounts.client(5), accounts.client(6)
        assert first.rate_limit is second.rate_limit
        assert transport_of(first).auth is transport_of(second).auth  # type: ignore[attr-defined]
        assert other.rate_limit is not first.rate_limit
        assert transport_of(other).auth is not transport_of(first).auth  # type: ignore[attr-defined]


async def test_an_accounts_limit_is_kits_600_per_minute() -> None:
    async with pool() as accounts:
        limit = accounts.client(1).rate_limit
        assert limit is not None
        assert (limit.requests, limit.period, limit.storage) == (600, 60.0, None)


@on_fake_clock
async def test_an_account_spending_its_budget_holds_no_other_account_back() -> None:
    async with pool() as accounts:
        await use(accounts, 1, times=600)
        spent = accounts.client(1).rate_limit
        assert spent is not None
        held = asyncio.create_task(use(accounts, 1))
        await asyncio.sleep(1.0)
        assert not held.done()
        assert spent.waiting == 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        await use(accounts, 2, times=10)
        other = accounts.client(2).rate_limit
        assert other is not None
        assert loop.time() == started
        assert other.total_wait == 0.0
        await held  # after the window: the held request goes through
        assert spent.total_wait > 58.0


# -- idle state dropped ------------------------------------------------------


@on_fake_clock
async def test_idle_accounts_are_dropped_once_their_window_has_passed() -> None:
    async with pool() as accounts:
        for account_id in range(1, 51):
            await use(accounts, account_id)
        gc.collect()
        assert accounts.held_accounts == 50
        await asyncio.sleep(IDLE - 1.0)
        await use(accounts, 100)
        assert accounts.held_accounts == 51  # still inside the window: kept
        await asyncio.sleep(2.0)
        await use(accounts, 100)
        gc.collect()
        assert accounts.held_accounts == 1  # only the account just used


@on_fake_clock
async def test_a_client_still_held_keeps_its_accounts_state_whatever_the_time() -> None:
    async with pool() as accounts:
        kept = accounts.client(1)
        await use(accounts, 1)
        await asyncio.sleep(IDLE * 3)
        await use(accounts, 2)
        gc.collect()
        assert accounts.client(1).rate_limit is kept.rate_limit
        assert accounts.held_accounts == 2


@on_fake_clock
async def test_beyond_the_hot_accounts_only_the_times_of_recent_requests_are_kept() -> None:
    async with pool() as accounts:
        count = HOT_ACCOUNTS + 200
        for account_id in range(1, count + 1):
            await use(accounts, account_id)
        gc.collect()
        assert len(accounts._hot) == HOT_ACCOUNTS
        assert len(accounts._live) == HOT_ACCOUNTS  # the others' objects are gone
        assert len(accounts._cold) == 200
        assert all(len(times) == 1 for times in accounts._cold.values())
        assert accounts.held_accounts == count


@on_fake_clock
async def test_an_account_back_within_its_window_starts_from_its_spent_budget() -> None:
    async with pool() as accounts:
        await use(accounts, 1, times=600)
        for account_id in range(2, HOT_ACCOUNTS + 3):  # account 1 leaves the hot ones
            await use(accounts, account_id)
        gc.collect()
        assert 1 in accounts._cold
        back = accounts.client(1).rate_limit
        assert back is not None
        held = asyncio.create_task(use(accounts, 1))
        await asyncio.sleep(1.0)
        assert not held.done()
        assert back.waiting == 1
        await held


@on_fake_clock
async def test_the_default_idle_time_is_kits_window_and_can_be_shortened() -> None:
    assert pool().idle_after == pytest.approx(IDLE)
    async with pool(idle_after=5.0) as accounts:
        await use(accounts, 1)
        await asyncio.sleep(5.5)
        await use(accounts, 2)
        gc.collect()
        assert accounts.held_accounts == 1


# -- the store ---------------------------------------------------------------


async def test_connected_lists_the_stores_connected_accounts() -> None:
    store = MemoryTokenStore()
    for account_id in (3, 1, 2):
        await store.save(account_id, TokenSet("access", f"refresh-{account_id}"))
    await store.disconnect(2, reason="revoked")
    async with pool(store) as accounts:
        assert list(await accounts.connected()) == [1, 3]


# -- what it refuses and never shows -----------------------------------------


async def test_neither_the_pool_nor_its_clients_show_the_secret_or_pickle() -> None:
    async with pool() as accounts:
        kit = accounts.client(1)
        for shown in (repr(accounts), repr(kit), str(accounts)):
            assert SECRET not in shown
        assert "KitAccounts" in repr(accounts)
        for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
            with pytest.raises(TypeError, match="KitAccounts"):
                attempt(accounts)
        with pytest.raises(TypeError):
            pickle.dumps(kit)


async def test_client_refuses_an_account_id_that_is_not_a_positive_int() -> None:
    async with pool() as accounts:
        with pytest.raises(TypeError, match="account_id"):
            accounts.client(True)  # noqa: FBT003 - the bool under test
        with pytest.raises(TypeError, match="account_id"):
            accounts.client("7")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="account_id"):
            accounts.client(0)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"token_store": object()}, TypeError, "token_store"),
        ({"client_id": ""}, ValueError, "client_id"),
        ({"connection_limit": 0}, ValueError, "connection_limit"),
        ({"connection_limit": 2.5}, ValueError, "connection_limit"),
        ({"idle_after": 0}, ValueError, "idle_after"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"timeout": float("inf")}, ValueError, "timeout"),
        pytest.param(
            {"rate_limit_storage": "nosuch://x"},
            ValueError,
            "scheme",
            marks=pytest.mark.requires_extra("redis"),  # `limits` reads the scheme
        ),
    ],
)
def test_bad_arguments_are_refused_at_once(
    options: dict[str, object], error: type[Exception], match: str
) -> None:
    arguments: dict[str, object] = {
        "token_store": MemoryTokenStore(),
        "client_id": "app-client-id",
        **options,
    }
    with pytest.raises(error, match=match):
        KitAccounts(**arguments)  # type: ignore[arg-type]


def test_kit_accounts_is_public() -> None:
    assert kit_async.KitAccounts is KitAccounts
    assert "KitAccounts" in kit_async.__all__
