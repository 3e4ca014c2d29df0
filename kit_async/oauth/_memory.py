"""`MemoryTokenStore`: the token store of one process, for tests and single-process apps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager

import attrs

from .._core.auth import TokenSet
from ._store import AccountStatus

__all__ = ["MemoryTokenStore"]


@attrs.define
class _Entry:
    status: AccountStatus
    tokens: TokenSet | None = attrs.field(repr=False)
    name: str | None = None
    reason: str | None = None


class MemoryTokenStore:
    """A `TokenStore` in this process's memory: for tests and single-process apps.

    Nothing is encrypted or persisted: the pairs are gone when the process
    ends, and a second process (another worker, another machine) does not
    see them, nor wait on the locks, which are an `asyncio.Lock` per account.
    An app that runs more than one process needs a shared store.

    ```python
    from kit_async.oauth import MemoryTokenStore

    store = MemoryTokenStore()
    ```
    """

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def __repr__(self) -> str:
        connected = sum(entry.status == "connected" for entry in self._entries.values())
        return f"<MemoryTokenStore: {connected} connected of {len(self._entries)} accounts>"

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        """Store `tokens` as the account's pair and mark it connected (see `TokenStore.save`)."""
        entry = self._entries.get(account_id)
        if replacing is not None:
            stored = entry.tokens if entry is not None else None
            if stored is None or stored.refresh_token != replacing:
                return False
        if entry is None:
            self._entries[account_id] = _Entry("connected", tokens, name)
            return True
        entry.status, entry.tokens, entry.reason = "connected", tokens, None
        if name is not None:
            entry.name = name
        return True

    async def load(self, account_id: int) -> TokenSet | None:
        """The account's pair, or `None` when the account is unknown or disconnected."""
        entry = self._entries.get(account_id)
        return None if entry is None else entry.tokens

    async def status(self, account_id: int) -> AccountStatus | None:
        """`"connected"`, `"disconnected"`, or `None` for an account never saved."""
        entry = self._entries.get(account_id)
        return None if entry is None else entry.status

    async def name(self, account_id: int) -> str | None:
        """The account's name on Kit as last saved, if any."""
        entry = self._entries.get(account_id)
        return None if entry is None else entry.name

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        """Mark the account disconnected and forget its pair."""
        entry = self._entries.setdefault(account_id, _Entry("disconnected", None))
        entry.status, entry.tokens, entry.reason = "disconnected", None, reason

    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, in ascending order."""
        return sorted(i for i, entry in self._entries.items() if entry.status == "connected")

    def lock(self, account_id: int) -> AbstractAsyncContextManager[None]:
        """Hold the account's lock (an `asyncio.Lock`: this process only)."""
        return self._hold(account_id)

    @contextlib.asynccontextmanager
    async def _hold(self, account_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            yield

    async def aclose(self) -> None:
        """Nothing to release (idempotent); the pairs stay readable."""
