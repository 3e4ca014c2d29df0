"""`sync_accounts`: many accounts of a Kit App in one database, against a FakeKit of many creators.

Every account's rows are compared with that account's FakeKit data, row by
row; FakeKit's request log (each request's account) shows what each account
cost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sync_db import assert_mirrors, fetch_rows, read

from kit_async import KitAccounts, TokenSet
from kit_async.oauth import MemoryTokenStore
from kit_async.sync import AccountsReport, sync_accounts
from kit_async.testing import FakeKit

pytestmark = pytest.mark.requires_extra("sync")

ACCOUNTS = 20


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    """20 creators of 5 broadcasts each (ids 1 to 5 in every account, the last unsent)."""
    async with FakeKit(accounts=ACCOUNTS, broadcasts=5, clicks=30, drafts=1) as fake:
        # One account unlike the others, so that rows crossing accounts would show.
        fake.accounts[2].add_broadcast(
            status="completed",
            subject="Only in account 2",
            public=True,
            clicks=[
                {
                    "url": "https://example.com/only-2",
                    "unique_clicks": 7,
                    "click_to_delivery_rate": 0.007,
                    "click_to_open_rate": 0.014,
                }
            ],
        )
        yield fake


@pytest.fixture
async def store(server: FakeKit) -> MemoryTokenStore:
    """A token store holding a fresh pair for every account of `server`."""
    tokens = MemoryTokenStore()
    for account_id, account in server.accounts.items():
        access, refresh = server.issue_tokens(account=account)
        await tokens.save(account_id, TokenSet(access, refresh, expires_in=7200), name=account.name)
    return tokens


@pytest.fixture
async def accounts(server: FakeKit, store: MemoryTokenStore) -> AsyncIterator[KitAccounts]:
    async with KitAccounts(
        token_store=store, client_id=server.client_id, base_url=server.url
    ) as pool:
        yield pool


async def account_rows(database: str) -> list[dict[str, Any]]:
    return await fetch_rows(database, "SELECT * FROM accounts ORDER BY id")


def clicks_asked(server: FakeKit, *, since: int = 0) -> Counter[tuple[int | None, int]]:
    """How many clicks requests each (account, broadcast) got."""
    return Counter(
        (request.account_id, int(request.path.split("/")[3]))
        for request in server.requests[since:]
        if request.path.endswith("/clicks")
    )


def sent_of(server: FakeKit, account_id: int) -> set[int]:
    account = server.accounts[account_id]
    return {n for n, broadcast in account.broadcasts.items() if broadcast.sent}


async def test_every_account_mirrors_fakekit_row_by_row(
    server: FakeKit, accounts: KitAccounts, database: str
) -> None:
    report = await sync_accounts(accounts, database, concurrency=5)

    assert isinstance(report, AccountsReport)
    assert report.by_outcome("synced") == sorted(server.accounts)
    for account_id, account in server.accounts.items():
        with server.serving(account):
            assert_mirrors(await read(database, account_id), server)
        assert report.accounts[account_id].report is not None
    # Each account's sent broadcasts fetched once, none twice, none of another account.
    asked = clicks_asked(server)
    assert set(asked.values()) == {1}
    assert set(asked) == {(n, b) for n in server.accounts for b in sent_of(server, n)}
    assert server.rate_limited == 0
    rows = await account_rows(database)
    assert [row["id"] for row in rows] == sorted(server.accounts)
    for row in rows:
        assert row["name"] == server.accounts[row["id"]].name
        assert row["status"] == "connected"
        assert row["last_sync_started_at"] is not None
        assert row["last_sync_finished_at"] is not None
        assert row["last_error"] is None


async def test_a_second_round_spends_one_stats_request_per_unchanged_account(
    server: FakeKit, accounts: KitAccounts, database: str
) -> None:
    await sync_accounts(accounts, database, concurrency=5)
    since = len(server.requests)
    changed = server.accounts[3].add_broadcast(
        status="completed",
        subject="New in account 3",
        public=True,
        clicks=[
            {
                "url": "https://example.com/new-3",
                "unique_clicks": 3,
                "click_to_delivery_rate": 0.003,
                "click_to_open_rate": 0.006,
            }
        ],
    )

    report = await sync_accounts(accounts, database, concurrency=5)

    spent = Counter((r.account_id, r.path) for r in server.requests[since:])
    for account_id in server.accounts:
        mine = {path: n for (owner, path), n in spent.items() if owner == account_id}
        if account_id == 3:
            # A new broadcast: the list once (its publication time), its clicks once.
            assert mine == {
                "/v4/broadcasts/stats": 1,
                "/v4/broadcasts": 1,
                f"/v4/broadcasts/{changed.id}/clicks": 1,
            }
        else:
            assert mine == {"/v4/broadcasts/stats": 1}, account_id
    assert report.requests == len(server.requests) - since
    with server.serving(server.accounts[3]):
        assert_mirrors(await read(database, 3), server)


async def test_a_disconnected_account_is_marked_and_the_others_go_on(
    server: FakeKit, accounts: KitAccounts, store: MemoryTokenStore, database: str
) -> None:
    await sync_accounts(accounts, database, account_ids=[1, 2, 3])
    # The creator revoked the app: Kit refuses the pair, the refresh too.
    pair = await store.load(2)
    assert pair is not None
    server.accounts[2].credentials.revoke(pair.access_token)
    server.accounts[1].add_broadcast(status="completed", subject="New", public=True, clicks=[])

    report = await sync_accounts(accounts, database, account_ids=[1, 2, 3])

    assert report.by_outcome("synced") == [1, 3]
    assert report.by_outcome("disconnected") == [2]
    lines = str(report).splitlines()
    assert lines[1] == "synced 2, locked 0, disconnected 1, failed 0"
    assert lines[2].startswith("account 2: disconnected: AccountDisconnectedError: ")
    assert "AccountDisconnectedError" in (report.accounts[2].error or "")
    rows = {row["id"]: row for row in await account_rows(database)}
    assert rows[2]["status"] == "disconnected"
    assert rows[2]["disconnected_at"] is not None
    assert "AccountDisconnectedError" in rows[2]["last_error"]
    assert (rows[1]["status"], rows[1]["last_error"]) == ("connected", None)
    with server.serving(server.accounts[1]):
        assert_mirrors(await read(database, 1), server)
    # The disconnected account's rows are kept.
    with server.serving(server.accounts[2]):
        assert_mirrors(await read(database, 2), server)


async def test_two_syncs_of_one_account_never_overlap(
    server: FakeKit, accounts: KitAccounts, database: str
) -> None:
    server.latency = 0.02

    first, second = await asyncio.gather(
        sync_accounts(accounts, database, account_ids=[4], wait=60),
        sync_accounts(accounts, database, account_ids=[4], wait=60),
    )

    reports = [first.accounts[4].report, second.accounts[4].report]
    assert all(report is not None for report in reports)
    # The one that waited found everything synced: no broadcast was fetched twice.
    assert sorted(report.fetched for report in reports if report is not None) == [0, 4]
    asked = clicks_asked(server)
    assert set(asked.values()) == {1}
    assert {broadcast for _, broadcast in asked} == sent_of(server, 4)


async def test_a_sync_of_an_account_being_synced_is_reported_locked(
    server: FakeKit, accounts: KitAccounts, database: str
) -> None:
    server.latency = 0.02

    first, second = await asyncio.gather(
        sync_accounts(accounts, database, account_ids=[4, 5]),
        sync_accounts(accounts, database, account_ids=[4]),
    )

    outcomes = sorted([first.accounts[4].outcome, second.accounts[4].outcome])
    assert outcomes == ["locked", "synced"]
    assert first.accounts[5].outcome == "synced"
    locked = next(one for one in (first, second) if one.accounts[4].outcome == "locked")
    assert "another kit-async sync" in (locked.accounts[4].error or "")
    assert set(clicks_asked(server).values()) == {1}


async def test_an_account_the_store_does_not_know_leaves_no_row(
    server: FakeKit, accounts: KitAccounts, database: str
) -> None:
    report = await sync_accounts(accounts, database, account_ids=[1, 999])

    assert report.by_outcome("synced") == [1]
    assert report.by_outcome("disconnected") == [999]
    assert [row["id"] for row in await account_rows(database)] == [1]
    assert {request.account_id for request in server.requests} == {1}


async def test_an_empty_token_store_syncs_nothing(server: FakeKit, database: str) -> None:
    async with KitAccounts(
        token_store=MemoryTokenStore(), client_id=server.client_id, base_url=server.url
    ) as pool:
        report = await sync_accounts(pool, database)

    assert report.accounts == {}
    assert server.requests == []
    assert await account_rows(database) == []


async def test_bad_arguments_are_refused(accounts: KitAccounts, database: str) -> None:
    with pytest.raises(TypeError, match="accounts must be a KitAccounts"):
        await sync_accounts(object(), database)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        await sync_accounts(accounts, database, concurrency=0)
    with pytest.raises(ValueError, match="account_ids must be at least 1"):
        await sync_accounts(accounts, database, account_ids=[0])
