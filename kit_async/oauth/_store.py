"""What a token store is: the one protocol every store implements.

A Kit App keeps each connected creator's token pair in a store that several
worker processes, on several machines, share. Per account a store holds the
pair (encrypted at rest), its expiry, the account's name and a status
(`"connected"` or `"disconnected"`), and it lends a lock that works across
those processes, so that one of them at a time refreshes the pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from .._core.auth import TokenSet

__all__ = ["AccountStatus", "OpenedAsContext", "TokenStore"]

AccountStatus = Literal["connected", "disconnected"]


@runtime_checkable
class TokenStore(Protocol):
    """Where a Kit App keeps its accounts' token pairs, shared by all its processes.

    Every method may raise `TokenStoreError` (a `KitError` naming the store,
    never a token or a password) when the store cannot be reached.
    """

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        """Store `tokens` as the account's pair and mark it connected.

        With `replacing` (the refresh token a refresh started from), the pair
        is stored only if the stored refresh token is still that one, and the
        answer says whether it was: a worker that lost a race never
        overwrites the pair another worker saved. `name` (the account's name
        on Kit) is kept when given. Returns True when stored.
        """
        ...

    async def load(self, account_id: int) -> TokenSet | None:
        """The account's pair, or `None` when the account is unknown or disconnected."""
        ...

    async def status(self, account_id: int) -> AccountStatus | None:
        """`"connected"`, `"disconnected"`, or `None` for an account never saved."""
        ...

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        """Mark the account disconnected and forget its pair (`reason` is kept, no secret)."""
        ...

    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, in ascending order."""
        ...

    def lock(self, account_id: int) -> AbstractAsyncContextManager[None]:
        """Hold the account's lock, across processes (and machines where the store allows).

        A lock held by a process that died is released within the store's
        time-to-live, so no worker waits for ever.
        """
        ...

    async def aclose(self) -> None:
        """Release the store's connections (idempotent)."""
        ...


class OpenedAsContext:
    """`async with x:` opens x and closes it: the stores opened by URL, `KitAccounts`."""

    async def open(self) -> None:
        """Connect and create what is missing (idempotent)."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release the connections (idempotent)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
