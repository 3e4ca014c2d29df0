"""Which database a sync writes to: a SQLite file or a PostgreSQL URL.

A PostgreSQL URL can carry credentials: the password in its userinfo
(`kit:PASSWORD@`) and secret query parameters (`?password=`,
`?sslpassword=`, ...). `redact` is the one place that decides what is secret:
the URL messages show and the text a driver's error may echo are both masked
by it.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Literal

import attrs
import yarl

__all__ = [
    "DEFAULT_DATABASE",
    "MASK",
    "SECRET_PARAMETERS",
    "Redacted",
    "Target",
    "parse_database",
    "redact",
]

#: The database a sync uses when none is named: a SQLite file in the current directory.
DEFAULT_DATABASE = "kit-clicks.sqlite"

#: What a secret is replaced with wherever the database is named.
MASK = "***"

#: Query parameters of a PostgreSQL URL whose value is a secret: asyncpg's
#: (`password`, `sslpassword`) and libpq's (those, and PostgreSQL 18's
#: `oauth_client_secret`). Any other parameter whose name says password,
#: secret or token is masked too; paths (`passfile`, `sslkey`) are not secrets.
SECRET_PARAMETERS = frozenset({"password", "sslpassword", "oauth_client_secret"})
_SECRET_WORDS = ("password", "secret", "token")

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")


def _is_secret(name: str) -> bool:
    name = name.lower()
    return name in SECRET_PARAMETERS or any(word in name for word in _SECRET_WORDS)


@attrs.frozen
class Redacted:
    """A URL's secrets, found once: the URL to show, and the text to mask elsewhere.

    Attributes:
        shown: The URL with each secret replaced by `MASK`.
        secrets: The secrets, as written and as decoded (`repr` hides them).
    """

    shown: str
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False)

    def mask(self, text: str) -> str:
        """`text` (a driver's error, say) with every secret of the URL replaced by `MASK`."""
        # The longest first, so that a secret holding another is masked whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def redact(url: yarl.URL) -> Redacted:
    """Mask the credentials of a database URL: the userinfo's password and secret parameters.

    ```python
    redact(yarl.URL("postgresql://kit:pw@db/clicks?sslpassword=x&sslmode=require")).shown
    # 'postgresql://kit:***@db/clicks?sslpassword=***&sslmode=require'
    ```
    """
    secrets: set[str] = set()
    if url.password:
        secrets |= {url.password, url.raw_password or ""}
        url = url.with_password(MASK)
    if url.raw_query_string:
        # The values as written (a driver may echo them so) and as decoded.
        for field in url.raw_query_string.split("&"):
            name, _, value = field.partition("=")
            if _is_secret(urllib.parse.unquote_plus(name)):
                secrets |= {value, urllib.parse.unquote_plus(value)}
        url = url.with_query(
            [
                (name, MASK if _is_secret(name) and value else value)
                for name, value in url.query.items()
            ]
        )
    return Redacted(shown=str(url), secrets=tuple(sorted(secret for secret in secrets if secret)))


@attrs.frozen
class Target:
    """A parsed `database` argument.

    Attributes:
        kind: `"sqlite"` or `"postgresql"`.
        path: The SQLite file (absolute), for SQLite.
        dsn: The URL asyncpg connects with, for PostgreSQL (`repr` hides it).
        shown: The database as messages name it: never a password.
        redacted: The secrets of `dsn`, to mask in a driver's messages.
    """

    kind: Literal["sqlite", "postgresql"]
    shown: str
    path: Path | None = None
    dsn: str | None = attrs.field(default=None, repr=False)
    redacted: Redacted | None = attrs.field(default=None, repr=False)

    def mask(self, text: str) -> str:
        """`text` with the database URL's secrets masked (unchanged for SQLite)."""
        return text if self.redacted is None else self.redacted.mask(text)


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
        dsn = str(url)
        try:
            # asyncpg reads the query so, and its error would quote a part.
            urllib.parse.parse_qs(urllib.parse.urlsplit(dsn).query, strict_parsing=True)
        except ValueError:
            msg = (
                "database: not a valid PostgreSQL URL (its query string must be NAME=VALUE "
                "pairs joined by &; write an & inside a value as %26)"
            )
            raise ValueError(msg) from None
        redacted = redact(url)
        return Target("postgresql", shown=redacted.shown, dsn=dsn, redacted=redacted)
    msg = (
        f"database: unknown URL scheme {scheme!r}; use a file path, sqlite:///PATH "
        "or postgresql://USER@HOST/DATABASE"
    )
    raise ValueError(msg)
