"""`kit_async.sync.sync_clicks` against FakeKit, into SQLite and a real PostgreSQL.

Every test compares the database row by row with FakeKit's own data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sync_db import (
    Snapshot,
    assert_mirrors,
    expected_clicks,
    expected_figures,
    figures,
    read,
)

import kit_async
from kit_async.sync import (
    DatabaseError,
    SyncLockedError,
    SyncProgress,
    SyncReport,
    sync_clicks,
)
from kit_async.testing import FakeKit

pytestmark = pytest.mark.requires_extra("sync")


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    """12 broadcasts (the last 2 unsent) of 1,500 clicks: two pages each."""
    async with FakeKit(broadcasts=12, clicks=1500, drafts=2) as fake:
        yield fake


@pytest.fixture
async def kit(server: FakeKit) -> AsyncIterator[kit_async.KitClient]:
    async with kit_async.KitClient(
        server.api_key, base_url=server.url, rate_limit=None, timeout=5.0
    ) as client:
        yield client


def clicks_requests(server: FakeKit, *, since: float = 0.0) -> list[int]:
    """The broadcast ids whose clicks were asked for, one per request."""
    return [
        int(request.path.split("/")[3])
        for request in server.requests
        if request.path.endswith("/clicks") and request.at >= since
    ]


def add_sent(server: FakeKit, *, days_ago: float, urls: int = 3, **fields: Any) -> int:
    """A sent broadcast with explicit clicks and stats (so tests can change them)."""
    now = datetime.now(UTC).replace(microsecond=0)
    sent = now - timedelta(days=days_ago)
    clicks = [
        {
            "url": f"https://example.com/explicit/{i}",
            "unique_clicks": 10 + i,
            "click_to_delivery_rate": round((10 + i) / 1000, 4),
            "click_to_open_rate": round((10 + i) / 500, 4),
        }
        for i in range(urls)
    ]
    broadcast = server.account.add_broadcast(
        status="completed",
        subject=f"Sent {days_ago} days ago",
        published_at=sent,
        send_at=sent,
        created_at=sent,
        public=True,
        clicks=clicks,
        stats=_stats(clicks, **fields),
    )
    return broadcast.id


def _stats(clicks: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    total = sum(click["unique_clicks"] for click in clicks)
    return {
        "recipients": 1000,
        "open_rate": 0.5,
        "emails_opened": 500,
        "click_rate": total / 1000,
        "unsubscribe_rate": 0.0,
        "unsubscribes": 0,
        "total_clicks": total,
        "show_total_clicks": True,
        "progress": 100.0,
        "open_tracking_disabled": False,
        "click_tracking_disabled": False,
        **fields,
    }


def each_whole(snapshot: Snapshot, before: Snapshot, server: FakeKit, ids: list[int]) -> list[int]:
    """Check each broadcast is exactly as `before` or exactly FakeKit's now; the updated ones."""
    updated = []
    for broadcast_id in ids:
        row = snapshot.broadcasts[broadcast_id]
        if figures(row) == expected_figures(server, broadcast_id):
            assert snapshot.clicks_of(broadcast_id) == expected_clicks(server, broadcast_id)
            updated.append(broadcast_id)
        else:
            assert row == before.broadcasts[broadcast_id]
            assert snapshot.clicks_of(broadcast_id) == before.clicks_of(broadcast_id)
    return updated


# -- the first sync and the re-sync ----------------------------------------------------


