"""The parts of `kit_async.sync` that need no server: database names, errors, the report."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from kit_async.sync import DatabaseError, SyncError, SyncLockedError, SyncReport
from kit_async.sync._target import parse_database


@pytest.mark.parametrize(
    ("given", "kind", "path"),
    [
        (None, "sqlite", "kit-clicks.sqlite"),
        ("clicks.db", "sqlite", "clicks.db"),
        (Path("data/clicks.db"), "sqlite", "data/clicks.db"),
        ("  clicks.db \n", "sqlite", "clicks.db"),
        ("sqlite:///relative.db", "sqlite", "relative.db"),
    ],
)
def test_sqlite_targets(
    given: object, kind: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    target = parse_database(given)  # type: ignore[arg-type]

    assert target.kind == kind
    assert target.path == tmp_path / path
    assert target.shown == str(tmp_path / path)


def test_an_absolute_sqlite_url() -> None:
    assert parse_database("sqlite:////srv/kit/clicks.db").path == Path("/srv/kit/clicks.db")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://kit@db/clicks",
        "postgres://kit@db/clicks",
        "postgresql+asyncpg://kit@db/clicks",
    ],
)
def test_postgres_targets(url: str) -> None:
    target = parse_database(url)

    assert target.kind == "postgresql"
    assert target.dsn == "postgresql://kit@db/clicks"
    assert target.shown == "postgresql://kit@db/clicks"


def test_a_password_is_never_shown() -> None:
    target = parse_database("postgresql://kit:hunter2@db:5432/clicks")

    assert target.shown == "postgresql://kit:***@db:5432/clicks"
    assert "hunter2" not in repr(target)
    assert target.dsn is not None
    assert "hunter2" in target.dsn


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("sqlite://", "a SQLite URL has no host"),
        ("sqlite:///", "a SQLite URL has no host"),
        ("sqlite://host/file.db", "a SQLite URL has no host"),
        ("postgresql://kit:hunter2@db:port/x", "not a valid PostgreSQL URL"),
        ("https://example.com/db", "unknown URL scheme 'https'"),
        ("   ", "database is empty"),
    ],
)
def test_bad_databases_are_refused_without_the_password(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_database(given)

    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("cls", [SyncError, DatabaseError, SyncLockedError])
def test_the_errors_pickle_and_copy(cls: type[SyncError]) -> None:
    error = cls("clicks.db: a write failed", database="clicks.db")

    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):  # noqa: S301 - our bytes
        assert type(again) is cls
        assert str(again) == "clicks.db: a write failed"
        assert again.database == "clicks.db"


def _report(**changes: object) -> SyncReport:
    fields: dict[str, object] = {
        "database": "clicks.db",
        "mode": "stats",
        "full": False,
        "seen": 1000,
        "fetched": 10,
        "without_clicks": 1,
        "unchanged": 989,
        "unsent": 0,
        "settled": 0,
        "outside_retention": 0,
        "deleted": 0,
        "pruned": 0,
        "clicks_written": 2010,
        "requests": 11,
        "seconds": 0.25,
    }
    return SyncReport(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_report_reads_as_a_table() -> None:
    report = _report()

    assert report.changed == 11
    assert str(report).splitlines() == [
        "Database                     clicks.db",
        "Changes found by             broadcast stats",
        "Broadcasts seen              1,000",
        "Changed, clicks fetched      10",
        "Changed, no clicks to fetch  1",
        "Skipped as unchanged         989",
        "Skipped as unsent            0",
        "Outside Kit's retention      0",
        "Deleted from Kit             0",
        "Clicks written               2,010",
        "Requests spent               11",
        "Time taken                   0.2 s",
    ]


def test_the_list_mode_report_shows_settled_pruned_and_its_notes() -> None:
    report = _report(mode="list", settled=990, pruned=2, notes=("the stats answered 403",))

    lines = str(report).splitlines()

    assert "Changes found by             broadcast list" in lines
    assert "Settled (older, kept)        990" in lines
    assert "Pruned                       2" in lines
    assert lines[-1] == "the stats answered 403"


# -- credentials in a PostgreSQL URL ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://kit@db/clicks?password=s3cr3t",
            "postgresql://kit@db/clicks?password=***",
        ),
        (
            "postgresql://kit@db/clicks?sslmode=require&sslpassword=s3cr3t&sslkey=/etc/kit.key",
            "postgresql://kit@db/clicks?sslmode=require&sslpassword=***&sslkey=/etc/kit.key",
        ),
        (
            "postgresql://kit:s3cr3t@db/clicks?password=s3cr3t&application_name=kit",
            "postgresql://kit:***@db/clicks?password=***&application_name=kit",
        ),
        (
            "postgres://kit@db/clicks?oauth_client_secret=s3cr3t",
            "postgresql://kit@db/clicks?oauth_client_secret=***",
        ),
        (
            "postgresql://kit@db/clicks?password=s3%63r3t&passfile=/home/kit/.pgpass",
            "postgresql://kit@db/clicks?password=***&passfile=/home/kit/.pgpass",
        ),
    ],
)
def test_every_credential_of_a_postgres_url_is_masked(url: str, shown: str) -> None:
    target = parse_database(url)

    assert target.shown == shown
    assert "s3cr3t" not in repr(target)
    assert "s3%63r3t" not in repr(target)
    # asyncpg still gets every parameter.
    assert target.dsn is not None
    assert "s3" in target.dsn


def test_a_credential_a_driver_quotes_is_masked_in_its_text() -> None:
    target = parse_database("postgresql://kit:pa%2Fss@db/clicks?sslpassword=k%26y+z")

    text = "cannot use pa/ss, pa%2Fss, k&y z or k%26y+z for postgresql://db/clicks"

    assert target.mask(text) == "cannot use ***, ***, *** or *** for postgresql://db/clicks"


def test_a_sqlite_target_masks_nothing() -> None:
    assert parse_database("clicks.db").mask("password=x") == "password=x"


def test_a_query_asyncpg_cannot_read_is_refused_without_quoting_it() -> None:
    # An unencoded & in a password: asyncpg's own error would quote what follows it.
    with pytest.raises(ValueError, match="query string must be NAME=VALUE pairs") as caught:
        parse_database("postgresql://kit@db/clicks?password=s3cr&3t")

    assert "s3cr" not in str(caught.value)
    assert "3t" not in str(caught.value)
