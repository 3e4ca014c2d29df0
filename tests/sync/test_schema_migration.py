"""Schema version 2: a version-1 database (written by the previous release) migrated in place.

The version-1 databases are dumps of what kit-async's main branch wrote before
version 2 (tests/sync/schema_v1/), loaded into SQLite and a real PostgreSQL;
every row is compared before and after, row by row.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sync_db import DATABASES, fetch_rows

import kit_async
from kit_async import KitAccounts
from kit_async.oauth import MemoryTokenStore
from kit_async.sync import SCHEMA_VERSION, DatabaseError, _schema, sync_accounts, sync_clicks
from kit_async.sync._sync import open_store
from kit_async.sync._target import parse_database
from kit_async.testing import FakeKit

pytestmark = pytest.mark.requires_extra("sync")

DUMPS = Path(__file__).parent / "schema_v1"
ORDER = {
    "kit_async_schema": "version",
    "accounts": "id",
    "broadcasts": "id",
    "broadcast_clicks": "broadcast_id, url",
}


@pytest.fixture(params=DATABASES)
def v1_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of schema version 1, as the previous release left it."""
    if request.param == "sqlite":
        path = tmp_path / "clicks.sqlite"
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.executescript((DUMPS / "sqlite.sql").read_text())
        return str(path)
    url: str = request.getfixturevalue("postgres_url")
    import asyncpg

    async def load() -> None:
        db = await asyncpg.connect(url)
        try:
            await db.execute((DUMPS / "postgres.sql").read_text())
        finally:
            await db.close()

    asyncio.run(load())
    return url


async def rows(database: str, table: str) -> list[dict[str, Any]]:
    """Every row of `table`, in key order."""
    sql = f"SELECT * FROM {table} ORDER BY {ORDER[table]}"  # noqa: S608 - our names
    return await fetch_rows(database, sql)


async def everything(database: str, *tables: str) -> dict[str, list[dict[str, Any]]]:
    return {table: await rows(database, table) for table in tables}


async def migrate(database: str, account_id: int | None) -> None:
    """Open the database as a sync does and claim the account (which migrates)."""
    store = open_store(parse_database(database))
    await store.open()
    try:
        await store.claim(account_id or 1, wait=0, migrate_as=account_id)
    finally:
        await store.close()


def without_account(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "account_id"} for row in table]


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=6, clicks=40, drafts=1) as fake:
        yield fake


async def test_the_dumps_are_of_version_1(v1_database: str) -> None:
    (schema,) = await rows(v1_database, "kit_async_schema")
    assert schema["version"] == 1 < SCHEMA_VERSION == 2
    assert len(await rows(v1_database, "broadcasts")) == 6
    assert len(await rows(v1_database, "broadcast_clicks")) == 200


async def test_a_version_1_database_keeps_every_row(v1_database: str) -> None:
    before = await everything(v1_database, "broadcasts", "broadcast_clicks")

    await migrate(v1_database, 4242)

    after = await everything(v1_database, "broadcasts", "broadcast_clicks", "accounts")
    for table in ("broadcasts", "broadcast_clicks"):
        assert without_account(after[table]) == before[table], table
        assert {row["account_id"] for row in after[table]} == {4242}, table
    (account,) = after["accounts"]
    assert (account["id"], account["status"]) == (4242, "connected")
    assert account["connected_at"] is not None
    (schema,) = await rows(v1_database, "kit_async_schema")
    assert schema["version"] == 2


async def test_a_second_migration_changes_nothing(v1_database: str) -> None:
    await migrate(v1_database, 4242)
    tables = ("broadcasts", "broadcast_clicks", "accounts")
    once = await everything(v1_database, *tables)
    (schema_once,) = await rows(v1_database, "kit_async_schema")

    await migrate(v1_database, 4242)

    assert await everything(v1_database, *tables) == once
    (schema,) = await rows(v1_database, "kit_async_schema")
    assert (schema["version"], schema["created_at"]) == (2, schema_once["created_at"])