async def test_first_sync_mirrors_fakekit(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    report = await sync_clicks(kit, database)

    assert_mirrors(await read(database), server)
    assert report.mode == "stats"
    assert (report.seen, report.fetched, report.unsent, report.unchanged) == (12, 10, 2, 0)
    assert report.clicks_written == 10 * 1500
    # The account (its id), one stats page, one list page (publication times),
    # two clicks pages per broadcast.
    assert report.requests == 1 + 1 + 1 + 10 * 2 == len(server.requests)
    assert sorted(set(clicks_requests(server))) == list(range(1, 11))


async def test_a_sync_without_changes_spends_one_request(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    await sync_clicks(kit, database)
    before = await read(database)
    server.requests.clear()

    report = await sync_clicks(kit, database)

    assert [request.path for request in server.requests] == ["/v4/account", "/v4/broadcasts/stats"]
    assert (report.requests, report.fetched, report.unchanged, report.unsent) == (2, 0, 10, 2)
    after = await read(database)
    assert after.clicks == before.clicks
    assert after.broadcasts == before.broadcasts


async def test_a_resync_fetches_only_the_changed_broadcasts(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    changed = add_sent(server, days_ago=3)
    same = add_sent(server, days_ago=4)
    opened = add_sent(server, days_ago=5)
    await sync_clicks(kit, database)
    server.account.add_clicks(changed, "https://example.com/explicit/1", 5)
    server.account.add_clicks(changed, "https://example.com/new", 2)
    # Opens change every click's click-to-open rate, not the total: fetched too.
    server.account.add_opens(opened, 100)
    server.requests.clear()

    report = await sync_clicks(kit, database)

    assert sorted(clicks_requests(server)) == sorted([changed, opened])
    assert report.requests == 1 + 1 + 2
    assert (report.fetched, report.unchanged) == (2, 11)
    snapshot = await read(database)
    assert_mirrors(snapshot, server)
    assert snapshot.clicks_of(changed)["https://example.com/new"][0] == 2
    assert figures(snapshot.broadcasts[same]) == expected_figures(server, same)


async def test_full_refreshes_everything(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    await sync_clicks(kit, database)
    server.requests.clear()

    report = await sync_clicks(kit, database, full=True)

    assert report.fetched == 10
    assert report.full
    assert sorted(set(clicks_requests(server))) == list(range(1, 11))
    assert_mirrors(await read(database), server)


async def test_no_clicks_and_tracking_off_need_no_clicks_request(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    none_yet = add_sent(server, days_ago=1, urls=0)
    untracked = add_sent(server, days_ago=2, urls=0, click_tracking_disabled=True)
    server.requests.clear()

    report = await sync_clicks(kit, database)

    assert none_yet not in clicks_requests(server)
    assert untracked not in clicks_requests(server)
    assert report.without_clicks == 2
    snapshot = await read(database)
    assert snapshot.clicks_of(none_yet) == {}
    assert snapshot.broadcasts[untracked]["click_tracking_disabled"] is True
    assert snapshot.broadcasts[untracked]["clicks_synced_at"] is not None
    assert_mirrors(snapshot, server)


async def test_a_draft_sent_between_syncs_is_picked_up(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    await sync_clicks(kit, database)  # 11 and 12 are unsent
    server.account.send_broadcast(11, recipients=100)
    server.account.add_clicks(11, "https://example.com/launch", 4)
    server.requests.clear()

    report = await sync_clicks(kit, database)

    assert clicks_requests(server) == [11]
    # Its publication time is only in the broadcast list: read once.
    listings = [r.path for r in server.requests if not r.path.endswith("/clicks")]
    assert listings == ["/v4/account", "/v4/broadcasts/stats", "/v4/broadcasts"]
    assert (report.fetched, report.unsent) == (1, 1)
    assert_mirrors(await read(database), server)


async def test_a_broadcast_never_published_does_not_cost_a_list_each_time(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    unpublished = add_sent(server, days_ago=3)
    server.account.broadcasts[unpublished].published_at = None
    await sync_clicks(kit, database)
    server.requests.clear()

    report = await sync_clicks(kit, database)

    assert [r.path for r in server.requests] == ["/v4/account", "/v4/broadcasts/stats"]
    assert report.unchanged == 11


# -- retention and deletion -----------------------------------------------------------


async def test_an_aged_out_broadcast_keeps_its_clicks(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    old = add_sent(server, days_ago=400)
    await sync_clicks(kit, database)
    kept = (await read(database)).clicks_of(old)
    assert kept == expected_clicks(server, old)
    # Five years on, Kit leaves it out of the stats (it is still in the list).
    server.account.age_out(old)

    report = await sync_clicks(kit, database)

    assert report.outside_retention == 1
    assert report.deleted == 0
    snapshot = await read(database)
    assert snapshot.clicks_of(old) == kept
    assert snapshot.broadcasts[old]["outside_retention_since"] is not None
    assert snapshot.broadcasts[old]["deleted_at"] is None


async def test_a_400_for_an_aged_out_broadcast_is_that_state(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.stats_forbidden = True
    old = add_sent(server, days_ago=6 * 366)

    report = await sync_clicks(kit, database)

    assert old in clicks_requests(server)
    assert report.outside_retention == 1
    snapshot = await read(database)
    assert snapshot.broadcasts[old]["outside_retention_since"] is not None
    assert snapshot.clicks_of(old) == {}
    assert snapshot.broadcasts[old]["clicks_synced_at"] is None


async def test_a_deleted_broadcast_is_marked_then_pruned(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    gone = add_sent(server, days_ago=9)
    await sync_clicks(kit, database)
    server.account.delete_broadcast(gone)

    report = await sync_clicks(kit, database)

    assert report.deleted == 1
    snapshot = await read(database)
    assert snapshot.broadcasts[gone]["deleted_at"] is not None
    assert len(snapshot.clicks_of(gone)) == 3

    report = await sync_clicks(kit, database, prune=True)

    assert report.pruned == 1
    snapshot = await read(database)
    assert gone not in snapshot.broadcasts
    assert snapshot.clicks_of(gone) == {}
    assert_mirrors(snapshot, server)


# -- where the stats answer 403 ---------------------------------------------------------


async def test_fallback_mirrors_fakekit_and_says_why(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.stats_forbidden = True

    report = await sync_clicks(kit, database)

    assert report.mode == "list"
    assert len(report.notes) == 1
    assert "403" in report.notes[0]
    assert (report.fetched, report.unsent) == (10, 2)
    # No 404 spent on drafts: their status is in the list.
    assert sorted(set(clicks_requests(server))) == list(range(1, 11))
    snapshot = await read(database)
    assert_mirrors(snapshot, server, with_figures=False)


async def test_fallback_resync_fetches_only_recent_and_never_synced(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.stats_forbidden = True
    recent = add_sent(server, days_ago=2)
    await sync_clicks(kit, database, recent_days=30)
    server.account.add_clicks(recent, "https://example.com/explicit/0", 7)
    newer = add_sent(server, days_ago=1)
    older_new = add_sent(server, days_ago=200)
    server.requests.clear()

    report = await sync_clicks(kit, database, recent_days=30)

    assert sorted(clicks_requests(server)) == sorted([recent, newer, older_new])
    # The generated broadcasts were sent in 2024: settled.
    assert (report.fetched, report.settled) == (3, 10)
    snapshot = await read(database)
    assert_mirrors(snapshot, server, with_figures=False)


async def test_fallback_full_refreshes_old_ones_too(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.stats_forbidden = True
    await sync_clicks(kit, database)
    server.requests.clear()

    report = await sync_clicks(kit, database, full=True)

    assert report.fetched == 10
    assert sorted(set(clicks_requests(server))) == list(range(1, 11))


# -- the database ---------------------------------------------------------------------


def _started(
    kit: kit_async.KitClient, database: str
) -> tuple[asyncio.Task[SyncReport], asyncio.Event]:
    """A sync in a task, and an event set once it is fetching clicks (holding the lock)."""
    fetching = asyncio.Event()

    def progress(where: SyncProgress) -> None:
        if where.phase == "fetching":
            fetching.set()

    return asyncio.create_task(sync_clicks(kit, database, on_progress=progress)), fetching


async def test_a_second_sync_of_the_same_database_stops_with_a_message(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.latency = 0.02
    first, fetching = _started(kit, database)
    await fetching.wait()
    server_requests = len(server.requests)

    with pytest.raises(SyncLockedError, match=r"another kit-async sync of .* is running") as caught:
        await sync_clicks(kit, database)

    # It says how to wait instead.
    assert "pass wait=SECONDS to sync_clicks" in str(caught.value)

    # Refused before any request of its own but the account's (the lock is the account's).
    own = [r.path for r in server.requests[server_requests:] if not r.path.endswith("/clicks")]
    assert own == ["/v4/account"]
    await first
    assert_mirrors(await read(database), server)


async def test_a_second_sync_can_wait_for_the_first(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    server.latency = 0.01
    first, fetching = _started(kit, database)
    await fetching.wait()

    second = await sync_clicks(kit, database, wait=30)

    assert first.done()
    assert (await first).fetched == 10
    assert second.fetched == 0


async def test_a_database_kit_async_did_not_make_is_refused(
    server: FakeKit, kit: kit_async.KitClient, tmp_path: Any
) -> None:
    import sqlite3

    path = tmp_path / "app.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE broadcasts (id INTEGER PRIMARY KEY, title TEXT)")
        db.commit()

    with pytest.raises(DatabaseError, match="kit-async did not create"):
        await sync_clicks(kit, path)

    assert server.requests == []
    # Nothing is left beside the app's own database (no `-sync.lock`, no WAL
    # files), and the database itself is as it was (not switched to WAL mode).
    assert [p.name for p in tmp_path.iterdir()] == ["app.sqlite"]
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


async def test_an_unopenable_database_fails_before_any_request(
    server: FakeKit, kit: kit_async.KitClient, tmp_path: Any
) -> None:
    (tmp_path / "file").write_text("not a directory")

    with pytest.raises(DatabaseError, match="is not a directory"):
        await sync_clicks(kit, tmp_path / "file" / "clicks.sqlite")
    (tmp_path / "dir").mkdir()
    with pytest.raises(DatabaseError, match="cannot open the database: it is a directory"):
        await sync_clicks(kit, tmp_path / "dir")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "clicks.sqlite").mkdir()
    with pytest.raises(DatabaseError, match="cannot open the database"):
        await sync_clicks(kit, tmp_path / "ro" / "clicks.sqlite")

    assert server.requests == []
    # Nothing left behind, beside the database or above it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file", "ro"]
    assert list((tmp_path / "dir").iterdir()) == []


async def test_progress_is_reported(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    seen: list[SyncProgress] = []

    await sync_clicks(kit, database, on_progress=seen.append)

    assert seen[0].phase == "listing"
    assert seen[-1] == SyncProgress(
        phase="fetching", to_fetch=10, done=10, pages=20, clicks_written=15_000, requests=23
    )
    assert [p.done for p in seen if p.phase == "fetching"] == list(range(11))


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"full": 1}, TypeError, "full must be a bool"),
        ({"recent_days": -1}, ValueError, "recent_days must be at least 0"),
        ({"concurrency": 0}, ValueError, "concurrency must be at least 1"),
        ({"concurrency": True}, TypeError, "concurrency must be an int"),
        ({"wait": -1}, ValueError, "wait must be 0 or more"),
        ({"on_progress": 3}, TypeError, "on_progress must be a function"),
        ({"database": "mysql://db/x"}, ValueError, "unknown URL scheme 'mysql'"),
        ({"database": ""}, ValueError, "database is empty"),
        ({"database": 3}, TypeError, "database must be a file path or a URL"),
    ],
)
async def test_bad_arguments_are_refused_before_anything(  # noqa: PLR0917 - fixtures
    server: FakeKit,
    kit: kit_async.KitClient,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(error, match=message):
        await sync_clicks(kit, **arguments)

    assert server.requests == []
    assert list(tmp_path.iterdir()) == []


# -- a sync killed mid-way --------------------------------------------------------------

_SYNC_IN_A_PROCESS = """
import asyncio, sys
import kit_async
from kit_async.sync import sync_clicks

async def main():
    async with kit_async.KitClient(sys.argv[1], base_url=sys.argv[2], rate_limit=None) as kit:
        await sync_clicks(kit, sys.argv[3], concurrency=2)

asyncio.run(main())
"""


async def test_a_sync_killed_mid_way_leaves_each_broadcast_whole(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    import signal
    import sys

    ids = [add_sent(server, days_ago=10 + i, urls=1500) for i in range(8)]
    await sync_clicks(kit, database)
    before = await read(database)
    for broadcast_id in ids:
        server.account.add_clicks(broadcast_id, "https://example.com/explicit/7", 3)
        server.account.add_clicks(broadcast_id, f"https://example.com/new/{broadcast_id}", 1)
    server.latency = 0.05
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SYNC_IN_A_PROCESS, server.api_key, server.url, database
    )
    try:
        # Kill it once a few broadcasts are written and others are not.
        for _ in range(2000):
            snapshot = await read(database)
            done = [
                i for i in ids if figures(snapshot.broadcasts[i]) == expected_figures(server, i)
            ]
            if len(done) >= 2:
                break
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        await process.wait()
    assert process.returncode == -signal.SIGKILL

    snapshot = await read(database)
    updated = each_whole(snapshot, before, server, ids)
    # The kill landed mid-way: some broadcasts were written, some were not.
    assert 2 <= len(updated) < len(ids)

    server.latency = 0.0
    # The killed process's last requests may still be answered: count from now.
    rerun = time.monotonic()
    report = await sync_clicks(kit, database)

    assert sorted(clicks_requests(server, since=rerun)) == sorted(
        2 * [i for i in ids if i not in updated]
    )
    assert report.fetched == len(ids) - len(updated)
    assert_mirrors(await read(database), server)


async def test_the_report_counts_only_the_syncs_own_requests(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    async def the_apps_own_calls() -> None:
        for _ in range(5):
            await kit.broadcasts.get(1)

    report, _ = await asyncio.gather(sync_clicks(kit, database), the_apps_own_calls())

    assert report.requests == 1 + 1 + 1 + 10 * 2
    assert len(server.requests) == report.requests + 5


@pytest.mark.requires_extra("postgres")
async def test_a_postgres_role_that_cannot_create_tables_fails_before_any_request(
    server: FakeKit, kit: kit_async.KitClient, postgres_server: Any
) -> None:
    url = postgres_server.create_database()
    name = url.rsplit("/", 1)[1]
    postgres_server.psql("CREATE ROLE reader LOGIN")
    # (PostgreSQL 15's default; said here for older servers.)
    postgres_server.psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", database=name)
    try:
        reader = url.replace("//kit@", "//reader@")

        with pytest.raises(DatabaseError, match="cannot prepare the database for writing"):
            await sync_clicks(kit, reader)

        assert server.requests == []
    finally:
        postgres_server.drop_database(name)
        postgres_server.psql("DROP ROLE reader")


async def test_a_cancelled_sync_leaves_each_broadcast_whole_and_the_lock_free(
    server: FakeKit, kit: kit_async.KitClient, database: str
) -> None:
    ids = [add_sent(server, days_ago=10 + i, urls=1500) for i in range(6)]
    await sync_clicks(kit, database)
    before = await read(database)
    for broadcast_id in ids:
        server.account.add_clicks(broadcast_id, f"https://example.com/new/{broadcast_id}", 1)
    server.latency = 0.01
    written = asyncio.Event()

    def progress(where: SyncProgress) -> None:
        if where.done >= 2:
            written.set()

    task = asyncio.create_task(sync_clicks(kit, database, concurrency=2, on_progress=progress))
    # Cancelled the moment the second broadcast is written: the sync is then
    # inside a database write (with asyncpg, this hung before writes were
    # shielded: the driver's cancel of a pipelined executemany never returned).
    async with asyncio.timeout(30):
        await written.wait()
    task.cancel()
    # (In this order: a hung task must fail the test with TimeoutError.)
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(30):
            await task

    snapshot = await read(database)
    updated = each_whole(snapshot, before, server, ids)
    assert 2 <= len(updated) < len(ids)
    # The lock went with it: the next sync runs at once and finishes the job.
    report = await sync_clicks(kit, database)
    assert report.fetched == len(ids) - len(updated)
    assert_mirrors(await read(database), server)


# -- credentials in a PostgreSQL URL ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it now


@pytest.mark.requires_extra("postgres")
async def test_an_unreachable_postgres_is_named_without_any_credential(
    server: FakeKit, kit: kit_async.KitClient, caplog: pytest.LogCaptureFixture
) -> None:
    port = _free_port()
    url = (
        f"postgresql://kit:s3cr3t-a@127.0.0.1:{port}/clicks"
        "?password=s3cr3t-b&sslpassword=s3cr3t-c&sslmode=disable"
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DatabaseError, match="cannot connect") as caught:
        await sync_clicks(kit, url)

    error = caught.value
    assert error.database == (
        f"postgresql://kit:***@127.0.0.1:{port}/clicks?password=***&sslpassword=***&sslmode=disable"
    )
    assert str(error).startswith(f"{error.database}: cannot connect: ")
    surfaces = [str(error), repr(error), error.database, caplog.text]
    surfaces += [record.getMessage() for record in caplog.records]
    assert not [text for text in surfaces if "s3cr3t" in text]
    assert server.requests == []


@pytest.mark.requires_extra("postgres")
async def test_a_driver_error_that_quotes_the_url_is_masked(
    server: FakeKit, kit: kit_async.KitClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncpg

    async def refuse(dsn: str, **_: object) -> None:
        raise asyncpg.InterfaceError(f"cannot use {dsn}")

    monkeypatch.setattr(asyncpg, "connect", refuse)

    with pytest.raises(DatabaseError) as caught:
        await sync_clicks(kit, "postgresql://kit:s3cr3t-a@db/clicks?password=s3cr3t-b")

    assert "s3cr3t" not in f"{caught.value} {caught.value!r}"
    assert str(caught.value).endswith(
        "cannot connect: cannot use postgresql://kit:***@db/clicks?password=***"
    )
    assert server.requests == []


@pytest.mark.requires_extra("postgres")
async def test_a_parameter_asyncpg_refuses_is_a_database_error(
    server: FakeKit, kit: kit_async.KitClient
) -> None:
    with pytest.raises(DatabaseError, match="cannot connect") as caught:
        await sync_clicks(kit, "postgresql://kit@db/clicks?port=none&password=s3cr3t")

    assert caught.value.database == "postgresql://kit@db/clicks?port=none&password=***"
    assert "s3cr3t" not in f"{caught.value} {caught.value!r}"
    assert server.requests == []


@pytest.mark.requires_extra("postgres")
async def test_a_password_parameter_is_masked_in_the_report(
    server: FakeKit, kit: kit_async.KitClient, postgres_url: str
) -> None:
    # The test server trusts local connections: the password is not needed, only given.
    report = await sync_clicks(kit, f"{postgres_url}?password=s3cr3t&sslpassword=s3cr3t")

    assert report.database == f"{postgres_url}?password=***&sslpassword=***"
    assert str(report).splitlines()[0].endswith(f"{postgres_url}?password=***&sslpassword=***")
    assert "s3cr3t" not in f"{report} {report!r}"
    assert report.fetched == 10


# -- what a refused SQLite file leaves behind ---------------------------------------------


async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    server: FakeKit, kit: kit_async.KitClient, tmp_path: Any
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Not a database: somebody's notes.\n" * 20)

    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        await sync_clicks(kit, notes)

    assert server.requests == []
    # No lock file, no journal: the directory holds what it held.
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert notes.read_text() == "Not a database: somebody's notes.\n" * 20


async def test_an_empty_file_is_a_new_database(
    server: FakeKit, kit: kit_async.KitClient, tmp_path: Any
) -> None:
    (tmp_path / "clicks.sqlite").touch()  # SQLite's own view: an empty database

    report = await sync_clicks(kit, tmp_path / "clicks.sqlite")

    assert report.fetched == 10


def _recorded_stops(monkeypatch: pytest.MonkeyPatch) -> list[asyncio.Future[Any] | None]:
    """The futures of every aiosqlite worker thread's stop, from now on.

    aiosqlite before 0.21 has no `stop()` (its connection is the thread, and
    `close()` joins it): nothing to record there, the threads are checked.
    """
    import aiosqlite

    stops: list[asyncio.Future[Any] | None] = []
    stop = getattr(aiosqlite.Connection, "stop", None)
    if stop is None:
        return stops

    def recorded(self: aiosqlite.Connection) -> asyncio.Future[Any] | None:
        future: asyncio.Future[Any] | None = stop(self)
        stops.append(future)
        return future

    monkeypatch.setattr(aiosqlite.Connection, "stop", recorded)
    return stops


@pytest.mark.parametrize("unopenable", ["the lock", "the database"])
async def test_a_connection_that_cannot_open_leaves_no_thread_behind(
    server: FakeKit,
    kit: kit_async.KitClient,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    unopenable: str,
) -> None:
    import aiosqlite

    database = tmp_path / "clicks.sqlite"
    if unopenable == "the lock":
        (tmp_path / "clicks.sqlite-sync-1.lock").mkdir()
    else:
        # A link to a file in a missing directory: SQLite cannot create it.
        database.symlink_to(tmp_path / "missing" / "clicks.sqlite")
    stops = _recorded_stops(monkeypatch)
    before = set(threading.enumerate())

    with pytest.raises(DatabaseError, match=r"cannot (open the database|take the sync lock)"):
        await sync_clicks(kit, database)

    # Every worker thread was stopped and has said so on this loop already:
    # none is left to report to a loop that `asyncio.run` may close at once
    # ("RuntimeError: Event loop is closed" in a stray traceback).
    assert all(future is None or future.done() for future in stops)
    workers = [
        thread
        for thread in set(threading.enumerate()) - before
        # aiosqlite 0.21 and later name their worker; before, the connection is the thread.
        if "_connection_worker_thread" in thread.name or isinstance(thread, aiosqlite.Connection)
    ]
    for worker in workers:
        worker.join(timeout=5)
    assert not [worker for worker in workers if worker.is_alive()]
    # The account's lock is taken once Kit has said which account it is.
    wanted = ["/v4/account"] if unopenable == "the lock" else []
    assert [r.path for r in server.requests] == wanted


async def test_a_sync_cancelled_while_sqlite_opens_a_file_closes_it(
    server: FakeKit, kit: kit_async.KitClient, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    connect = sqlite3.connect
    opening, go_on = threading.Event(), threading.Event()
    opened: list[sqlite3.Connection] = []

    def held_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opening.set()
        go_on.wait(timeout=10)
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", held_connect)
    stops = _recorded_stops(monkeypatch)
    task = asyncio.create_task(sync_clicks(kit, tmp_path / "clicks.sqlite"))
    assert await asyncio.to_thread(opening.wait, 10)

    task.cancel()  # while SQLite opens the lock file
    go_on.set()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(30):
            await task

    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")
    assert all(future is None or future.done() for future in stops)
    assert server.requests == []
