"""Shared fixtures: a FakeKit server on loopback and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import stamina

import kit_async
from kit_async.testing import FakeKit


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
