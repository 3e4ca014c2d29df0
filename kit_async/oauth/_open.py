"""`open_token_store`: a shared token store from its URL, encrypted at rest."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TypeAlias

import yarl

from ..sync._target import redact
from ._postgres import PostgresTokenStore
from ._redis import RedisTokenStore
from ._sealed import DEFAULT_LOCK_TIMEOUT, DEFAULT_LOCK_TTL, EncryptionKey, Sealer
from ._sqlite import SQLiteTokenStore

__all__ = ["SharedTokenStore", "open_token_store"]

#: What `open_token_store` returns: each a `TokenStore`, used as `async with`.
SharedTokenStore: TypeAlias = SQLiteTokenStore | PostgresTokenStore | RedisTokenStore

# The scheme, the module its driver is, and the extras that bring it.
_DRIVERS = {
    "sqlite": ("aiosqlite", "apps,sync"),
    "postgresql": ("asyncpg", "apps,postgres"),
    "postgres": ("asyncpg", "apps,postgres"),
    "redis": ("coredis", "apps,redis"),
    "rediss": ("coredis", "apps,redis"),
}


def open_token_store(
    url: str,
    *,
    encryption_key: EncryptionKey | None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    lock_ttl: float = DEFAULT_LOCK_TTL,
) -> SharedTokenStore:
    """A token store shared by every worker of a Kit App, chosen by its URL.

    Use it as `async with open_token_store(url, encryption_key=key) as store:`
    (it connects on entering and closes on leaving). The URL says which store:

    - `sqlite:///tokens.db` (a path relative to the working directory) or
      `sqlite:////var/app/tokens.db` (absolute): one file, for the processes
      of one machine. Needs `kit-async[apps,sync]`.
    - `postgresql://user:password@host:5432/db`: for workers on many
      machines. Needs `kit-async[apps,postgres]`.
    - `redis://[:password@]host:6379/0` (`rediss://` for TLS): for workers on
      many machines. Needs `kit-async[apps,redis]`.

    Each store creates what it needs (a `kit_token_store` table, or keys under
    `kit-async:token-store:`) on first use.

    Args:
        url: Where the store is.
        encryption_key: A Fernet key (`cryptography.fernet.Fernet.generate_key()`),
            or a list of them: the first encrypts, every one decrypts, so a
            new key goes first and the old one stays until every pair was
            saved again. Required: `None`, said in so many words, stores the
            pairs in plain text, which is for tests only.
        lock_timeout: How long `lock()` waits for an account's lock before
            raising `TokenStoreError` (60 s).
        lock_ttl: Redis only: how long an account's lock lives when its
            holder dies without releasing it (30 s). A living holder renews
            it every third of that, so a slow refresh keeps its lock.
            PostgreSQL and SQLite free a dead holder's lock at once.

    Returns:
        The store, not connected yet.

    Raises:
        ValueError: The URL's scheme is none of the above, or a key is not a
            Fernet key (the message names neither the URL's password nor the key).
        ImportError: The extra the store needs is not installed.
    """
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if not rest or scheme not in _DRIVERS:
        shown = scheme if rest else url.split(":", 1)[0]
        msg = (
            f"unknown token store scheme {shown!r}: use sqlite:///path, "
            "postgresql://user:password@host/db or redis://host:port/db"
        )
        raise ValueError(msg)
    module, extras = _DRIVERS[scheme]
    if importlib.util.find_spec(module) is None:
        msg = f"a {scheme}:// token store needs {module}: pip install 'kit-async[{extras}]'"
        raise ImportError(msg)
    sealer = Sealer(encryption_key)
    if scheme == "sqlite":
        if not rest.startswith("/"):
            msg = (
                "a SQLite token store's URL is sqlite:///relative/path or sqlite:////absolute/path"
            )
            raise ValueError(msg)
        return SQLiteTokenStore(Path(rest[1:]), sealer, lock_timeout=lock_timeout)
    redacted = redact(yarl.URL(url))
    if scheme in {"postgresql", "postgres"}:
        return PostgresTokenStore(url, redacted, sealer, lock_timeout=lock_timeout)
    return RedisTokenStore(url, redacted, sealer, lock_timeout=lock_timeout, lock_ttl=lock_ttl)