async def test_two_syncs_migrating_at_once_migrate_once(v1_database: str) -> None:
    before = await everything(v1_database, "broadcasts", "broadcast_clicks")

    # Both opened (both found version 1) before either migrates; two accounts'
    # locks, so that only the migration itself can serialise them.
    stores = [open_store(parse_database(v1_database)) for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        await asyncio.gather(
            stores[0].claim(1, wait=30, migrate_as=4242),
            stores[1].claim(2, wait=30, migrate_as=4242),
        )
    finally:
        for store in stores:
            await store.close()

    after = await everything(v1_database, "broadcasts", "broadcast_clicks", "accounts")
    for table in ("broadcasts", "broadcast_clicks"):
        assert without_account(after[table]) == before[table], table
    assert [row["id"] for row in after["accounts"]] == [4242]


async def test_a_migration_that_fails_leaves_version_1_whole(
    v1_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await everything(v1_database, "broadcasts", "broadcast_clicks")
    steps = _schema.migrate_v1

    def failing(dialect: str, *, with_account: bool) -> tuple[str, ...]:
        # Fails after every step but the version's.
        *rest, version = steps(dialect, with_account=with_account)
        return (*rest, "INSERT INTO no_such_table VALUES (1)", version)

    monkeypatch.setattr("kit_async.sync._base.migrate_v1", failing)

    with pytest.raises(DatabaseError, match="a write failed"):
        await migrate(v1_database, 4242)

    assert await everything(v1_database, "broadcasts", "broadcast_clicks") == before
    (schema,) = await rows(v1_database, "kit_async_schema")
    assert schema["version"] == 1


async def test_sync_clicks_learns_the_account_of_a_version_1_database(
    v1_database: str, server: FakeKit
) -> None:
    before = await rows(v1_database, "broadcasts")
    async with kit_async.KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
        report = await sync_clicks(kit, v1_database)

    account_id = server.account.id
    assert report.account_id == account_id
    (account,) = await rows(v1_database, "accounts")
    assert (account["id"], account["name"]) == (account_id, server.account.name)
    assert account["last_sync_finished_at"] is not None
    assert account["last_error"] is None
    after = await rows(v1_database, "broadcasts")
    assert {row["account_id"] for row in after} == {account_id}
    assert [row["id"] for row in after] == [row["id"] for row in before]


async def test_a_database_newer_than_the_code_is_refused(v1_database: str, server: FakeKit) -> None:
    await migrate(v1_database, 4242)
    before = await everything(v1_database, "broadcasts", "broadcast_clicks", "accounts")
    if v1_database.startswith("postgresql://"):
        import asyncpg

        db = await asyncpg.connect(v1_database)
        await db.execute("UPDATE kit_async_schema SET version = 3")
        await db.close()
    else:
        with contextlib.closing(sqlite3.connect(v1_database)) as sqlite:
            sqlite.execute("UPDATE kit_async_schema SET version = 3")
            sqlite.commit()

    async with kit_async.KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
        with pytest.raises(DatabaseError, match=r"schema version 3, newer than this kit-async's 2"):
            await sync_clicks(kit, v1_database)

    assert server.requests == []
    assert await everything(v1_database, "broadcasts", "broadcast_clicks", "accounts") == before


async def test_an_empty_version_1_database_migrates_without_an_account(tmp_path: Path) -> None:
    path = str(tmp_path / "clicks.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript((DUMPS / "sqlite.sql").read_text())
        db.execute("DELETE FROM broadcast_clicks")
        db.execute("DELETE FROM broadcasts")
        db.commit()

    await migrate(path, None)

    assert await rows(path, "accounts") == []
    (schema,) = await rows(path, "kit_async_schema")
    assert schema["version"] == 2


async def test_a_version_1_database_with_rows_needs_its_account(v1_database: str) -> None:
    with pytest.raises(DatabaseError, match=r"schema version 1; migrate it first .*sync_clicks"):
        await migrate(v1_database, None)

    (schema,) = await rows(v1_database, "kit_async_schema")
    assert schema["version"] == 1


async def test_sync_accounts_refuses_a_version_1_database_with_rows_before_any_request(
    v1_database: str, server: FakeKit
) -> None:
    async with KitAccounts(
        token_store=MemoryTokenStore(), client_id=server.client_id, base_url=server.url
    ) as accounts:
        with pytest.raises(DatabaseError, match="migrate it first with that account's client"):
            await sync_accounts(accounts, v1_database)

    assert server.requests == []
    (schema,) = await rows(v1_database, "kit_async_schema")
    assert schema["version"] == 1
