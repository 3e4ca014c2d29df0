"""The PostgreSQL test server (tests/helpers/pg.py) and its fixtures: real servers, never mocked.

Where PostgreSQL's binaries are missing, every test here but the finder's is
skipped with the reason (`.ci/run` installs Debian's `postgresql`).
"""

from __future__ import annotations

import os
import pwd
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
from pg import MISSING, PostgresServer, find_bin_dir


@pytest.fixture
def bin_dir() -> Path:
    found: Path | None = find_bin_dir()
    if found is None:
        pytest.skip(MISSING)
    return found


@pytest.fixture
def own_server(bin_dir: Path) -> Iterator[PostgresServer]:
    """A server of this test's own, which it may stop and restart."""
    with PostgresServer(bin_dir) as server:
        yield server


def _fake_installation(directory: Path, names: tuple[str, ...]) -> Path:
    directory.mkdir(parents=True)
    for name in names:
        binary = directory / name
        binary.write_text("#!/bin/sh\n")
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return directory


ALL = ("initdb", "postgres", "psql", "createdb")


def test_finder_follows_initdb_in_path_to_its_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installation = _fake_installation(tmp_path / "lib" / "15" / "bin", ALL)
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    (path_dir / "initdb").symlink_to(installation / "initdb")
    monkeypatch.setenv("PATH", str(path_dir))
    monkeypatch.setattr("pg.DEBIAN_GLOB", str(tmp_path / "nowhere" / "*" / "bin"))

    assert find_bin_dir() == installation.resolve()


def test_finder_takes_the_newest_complete_debian_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_installation(tmp_path / "9.6" / "bin", ALL)
    newest_complete = _fake_installation(tmp_path / "15" / "bin", ALL)
    _fake_installation(tmp_path / "16" / "bin", ("initdb", "postgres"))  # no psql
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("pg.DEBIAN_GLOB", str(tmp_path / "*" / "bin"))

    assert find_bin_dir() == newest_complete


def test_finder_says_none_without_any_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("pg.DEBIAN_GLOB", str(tmp_path / "*" / "bin"))

    assert find_bin_dir() is None
    assert "apt-get install postgresql" in MISSING


def test_the_shared_server_accepts_connections(postgres_server: PostgresServer) -> None:
    assert postgres_server.running
    assert postgres_server.url == f"postgresql://kit@127.0.0.1:{postgres_server.port}/postgres"
    assert postgres_server.psql("SELECT 1 + 1") == "2\n"


def test_the_server_never_runs_as_root(postgres_server: PostgresServer) -> None:
    # The checkpointer lives as long as the server (psql's own backend exits
    # with psql, before psutil could look at it).
    checkpointer = int(
        postgres_server.psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
    )

    runs_as = psutil.Process(checkpointer).uids().real
    assert runs_as != 0
    # Root hands the server to `nobody`; anyone else runs it as themselves.
    assert runs_as == (pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid())


def test_postgres_url_is_a_new_empty_database(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    prefix, name = postgres_url.rsplit("/", 1)
    assert prefix == f"postgresql://kit@127.0.0.1:{postgres_server.port}"
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    assert postgres_server.psql(tables, database=name) == "0\n"
    postgres_server.psql("CREATE TABLE t (x int)", database=name)

    other = postgres_server.create_database().rsplit("/", 1)[1]

    assert other != name
    assert postgres_server.psql(tables, database=other) == "0\n"
    assert postgres_server.psql(tables, database=name) == "1\n"


def test_a_database_is_dropped_even_with_a_session_open(
    postgres_server: PostgresServer,
) -> None:
    name = postgres_server.create_database().rsplit("/", 1)[1]
    connection = ["-h", "127.0.0.1", "-p", str(postgres_server.port), "-U", "kit", "-d", name]
    session = subprocess.Popen(  # noqa: S603 - the cluster's psql, fixed arguments
        [str(postgres_server.bin_dir / "psql"), *connection, "-c", "SELECT pg_sleep(60)"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sessions = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"  # noqa: S608 - our own test_N
        deadline = time.monotonic() + 10
        while postgres_server.psql(sessions) != "1\n":
            assert time.monotonic() < deadline, "the session never connected"
            time.sleep(0.02)

        postgres_server.drop_database(name)

        assert session.wait(timeout=10) != 0  # its session was ended
    finally:
        session.kill()
        session.wait()
    gone = f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - test_N
    assert postgres_server.psql(gone) == "0\n"


def test_an_sql_error_raises_with_psqls_message(postgres_server: PostgresServer) -> None:
    with pytest.raises(RuntimeError, match='column "nope" does not exist'):
        postgres_server.psql("SELECT nope")


def test_stop_refuses_connections_and_start_serves_the_same_data(
    own_server: PostgresServer,
) -> None:
    name = own_server.create_database().rsplit("/", 1)[1]
    own_server.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (42)", database=name)
    url = own_server.url

    own_server.stop()

    assert not own_server.running
    with pytest.raises(RuntimeError, match="psql failed"):
        own_server.psql("SELECT 1")

    own_server.start()

    assert own_server.running
    assert own_server.url == url
    assert own_server.psql("SELECT x FROM t", database=name) == "42\n"


def test_close_removes_the_directory(bin_dir: Path) -> None:
    server = PostgresServer(bin_dir)
    server.start()
    directory = server.directory
    assert (directory / "data" / "PG_VERSION").exists()

    server.close()

    assert not server.running
    assert not directory.exists()


def test_a_start_that_fails_says_why(bin_dir: Path) -> None:
    server = PostgresServer(bin_dir)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        with pytest.raises(RuntimeError, match="postgres exited at start") as failure:
            server.__enter__()

    assert "could not" in str(failure.value)  # from the server's log
    assert not server.directory.exists()
