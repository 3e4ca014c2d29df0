"""Which database a sync writes to: a SQLite file or a PostgreSQL URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import attrs
import yarl

__all__ = ["DEFAULT_DATABASE", "Target", "parse_database"]

#: The database a sync uses when none is named: a SQLite file in the current directory.
DEFAULT_DATABASE = "kit-clicks.sqlite"

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")


@attrs.frozen
class Target:
    """A parsed `database` argument.

    Attributes:
        kind: `"sqlite"` or `"postgresql"`.
        path: The SQLite file (absolute), for SQLite.
        dsn: The URL asyncpg connects with, for PostgreSQL (`repr` hides it).
        shown: The database as messages name it: never a password.
    """

    kind: Literal["sqlite", "postgresql"]
    shown: str
    path: Path | None = None
    dsn: str | None = attrs.field(default=None, repr=False)


def _redacted(url: yarl.URL) -> str:
    if url.password is None:
        return str(url)
    return str(url.with_password("***"))


def parse_database(database: str | os.PathLike[str] | None) -> Target:
    """Parse a file path, `sqlite:///PATH` or `postgresql://...` into a `Target`.

    Raises:
        TypeError: `database` is not a str or a path.
        ValueError: An empty value, an unknown URL scheme, or a SQLite URL
            with a host or no path.
    """
    if database is None:
        database = DEFAULT_DATABASE
    if isinstance(database, os.PathLike):
        database = os.fspath(database)
    if not isinstance(database, str):
        msg = (
            "database must be a file path or a URL (sqlite:///PATH, postgresql://...), "
            f"got {type(database).__name__}"
        )
        raise TypeError(msg)
    text = database.strip()
    if not text:
        msg = "database is empty: give a file path or a URL (sqlite:///PATH, postgresql://...)"
        raise ValueError(msg)
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        return Target("sqlite", shown=str(path), path=path)
    scheme = text.split("://", 1)[0].lower()
    if scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute.db.
        rest = text[len("sqlite://") :]
        if not rest.startswith("/") or rest == "/":
            msg = (
                f"database {text!r}: a SQLite URL has no host and names a file: "
                "sqlite:///relative/file.sqlite or sqlite:////absolute/file.sqlite"
            )
            raise ValueError(msg)
        path = Path(rest[1:].split("?", 1)[0]).expanduser().absolute()
        return Target("sqlite", shown=str(path), path=path)
    if scheme in _POSTGRES_SCHEMES:
        try:
            url = yarl.URL(text)
        except ValueError:
            # yarl's message may quote the URL, password included.
            msg = "database: not a valid PostgreSQL URL (check its host and port)"
            raise ValueError(msg) from None
        url = url.with_scheme("postgresql")
        return Target("postgresql", shown=_redacted(url), dsn=str(url))
    msg = (
        f"database: unknown URL scheme {scheme!r}; use a file path, sqlite:///PATH "
        "or postgresql://USER@HOST/DATABASE"
    )
    raise ValueError(msg)
