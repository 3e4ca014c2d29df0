"""`KitAccounts` against a FakeKit with several creators: one pool, each account its own."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
from token_store_support import redis_server

import kit_async._accounts
from kit_async import AccountDisconnectedError, KitAccounts, TokenSet
from kit_async._core.store_auth import StoreAuth
from kit_async.oauth import MemoryTokenStore
from kit_async.testing import FakeKit


async def seeded(server: FakeKit) -> MemoryTokenStore:
    """A store holding a fresh pair for every account of `server`, under its id."""
    store = MemoryTokenStore()
    for account_id, account in server.accounts.items():
        access, refresh = server.issue_tokens(account=account)
        await store.save(account_id, TokenSet(access, refresh, expires_in=7200), name=account.name)
    return store


def pool(server: FakeKit, store: MemoryTokenStore, **options: object) -> KitAccounts:
    return KitAccounts(
        token_store=store,
        client_id=server.client_id,
        base_url=server.url,
        **options,  # type: ignore[arg-type]
    )


def connections_to(port: int) -> int:
    """This process's TCP connections to `port` that are open."""
    process = psutil.Process()
    listing = getattr(process, "net_connections", None) or process.connections
    return sum(
        1
        for c in listing(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


async def test_each_account_is_served_as_itself() -> None:
    async with FakeKit(accounts=4) as server:
        store = await seeded(server)
        async with pool(server, store) as accounts:
            ids = list(await accounts.connected())
            found = await asyncio.gather(*(accounts.client(n).account.get() for n in ids))
        assert ids == sorted(server.accounts)
        assert [a.name for a in found] == [server.accounts[n].name for n in ids]


async def test_every_account_shares_the_connection_limit() -> None:
    async with FakeKit(accounts=3, latency=0.05) as server:
        store = await seeded(server)
        most = 0
        async with pool(server, store, connection_limit=2) as accounts:

            async def sample() -> None:
                nonlocal most
                while True:
                    most = max(most, connections_to(server.port))
                    await asyncio.sleep(0.005)

            sampler = asyncio.create_task(sample())
            await asyncio.gather(
                *(accounts.client(1 + n % 3).request("GET", "/v4/account") for n in range(12))
            )
            most = max(most, connections_to(server.port))
            sampler.cancel()
        assert 1 <= most <= 2
        assert len([r for r in server.requests if r.path == "/v4/account"]) == 12


async def test_closing_a_client_of_the_pool_leaves_the_other_clients_working() -> None:
    async with FakeKit(accounts=2) as server:
        store = await seeded(server)
        async with pool(server, store) as accounts:
            async with accounts.client(1) as kit:
                await kit.account.get()
            assert (await accounts.client(1).account.get()).name == server.accounts[1].name
            assert (await accounts.client(2).account.get()).name == server.accounts[2].name


async def test_an_unknown_account_fails_its_first_request_and_sends_nothing() -> None:
    async with FakeKit(accounts=1) as server:
        store = await seeded(server)
        async with pool(server, store) as accounts:
            kit = accounts.client(999)  # no I/O yet: no error here
            with pytest.raises(AccountDisconnectedError) as raised:
                await kit.account.get()
        assert raised.value.account_id == 999
        assert server.requests == []


async def test_concurrent_clients_of_one_account_refresh_its_pair_once() -> None:
    async with FakeKit(accounts=2) as server:
        store = await seeded(server)
        server.expire_tokens(account=1)
        async with pool(server, store) as accounts:
            names = await asyncio.gather(
                *(accounts.client(1).account.get() for _ in range(10)),
                accounts.client(2).account.get(),
            )
        assert {a.name for a in names[:10]} == {server.accounts[1].name}
        assert server.refreshes[1] == 1
        assert server.refreshes[2] == 0
        assert (await store.load(1)) is not None


# -- a budget per account, shared by processes through Redis -----------------


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


@pytest.mark.redis
@pytest.mark.requires_extra("redis")
async def test_two_pools_on_one_redis_share_each_accounts_budget_and_no_other(
    redis_url: str,
) -> None:
    async with FakeKit(accounts=2) as server:
        store = await seeded(server)
        async with (
            pool(server, store, rate_limit_storage=redis_url) as first,
            pool(server, store, rate_limit_storage=redis_url) as second,
        ):
            kit = first.client(1)
            await kit.account.get()  # loads the pair: the budget is its token's
            limit, key = kit.rate_limit, kit._transport.auth.key
            assert limit is not None
            assert limit.storage == redis_url
            for _ in range(599):  # the rest of the account's 600
                async with limit.slot(key):
                    pass

            other_process = second.client(1)
            held = asyncio.create_task(other_process.account.get())
            await asyncio.sleep(0.3)
            assert not held.done()
            assert other_process.rate_limit is not None
            assert other_process.rate_limit.waiting == 1

            # Account 2, in either pool, is not held back by account 1.
            assert (await second.client(2).account.get()).name == server.accounts[2].name
            assert (await first.client(2).account.get()).name == server.accounts[2].name
            held.cancel()
            with pytest.raises(asyncio.CancelledError):
                await held
        assert len([r for r in server.requests if r.path == "/v4/account"]) == 3


# -- scale, scaled down (bench/run.py --only accounts runs 10,000) ------------


async def test_many_accounts_each_used_once_leave_bounded_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kit_async._accounts, "HOT_ACCOUNTS", 100)
    async with FakeKit(accounts=500, broadcasts=1, clicks=1, drafts=0) as server:
        store = await seeded(server)
        most = 0
        async with pool(server, store, connection_limit=10) as accounts:
            queue = iter(await accounts.connected())

            async def worker() -> None:
                nonlocal most
                for account_id in queue:
                    await accounts.client(account_id).request("GET", "/v4/account")
                    if account_id % 10 == 0:  # psutil reads every socket of the machine
                        most = max(most, connections_to(server.port))

            await asyncio.gather(*(worker() for _ in range(50)))
            gc.collect()
            whole = [o for o in gc.get_objects() if isinstance(o, StoreAuth)]
            assert len(whole) == len(accounts._live) == 100
            assert len(accounts._cold) == 400
            assert all(
                isinstance(times, tuple) and len(times) == 1 for times in accounts._cold.values()
            )
            assert accounts.held_accounts == 500
        assert 1 <= most <= 10
        assert len(server.requests) == 500
