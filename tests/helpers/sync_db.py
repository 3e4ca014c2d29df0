"""A sync's databases for the tests: new ones, read back, and what FakeKit says they should hold."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from kit_async.testing import FakeKit

SENT = ("completed", "aborted", "sending")
CLICK_COLUMNS = ("unique_clicks", "click_to_delivery_rate", "click_to_open_rate")

#: The params of a fixture that gives one database of each kind a sync writes to.
DATABASES = [
    "sqlite",
    pytest.param("postgres", marks=[pytest.mark.requires_extra("postgres"), pytest.mark.postgres]),
]


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database: a SQLite file, or a database on a real PostgreSQL server.

    A fixture, for the tests of tests/sync/ (their conftest.py imports it).
    """
    if request.param == "sqlite":
        return str(tmp_path / "clicks.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


async def fetch_rows(database: str, sql: str) -> list[dict[str, Any]]:
    """The rows `sql` selects from `database` (a SQLite path or a PostgreSQL URL)."""
    if database.startswith("postgresql://"):
        import asyncpg

        db = await asyncpg.connect(database)
        try:
            return [dict(row) for row in await db.fetch(sql)]
        finally:
            await db.close()
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql)]


@attrs.frozen
class Snapshot:
    """A database's rows: broadcasts by id, clicks by (broadcast id, url)."""

    broadcasts: dict[int, dict[str, Any]]
    clicks: dict[tuple[int, str], tuple[Any, ...]]

    def clicks_of(self, broadcast_id: int) -> dict[str, tuple[Any, ...]]:
        return {url: row for (bid, url), row in self.clicks.items() if bid == broadcast_id}


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    for name in (
        "published_at",
        "send_at",
        "clicks_synced_at",
        "outside_retention_since",
        "deleted_at",
    ):
        row[name] = _moment(row[name])
    if row["click_tracking_disabled"] is not None:
        row["click_tracking_disabled"] = bool(row["click_tracking_disabled"])
    return row


CLICKS = "SELECT broadcast_id, url, " + ", ".join(CLICK_COLUMNS) + " FROM broadcast_clicks"  # noqa: S608


async def read(database: str, account_id: int | None = None) -> Snapshot:
    """The rows a sync wrote to `database` (a SQLite path or a PostgreSQL URL).

    Those of one account, or (`None`) every row (of a database of one account).
    """
    where = "" if account_id is None else f" WHERE account_id = {int(account_id)}"
    broadcasts = await fetch_rows(database, f"SELECT * FROM broadcasts{where}")  # noqa: S608 - an int
    clicks = [tuple(row.values()) for row in await fetch_rows(database, CLICKS + where)]
    return _snapshot(broadcasts, clicks)


def _snapshot(broadcasts: list[dict[str, Any]], clicks: list[tuple[Any, ...]]) -> Snapshot:
    return Snapshot(
        broadcasts={row["id"]: _normalised(row) for row in broadcasts},
        clicks={(row[0], row[1]): tuple(row[2:]) for row in clicks},
    )


async def read_all(database: str) -> dict[int, Snapshot]:
    """Each account's rows of a PostgreSQL sync database, read at once (two queries).

    The same `Snapshot` per account as `read(database, account_id)` gives.
    """
    import asyncpg

    db = await asyncpg.connect(database)
    try:
        broadcasts = [dict(row) for row in await db.fetch("SELECT * FROM broadcasts")]
        clicks = [
            tuple(row)
            for row in await db.fetch(CLICKS.replace("SELECT ", "SELECT account_id, ", 1))
        ]
    finally:
        await db.close()
    by_account: dict[int, tuple[list[dict[str, Any]], list[tuple[Any, ...]]]] = {}
    for row in broadcasts:
        by_account.setdefault(row["account_id"], ([], []))[0].append(row)
    for click in clicks:
        by_account.setdefault(click[0], ([], []))[1].append(click[1:])
    return {account_id: _snapshot(*rows) for account_id, rows in by_account.items()}


def expected_clicks(server: FakeKit, broadcast_id: int) -> dict[str, tuple[Any, ...]]:
    """A sent broadcast's clicks as FakeKit serves them, as the database should hold them."""
    return {
        click["url"]: tuple(click[name] for name in CLICK_COLUMNS)
        for click in server.account.clicks_of(broadcast_id)
    }


def expected_figures(server: FakeKit, broadcast_id: int) -> tuple[int, int, int]:
    """(recipients, emails_opened, total_clicks) as FakeKit's stats give them."""
    stats = server.account.stats(broadcast_id)
    return stats["recipients"], stats["emails_opened"], stats["total_clicks"]


def figures(row: dict[str, Any]) -> tuple[int, int, int]:
    """A broadcasts row's (recipients, emails_opened, total_clicks)."""
    return row["recipients"], row["emails_opened"], row["total_clicks"]


def assert_mirrors(snapshot: Snapshot, server: FakeKit, *, with_figures: bool = True) -> None:
    """The database holds exactly FakeKit's broadcasts and the sent ones' clicks."""
    account = server.account
    assert set(snapshot.broadcasts) == set(account.broadcasts)
    wanted: dict[tuple[int, str], tuple[Any, ...]] = {}
    for broadcast_id, broadcast in account.broadcasts.items():
        row = snapshot.broadcasts[broadcast_id]
        assert row["status"] == broadcast.status, broadcast_id
        assert row["subject"] == broadcast.subject, broadcast_id
        assert row["published_at"] == broadcast.published_at, broadcast_id
        assert row["deleted_at"] is None, broadcast_id
        if not broadcast.sent:
            assert row["clicks_synced_at"] is None, broadcast_id
            continue
        assert row["clicks_synced_at"] is not None, broadcast_id
        if with_figures:
            assert figures(row) == expected_figures(server, broadcast_id), broadcast_id
        for url, click in expected_clicks(server, broadcast_id).items():
            wanted[broadcast_id, url] = click
    assert snapshot.clicks == wanted
