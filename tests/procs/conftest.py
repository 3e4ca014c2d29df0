"""What the tests of real worker processes share: a store of each kind, its key, worker settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from token_store_support import STORES
from token_store_support import store_url as _store_url


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store of each kind: a SQLite file, a PostgreSQL database, a redis-server."""
    with _store_url(request, tmp_path) as url:
        yield url


@pytest.fixture
def key() -> str:
    """The store's encryption key (every worker is given it)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
