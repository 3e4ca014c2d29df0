"""`PendingSave`: a refreshed token pair kept until its storage accepts it.

Kit rotates refresh tokens, so once a refresh succeeded the pair on record is
dead at Kit: the new pair must reach its storage (the app's
`on_token_refresh`, a token store) or be kept until it does. Both OAuth auths
keep it the same way: it is offered again before each request and when the
client closes, under the auth's lock, and requests that queued behind a
failed offer share that failure instead of each calling a failing storage
once more. What differs (how a pair is saved, what is logged and raised) is
left to the auth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar, Generic, NoReturn, TypeVar

__all__ = ["PendingSave"]

T = TypeVar("T")
R = TypeVar("R")


class PendingSave(Generic[T]):
    """Base of the auths whose refreshed pair (a `T`) must be saved; it holds the auth's lock.

    A subclass implements `_save_pending` (which calls `_offer` with its way
    of saving), `_log_unsaved`, `_log_saved_after_all` and `_raise_unsaved`.
    """

    #: What a failed save raises (anything else propagates as it is).
    _SAVE_ERRORS: ClassVar[type[Exception]] = Exception

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        # The pair its storage has not accepted yet, how many times a pair
        # was offered, and the storage's last failure.
        self._unsaved: T | None = None
        self._offers = 0
        self._save_failure: Exception | None = None

    def _guard(self) -> asyncio.Lock:
        """This process's lock of the auth (made on first use, inside the running loop)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _offer_unsaved(self, *, closing: bool = False) -> None:
        """Offer the unsaved pair again, if there is one (before a request, or when closing)."""
        if self._unsaved is None:
            return
        offers = self._offers
        async with self._guard():
            await self._save_pending(offers, closing=closing)

    async def before_close(self) -> None:
        await self._offer_unsaved(closing=True)

    async def _offer(
        self, offers: int, save: Callable[[T], Awaitable[R]], *, closing: bool
    ) -> tuple[T, R] | None:
        """Offer the unsaved pair to `save` (the caller holds `_guard()`).

        `offers` is the count the caller saw before waiting for the lock: if
        an offer failed meanwhile, the caller shares that failure instead of
        calling the failing storage once more. Returns the pair and what
        `save` returned, or `None` when no pair was unsaved.
        """
        pending = self._unsaved
        if pending is None:
            return None
        if self._offers != offers and self._save_failure is not None:
            self._raise_unsaved(self._save_failure, closing=closing)
        self._offers += 1
        try:
            result = await save(pending)
        except self._SAVE_ERRORS as failure:
            self._save_failure = failure
            self._log_unsaved(failure, closing=closing)
            self._raise_unsaved(failure, closing=closing)
        if self._save_failure is not None:
            self._log_saved_after_all()
        self._unsaved = None
        self._save_failure = None
        return pending, result

    # -- what the auth decides -------------------------------------------------
    async def _save_pending(self, offers: int, *, closing: bool = False) -> None:
        """Save the unsaved pair (the caller holds `_guard()`), through `_offer`."""
        raise NotImplementedError

    def _log_unsaved(self, failure: Exception, *, closing: bool) -> None:
        """Log that `failure` kept the pair from its storage (never the failure's text)."""
        raise NotImplementedError

    def _log_saved_after_all(self) -> None:
        """Log that a pair an earlier offer failed to save is saved now."""
        raise NotImplementedError

    def _raise_unsaved(self, cause: Exception, *, closing: bool) -> NoReturn:
        """Raise the error that tells the app its pair is not saved."""
        raise NotImplementedError
