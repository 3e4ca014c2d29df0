"""`kit-async sync`: the command, its report and its exit codes, against a real FakeKit."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakekit_thread import serve_in_thread
from sync_db import assert_mirrors, read

import kit_async
from kit_async._cli import main
from kit_async.testing import FakeKit

pytestmark = pytest.mark.requires_extra("sync")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeKit]]:
    with serve_in_thread(broadcasts=6, clicks=1200, drafts=1) as served:
        server: FakeKit = served

        def start(**settings: Any) -> FakeKit:
            for name, value in settings.items():
                setattr(server, name, value)
            monkeypatch.setenv("KIT_API_KEY", server.api_key)
            monkeypatch.setenv("KIT_BASE_URL", server.url)
            return server

        yield start


def report_of(text: str) -> dict[str, str]:
    """The report's `label  value` lines, by label."""
    lines = [line.split("  ", 1) for line in text.splitlines() if "  " in line]
    return {label.strip(): value.strip() for label, value in lines}


def test_sync_writes_the_database_and_prints_its_report(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()
    database = tmp_path / "kit.sqlite"

    assert main(["sync", "--database", str(database)]) == 0

    report = report_of(capsys.readouterr().out)
    assert report["Database"] == str(database)
    assert report["Changes found by"] == "broadcast stats"
    assert report["Changed, clicks fetched"] == "5"
    assert report["Skipped as unsent"] == "1"
    assert report["Clicks written"] == "6,000"
    # The account (its id), then the stats, the list and the clicks.
    assert report["Requests spent"] == str(len(server.requests)) == "13"
    assert_mirrors(asyncio.run(read(str(database))), server)

    server.requests.clear()
    assert main(["sync", "--database", str(database)]) == 0

    report = report_of(capsys.readouterr().out)
    assert report["Skipped as unchanged"] == "5"
    assert report["Requests spent"] == "2"
    assert [r.path for r in server.requests] == ["/v4/account", "/v4/broadcasts/stats"]


def test_the_default_database_is_in_the_current_directory(
    serve: Callable[..., FakeKit],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serve()
    monkeypatch.chdir(tmp_path)

    assert main(["sync"]) == 0

    assert report_of(capsys.readouterr().out)["Database"] == str(tmp_path / "kit-clicks.sqlite")
    assert (tmp_path / "kit-clicks.sqlite").is_file()


def test_a_403_for_the_stats_is_said_once(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(stats_forbidden=True)

    assert main(["sync", "--database", str(tmp_path / "kit.sqlite"), "--recent-days", "7"]) == 0

    out = capsys.readouterr().out
    assert report_of(out)["Changes found by"] == "broadcast list"
    assert out.count("answered 403") == 1
    assert "within the last 7 days" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--database", "mysql://db/clicks"], "unknown URL scheme 'mysql'"),
        (["--database", "sqlite://host/clicks"], "a SQLite URL has no host"),
        (["--recent-days", "-1"], "expected an integer at least 0"),
        (["--wait", "soon"], "expected a number of seconds"),
        (["--concurrency", "0"], "expected an integer between 1 and 64"),
    ],
)
def test_bad_options_exit_2(
    serve: Callable[..., FakeKit],
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    server = serve()

    assert main(["sync", *arguments]) == 2

    assert message in capsys.readouterr().err
    assert server.requests == []


def test_an_unusable_database_exits_5_before_any_request(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()

    assert main(["sync", "--database", str(tmp_path)]) == 5  # a directory

    assert "cannot open the database" in capsys.readouterr().err
    assert server.requests == []


def test_a_database_another_sync_holds_exits_5(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()
    database = tmp_path / "kit.sqlite"
    # The lock of FakeKit's account (id 1).
    lock = sqlite3.connect(tmp_path / "kit.sqlite-sync-1.lock", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["sync", "--database", str(database)]) == 5
    finally:
        lock.close()

    err = capsys.readouterr().err
    assert "another kit-async sync" in err
    # The command's option, not the library's argument.
    assert "give --wait SECONDS to wait for it" in err
    assert "wait=" not in err
    # Only the account, asked to know which account's lock to take.
    assert [r.path for r in server.requests] == ["/v4/account"]
    assert main(["sync", "--database", str(database)]) == 0


@pytest.mark.requires_extra("postgres")
def test_an_unreachable_postgres_exits_5_without_its_password(
    serve: Callable[..., FakeKit], capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now.

    url = f"postgresql://kit:s3cret-pass@127.0.0.1:{port}/clicks"
    assert main(["sync", "--database", url]) == 5

    err = capsys.readouterr().err
    assert "cannot connect" in err
    assert f"postgresql://kit:***@127.0.0.1:{port}/clicks" in err
    assert "s3cret-pass" not in err
    assert server.requests == []


@pytest.mark.requires_extra("postgres")
def test_an_unreachable_postgres_exits_5_without_a_password_parameter(
    serve: Callable[..., FakeKit], capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    url = f"postgresql://kit@127.0.0.1:{port}/clicks?sslpassword=s3cret-key&password=s3cret-pass"
    assert main(["sync", "--database", url]) == 5

    captured = capsys.readouterr()
    assert "cannot connect" in captured.err
    assert f"postgresql://kit@127.0.0.1:{port}/clicks?sslpassword=***&password=***" in captured.err
    assert "s3cret" not in captured.out + captured.err
    assert server.requests == []


@pytest.mark.requires_extra("postgres")
def test_the_report_masks_a_password_parameter(
    serve: Callable[..., FakeKit], postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    serve()

    assert main(["sync", "--database", f"{postgres_url}?password=s3cret-pass"]) == 0

    captured = capsys.readouterr()
    assert report_of(captured.out)["Database"] == f"{postgres_url}?password=***"
    assert "s3cret" not in captured.out + captured.err


def test_a_file_that_is_not_a_database_exits_5_and_leaves_nothing_beside_it(
    serve: Callable[..., FakeKit], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve()
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting notes\n")

    assert main(["sync", "--database", str(notes)]) == 5

    assert "is not a SQLite database" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert notes.read_text() == "meeting notes\n"
    assert server.requests == []


#: `kit-async sync` with aiosqlite's worker threads slowed down: a thread
#: left running after the command's error then outlives its event loop every
#: time, where it did 2 to 4 runs in 30 on a read-only file system.
SLOW_WORKERS = """
import logging, sys, threading, time

class SlowWorkers(logging.Handler):
    def emit(self, record):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.3)

log = logging.getLogger("aiosqlite")
log.setLevel(logging.DEBUG)
log.propagate = False
log.addHandler(SlowWorkers())
from kit_async._entry import console
sys.exit(console())
"""


def test_a_database_that_cannot_open_ends_with_one_line_and_no_stray_traceback(
    tmp_path: Path,
) -> None:
    database = tmp_path / "kit.sqlite"
    # A link to a file in a missing directory: SQLite cannot create it.
    database.symlink_to(tmp_path / "missing" / "kit.sqlite")
    package = Path(kit_async.__file__).parent.parent
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIT_")}
    environment |= {"KIT_API_KEY": "kit_never_sent", "PYTHONPATH": str(package)}

    result = subprocess.run(  # noqa: S603 - this package's own command line
        [sys.executable, "-c", SLOW_WORKERS, "sync", "--database", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )

    assert result.returncode == 5
    assert result.stderr.startswith("kit-async: error: ")
    assert "cannot open the database" in result.stderr
    assert "Event loop is closed" not in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_no_credential_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["sync"]) == 3

    assert "no Kit credential" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
