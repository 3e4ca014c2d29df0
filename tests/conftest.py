"""Shared fixtures: a FakeKit server on loopback and a client pointed at it; PostgreSQL."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import stamina
from aioresponses import aioresponses
from pg import MISSING, PostgresServer, find_bin_dir
from scripted import Scripted, serve_scripted

import kit_async
from kit_async.testing import FakeKit

# The module each optional extra brings. A test marked
# `@pytest.mark.requires_extra("cli")` is skipped, with that reason, where the
# extra is not installed (`nox -s tests_minimal` runs the suite without any).
EXTRA_MODULES = {
    "cli": "rich",
    "fast": "msgspec",
    "redis": "limits",
    "sync": "aiosqlite",
    "postgres": "asyncpg",
    "apps": "cryptography",
    # The API only; the tests that record spans need the SDK too (a test dependency).
    "otel": "opentelemetry.trace",
    "fleet": "arq",
}


# Tests that use these fixtures get the `postgres` marker (`-m "not postgres"`).
POSTGRES_FIXTURES = frozenset({"postgres_server", "postgres_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires_extra"):
        (extra,) = mark.args
        module = EXTRA_MODULES[extra]
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs kit-async[{extra}] ({module} is not installed)")


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries happen (up to 4 attempts, fewer if the client asks) but never sleep."""
    with stamina.set_testing(True, attempts=4, cap=True):
        yield


@pytest.fixture(autouse=True)
def _no_kit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real credentials."""
    for name in ("KIT_API_KEY", "KIT_ACCESS_TOKEN", "KIT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake_kit() -> AsyncIterator[FakeKit]:
    """A FakeKit with 10 broadcasts (the last two unsent) of 1,200 clicks."""
    async with FakeKit() as server:
        yield server


@pytest.fixture
async def kit(fake_kit: FakeKit) -> AsyncIterator[kit_async.KitClient]:
    """A client for `fake_kit`, with client-side rate limiting off."""
    async with kit_async.KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, timeout=5.0
    ) as client:
        yield client


class _MockResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 omits the `stream_writer` aiohttp 3.14 requires.

    Upstream: pnuckowski/aioresponses#289 (fix proposed in #288, unreleased).
    """

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


# Older aiohttp (the lowest we support, 3.9) has no such parameter at all.
_NEEDS_STREAM_WRITER = (
    "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters
)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """aioresponses, for unit tests of one layer (no server at all)."""
    if _NEEDS_STREAM_WRITER:
        monkeypatch.setattr("aioresponses.core.ClientResponse", _MockResponse)
    with aioresponses() as mock:
        yield mock


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    """A `Scripted` stand-in for Kit on loopback: answers as a test scripts, records all."""
    async with serve_scripted() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, in a temporary directory (see tests/helpers/pg.py).

    Skipped, with the reason, where PostgreSQL's binaries are missing. Shared:
    a test that stops or restarts a server makes its own `PostgresServer`.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(MISSING)
    with PostgresServer(bin_dir) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database of `postgres_server`, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    if postgres_server.running:
        postgres_server.drop_database(url.rsplit("/", 1)[1])
