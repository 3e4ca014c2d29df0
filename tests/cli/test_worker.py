"""`kit-async worker`, `kit-async sync --account` and `kit-async accounts`: their bad input.

Each failure is one line on stderr and the exit code `EXIT_CODES` documents,
before anything is written (no database file appears).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakekit_thread import serve_in_thread
from sync_db import assert_mirrors, read
from token_store_support import redis_server

from kit_async import TokenSet
from kit_async._cli import main
from kit_async.oauth import open_token_store
from kit_async.testing import FakeKit

pytestmark = [
    pytest.mark.requires_extra("fleet"),
    pytest.mark.requires_extra("sync"),
    pytest.mark.requires_extra("apps"),
]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, key: str) -> Iterator[FakeKit]:
    with serve_in_thread(accounts=3, broadcasts=4, clicks=5, drafts=0) as served:
        fake: FakeKit = served
        monkeypatch.setenv("KIT_BASE_URL", fake.url)
        monkeypatch.setenv("KIT_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("KIT_TOKEN_STORE_KEY", key)
        yield fake


def _store(tmp_path: Path, server: FakeKit, key: str, accounts: list[int]) -> str:
    url = f"sqlite:///{tmp_path / 'tokens.db'}"

    async def seed() -> None:
        async with open_token_store(url, encryption_key=key) as store:
            for account_id in accounts:
                access, refresh = server.issue_tokens(account=account_id)
                await store.save(account_id, TokenSet(access, refresh, expires_in=7200))

    asyncio.run(seed())
    return url


def test_worker_with_redis_down_fails_at_start_and_writes_nothing(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1])
    database = tmp_path / "clicks.sqlite"
    port = _closed_port()

    code = main(
        [
            *["worker", "--database", str(database), "--token-store", store],
            *["--redis", f"redis://:hunter2@127.0.0.1:{port}/0"],
        ]
    )

    err = capsys.readouterr().err
    assert code == 5
    assert f"cannot reach Redis at redis://127.0.0.1:{port}" in err
    assert "hunter2" not in err
    assert not database.exists()


def test_worker_with_the_database_unreachable_fails_at_start(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1])
    database = f"postgresql://kit:hunter2@127.0.0.1:{_closed_port()}/clicks"
    with redis_server(tmp_path) as redis:
        code = main(["worker", "--database", database, "--token-store", store, "--redis", redis])

    err = capsys.readouterr().err
    assert code == 5
    assert "cannot connect" in err
    assert "hunter2" not in err


def test_worker_without_the_store_key_is_a_configuration_error(
    server: FakeKit,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIT_TOKEN_STORE_KEY")

    code = main(["worker", "--database", "x.sqlite", "--token-store", "sqlite:///t.db"])

    assert code == 3
    assert "set KIT_TOKEN_STORE_KEY" in capsys.readouterr().err


def test_worker_refuses_a_tick_that_does_not_divide_the_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["worker", "--every", "7s"]) == 2
    assert "does not divide a minute" in capsys.readouterr().err


def test_sync_of_an_unknown_account_fails_before_the_database_is_made(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1, 2])
    database = tmp_path / "clicks.sqlite"

    code = main(["sync", "--database", str(database), "--account", "99", "--token-store", store])

    assert code == 4
    assert "account 99 is not in the token store (it holds 2)" in capsys.readouterr().err
    assert not database.exists()


def test_sync_from_a_token_store_with_no_account_fails(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [])
    database = tmp_path / "clicks.sqlite"

    code = main(["sync", "--database", str(database), "--account", "1", "--token-store", store])

    assert code == 4
    assert "holds no account" in capsys.readouterr().err
    assert not database.exists()


def test_sync_of_one_account_then_accounts_lists_it(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1, 2, 3])
    database = tmp_path / "clicks.sqlite"

    assert (
        main(["sync", "--database", str(database), "--account", "2", "--token-store", store]) == 0
    )
    assert "Changed, clicks fetched" in capsys.readouterr().out
    assert main(["accounts", "--database", str(database)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [
        "id",
        "name",
        "status",
        "last_sync_finished_at",
        "last_error",
    ]
    (row,) = [line.split("\t") for line in lines[1:]]
    assert row[:3] == ["2", server.accounts[2].name, "connected"]
    assert row[3] != "-"
    assert row[4] == "-"
    with server.serving(server.accounts[2]):
        assert_mirrors(asyncio.run(read(str(database), 2)), server)
    assert {r.account_id for r in server.requests} == {2}


def test_accounts_of_a_missing_database_fails_and_makes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "nowhere.sqlite"

    assert main(["accounts", "--database", str(database)]) == 5
    assert "no such database" in capsys.readouterr().err
    assert not database.exists()


def test_worker_with_the_token_store_unreachable_fails_before_the_database_is_made(
    server: FakeKit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "clicks.sqlite"
    port = _closed_port()
    store = f"redis://:hunter2@127.0.0.1:{port}/1"
    with redis_server(tmp_path) as redis:
        code = main(
            ["worker", "--database", str(database), "--token-store", store, "--redis", redis]
        )

    err = capsys.readouterr().err
    assert code == 5
    assert f"cannot use the token store at redis://127.0.0.1:{port}" in err
    assert "hunter2" not in err
    assert not database.exists()


def test_sync_of_an_account_with_the_token_store_unreachable_fails_and_writes_nothing(
    server: FakeKit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "clicks.sqlite"
    port = _closed_port()
    store = f"redis://:hunter2@127.0.0.1:{port}/1"

    code = main(["sync", "--database", str(database), "--account", "1", "--token-store", store])

    err = capsys.readouterr().err
    assert code == 5
    assert f"cannot use the token store at redis://127.0.0.1:{port}" in err
    assert "hunter2" not in err
    assert not database.exists()
    assert server.requests == []


def test_sync_of_an_account_with_the_database_unreachable_fails_before_any_request(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1])
    database = f"postgresql://kit:hunter2@127.0.0.1:{_closed_port()}/clicks"

    code = main(["sync", "--database", database, "--account", "1", "--token-store", store])

    err = capsys.readouterr().err
    assert code == 5
    assert "cannot connect" in err
    assert "hunter2" not in err
    # Neither Kit nor its token endpoint was asked anything.
    assert server.requests == []


def test_accounts_of_an_unreachable_database_fails(capsys: pytest.CaptureFixture[str]) -> None:
    database = f"postgresql://kit:hunter2@127.0.0.1:{_closed_port()}/clicks"

    assert main(["accounts", "--database", database]) == 5

    err = capsys.readouterr().err
    assert "cannot connect" in err
    assert "hunter2" not in err


def test_accounts_of_a_database_with_no_account_yet_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kit_async.sync._accounts import prepare_database
    from kit_async.sync._target import parse_database

    database = tmp_path / "clicks.sqlite"
    asyncio.run(prepare_database(parse_database(str(database))))

    assert main(["accounts", "--database", str(database)]) == 0

    out, err = capsys.readouterr()
    assert out.splitlines() == ["id\tname\tstatus\tlast_sync_finished_at\tlast_error"]
    assert "the database holds no account yet" in err


def test_worker_refuses_a_version_1_database_holding_an_accounts_rows(
    server: FakeKit, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path, server, key, [1])
    database = tmp_path / "clicks.sqlite"
    dump = Path(__file__).parents[1] / "sync" / "schema_v1" / "sqlite.sql"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.executescript(dump.read_text())
    before = _clicks_rows(database)
    with redis_server(tmp_path) as redis:
        code = main(
            ["worker", "--database", str(database), "--token-store", store, "--redis", redis]
        )

    assert code == 5
    assert "holds one account's clicks at schema version 1" in capsys.readouterr().err
    assert _clicks_rows(database) == before


def _clicks_rows(database: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return [
            *db.execute("SELECT * FROM broadcasts ORDER BY id"),
            *db.execute("SELECT * FROM broadcast_clicks ORDER BY broadcast_id, url"),
        ]


@pytest.mark.parametrize("schema", ["version 1", "not kit-async's"])
def test_accounts_of_a_database_without_an_accounts_table_says_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: str
) -> None:
    database = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(database)) as db:
        if schema == "version 1":
            dump = Path(__file__).parents[1] / "sync" / "schema_v1" / "sqlite.sql"
            db.executescript(dump.read_text())
        else:
            db.execute("CREATE TABLE notes (body TEXT)")
    before = database.read_bytes()

    assert main(["accounts", "--database", str(database)]) == 5

    out, err = capsys.readouterr()
    assert out == ""
    assert f"{database} has no accounts table" in err
    assert "kit-async worker, or kit-async sync --account, adds the table" in err
    assert database.read_bytes() == before


@pytest.mark.requires_extra("postgres")
def test_accounts_of_a_postgresql_database_without_an_accounts_table_says_so(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "--database", postgres_url]) == 5

    err = capsys.readouterr().err
    assert "has no accounts table" in err
    assert "UndefinedTable" not in err
