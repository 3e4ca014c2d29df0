"""`StoreAuth`: an account's OAuth pair, read from a token store that many workers share.

Several processes (a web app's workers, on several machines) hold clients for
the same account. Kit rotates refresh tokens, so two of them refreshing the
same pair would lose one: the loser gets `invalid_grant` and the creator is
logged out. Here a refresh takes, in turn, this process's lock (one refresh
per process, which every waiting request shares) and the account's lock in
the store (one refresh across processes), reloads the pair, adopts it if
another worker already refreshed it, and otherwise asks Kit and saves the new
pair, replacing only the refresh token it started from, before it lets go of
the lock and before any request uses the new token.

One `StoreAuth` per account serves every client of that account in the
process: all the account's state, its asyncio lock included, lives here.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, NoReturn

from ..errors import AccountDisconnectedError, AuthenticationError, KitError, TokenStoreError
from .auth import (
    EXPIRY_MARGIN,
    TokenExchange,
    TokenSet,
    refuse_pickling,
    request_tokens,
    token_expired,
)
from .pending import PendingSave
from .ratelimit import credential_key
from .values import Request

if TYPE_CHECKING:
    from ..oauth._store import TokenStore

__all__ = ["DisconnectCallback", "StoreAuth"]

log = logging.getLogger("kit_async")

#: Told `(account_id, reason)` when an account is found disconnected.
DisconnectCallback = Callable[[int, str], Awaitable[None] | None]


def _same(a: TokenSet, b: TokenSet) -> bool:
    return a.access_token == b.access_token and a.refresh_token == b.refresh_token


class StoreAuth(PendingSave[tuple[TokenSet, str]]):
    """`Authorization: Bearer` for one account whose pair lives in a shared `TokenStore`.

    The pair is loaded from the store before the first request; refreshes
    are coordinated through the store's per-account lock (see the module).
    A refreshed pair is used only once the store has it; one the store could
    not save is kept in memory and offered to the store again before the next
    request (which raises `TokenStoreError` while it fails), so it is never
    lost silently.
    """

    #: Saves tried, and the pause between them, before a refreshed pair is
    #: kept unsaved and `TokenStoreError` raised (the lock is held meanwhile).
    SAVE_ATTEMPTS = 3
    SAVE_PAUSE = 0.2
    # `_save` raises only KitErrors: a store's own exceptions become TokenStoreError.
    _SAVE_ERRORS = KitError

    def __init__(
        self,
        store: TokenStore,
        account_id: int,
        *,
        client_id: str,
        client_secret: str | None,
        token_url: str,
        on_disconnected: DisconnectCallback | None = None,
    ) -> None:
        # The unsaved pair is kept with the refresh token it replaces.
        super().__init__()
        self._store = store
        self.account_id = account_id
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._on_disconnected = on_disconnected
        self._tokens: TokenSet | None = None
        self._headers: Mapping[str, str] = {}
        self._expires_at: float | None = None
        # Before a pair is loaded: a budget name of the account, not a token.
        self.key = credential_key(f"kit-account:{account_id}")
        # Why the account was last found disconnected (the pair is dropped):
        # requests queued behind that discovery share it instead of asking again.
        self._disconnected: str | None = None

    def __repr__(self) -> str:
        return f"StoreAuth(account_id={self.account_id}, store={type(self._store).__name__})"

    def __reduce__(self) -> NoReturn:
        # pickle and copy would carry the tokens and the secret in plain text.
        refuse_pickling("StoreAuth")

    @property
    def store_name(self) -> str:
        """How errors name the store: its redacted address when it has one, else its type."""
        return _store_name(self._store)

    def headers(self) -> Mapping[str, str]:
        return self._headers

    # -- the protocol the transport calls -----------------------------------
    async def before_request(self, request: Request, exchange: TokenExchange) -> None:  # noqa: ARG002 - every request is the same to a token
        await self._offer_unsaved()
        if self._tokens is None:
            async with self._guard():
                if self._tokens is None:
                    self._adopt(await self._load(), why=None)
        expires_at = self._expires_at
        if expires_at is None or time.time() < expires_at - EXPIRY_MARGIN:
            return
        await self._refresh(
            self._headers, exchange, "access token expires now; refreshing it before the request"
        )

    async def after_unauthorized(
        self, sent: Mapping[str, str], error: AuthenticationError, exchange: TokenExchange
    ) -> bool:
        if token_expired(error):
            await self._refresh(sent, exchange, "access token expired; refreshing it")
            return True
        # Not expired: unknown to Kit. Another worker may have refreshed (and
        # Kit dropped the old token with its refresh token), or the creator
        # revoked the app. The store, once its lock is free, tells which.
        offers = self._offers
        async with self._guard():
            if self._unsaved is not None:
                await self._save_pending(offers)  # the new pair, once the store has it
                return True
            if sent is not self._headers:
                self._check_connected()
                return True
            async with self._account_lock():
                stored = await self._load()
            if self._tokens is not None and not _same(stored, self._tokens):
                self._adopt(stored, why="another worker refreshed the pair; using theirs")
                return True
            await self._disconnect("revoked")
        return False  # pragma: no cover - _disconnect raises

    # -- refreshing --------------------------------------------------------------
    async def _refresh(self, stale: Mapping[str, str], exchange: TokenExchange, why: str) -> None:
        """Refresh the pair once for this process, and once across processes.

        `stale` is the header set the requests used: if it changed since,
        another request of this process already refreshed or adopted a pair.
        """
        offers = self._offers
        async with self._guard():
            if self._unsaved is not None:
                # This process already refreshed: the pair waits for the store.
                await self._save_pending(offers)
                return
            if stale is not self._headers:
                self._check_connected()
                return
            started = self._tokens
            if started is None:  # pragma: no cover - headers exist only with a pair
                self._check_connected()
                return
            async with self._account_lock():
                await self._refresh_locked(started, exchange, why)

    async def _refresh_locked(self, started: TokenSet, exchange: TokenExchange, why: str) -> None:
        """Holding both locks: adopt the store's newer pair, or refresh and save."""
        stored = await self._load()
        if not _same(stored, started):
            self._adopt(stored, why="another worker refreshed the pair; using theirs")
            return
        log.info(why)
        try:
            tokens = await request_tokens(exchange, self.token_url, self._form(started))
        except AuthenticationError as exc:
            if exc.status_code != 400:
                raise  # invalid_client: the app's credentials, not the account's pair
            # Kit refused the refresh token (invalid_grant). If the store holds
            # another pair now (a worker whose lock had run out), it is theirs.
            stored = await self._load()
            if not _same(stored, started):
                self._adopt(stored, why="another worker refreshed the pair; using theirs")
                return
            await self._disconnect("invalid_grant", cause=exc)
        # From here on the started refresh token is dead at Kit: the new pair
        # must reach the store, or stay here until it does. No request uses it
        # before it is saved, so no worker ever holds a pair the store lacks.
        self._unsaved = (tokens, started.refresh_token)
        await self._save_pending(self._offers, attempts=self.SAVE_ATTEMPTS)

    def _form(self, tokens: TokenSet) -> dict[str, str]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self._client_id,
        }
        if self._client_secret:
            form["client_secret"] = self._client_secret
        return form

    # -- the unsaved pair (see PendingSave) ------------------------------------
    async def _save_pending(self, offers: int, *, attempts: int = 1, closing: bool = False) -> None:
        """Save the unsaved pair in the store (the caller holds this process's lock)."""

        async def save(pending: tuple[TokenSet, str]) -> bool:
            return await self._save(*pending, attempts)

        offered = await self._offer(offers, save, closing=closing)
        if offered is None:
            return
        (tokens, _), saved = offered
        if saved:
            self._adopt(tokens, why=None)
        else:
            # Lost a compare-and-set: another worker's pair is in the store
            # (this one's lock ran out while it refreshed). Theirs wins.
            log.warning(
                "the refreshed pair of Kit account %d was not saved: the store holds another "
                "worker's pair (the account's lock ran out?); using the stored pair",
                self.account_id,
            )
            self._adopt(await self._load(), why=None)

    async def _save(self, tokens: TokenSet, replacing: str, attempts: int) -> bool:
        """`store.save(..., replacing=...)`, tried `attempts` times a moment apart."""
        for attempt in range(1, attempts + 1):
            try:
                with self._store_errors("save the refreshed pair"):
                    return await self._store.save(self.account_id, tokens, replacing=replacing)
            except KitError:
                if attempt == attempts:
                    raise
            await asyncio.sleep(self.SAVE_PAUSE)
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _log_unsaved(self, failure: Exception, *, closing: bool) -> None:
        # The error is raised next, with the store's exception as its cause.
        log.error(
            "token store %s could not save the refreshed pair of Kit account %d (%s); %s",
            _named(failure, self.store_name),
            self.account_id,
            type(failure).__name__,
            "the client is closing, so this pair is lost unless saved another way"
            if closing
            else "it is kept in memory and offered again before the next request",
        )

    def _log_saved_after_all(self) -> None:
        log.info("token store %s saved the refreshed pair after all", self.store_name)

    def _raise_unsaved(self, cause: Exception, *, closing: bool) -> NoReturn:
        then = (
            "the client is closed all the same, and the pair is lost: the creator will "
            "have to connect the app again"
            if closing
            else "the client keeps the new pair in memory and saves it before its next "
            "request; this request was not sent, so it can be repeated"
        )
        store = _named(cause, self.store_name)
        msg = (
            f"token store {store} could not save the refreshed OAuth pair of "
            f"Kit account {self.account_id}, and the refresh token it holds no longer "
            f"works; {then}"
        )
        raise TokenStoreError(msg, store=store) from cause

    # -- the store ---------------------------------------------------------
    async def _load(self) -> TokenSet:
        """The stored pair; `AccountDisconnectedError` when there is none."""
        with self._store_errors("load the account's pair"):
            tokens = await self._store.load(self.account_id)
            if tokens is not None:
                return tokens
            status = await self._store.status(self.account_id)
        reason = "unknown account" if status is None else "disconnected"
        self._forget(reason)
        raise AccountDisconnectedError(
            f"Kit account {self.account_id} is {'not in' if status is None else 'disconnected in'} "
            f"token store {self.store_name}: connect it (again) first",
            account_id=self.account_id,
            reason=reason,
        )

    def _adopt(self, tokens: TokenSet, *, why: str | None) -> None:
        if why is not None:
            log.info(why)
        self._tokens = tokens
        self._headers = {"Authorization": f"Bearer {tokens.access_token}"}
        self._expires_at = tokens.expires_at
        self._disconnected = None
        # Kit's budget is per access token, so a new token starts a new one.
        self.key = credential_key(tokens.access_token)

    def _forget(self, reason: str) -> None:
        """Drop the pair: the next request loads the account from the store again."""
        self._tokens, self._headers, self._expires_at = None, {}, None
        self._disconnected = reason

    def _check_connected(self) -> None:
        if self._tokens is None and self._disconnected is not None:
            raise AccountDisconnectedError(
                f"Kit account {self.account_id} was disconnected ({self._disconnected})",
                account_id=self.account_id,
                reason=self._disconnected,
            )

    async def _disconnect(self, reason: str, *, cause: Exception | None = None) -> NoReturn:
        """Mark the account disconnected in the store, tell the app, and raise."""
        self._forget(reason)
        log.warning("Kit refused the pair of account %d (%s)", self.account_id, reason)
        try:
            with self._store_errors("mark the account disconnected"):
                await self._store.disconnect(self.account_id, reason=reason)
        except KitError as exc:
            log.error("%s", exc)  # noqa: TRY400 - the message names the store, no traceback needed
        if self._on_disconnected is not None:
            try:
                result = self._on_disconnected(self.account_id, reason)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # noqa: BLE001 - the app's callback must not hide the error
                log.error(  # noqa: TRY400 - its text may quote anything: not logged
                    "on_disconnected raised %s for Kit account %d",
                    type(exc).__name__,
                    self.account_id,
                )
        what = {
            "invalid_grant": "Kit refused its refresh token (invalid_grant)",
            "revoked": "Kit refused its access token, and the store holds no newer pair "
            "(the app was revoked?)",
        }.get(reason, reason)
        msg = f"Kit account {self.account_id} is disconnected: {what}; connect it again"
        error = AccountDisconnectedError(msg, account_id=self.account_id, reason=reason)
        raise error from cause

    @contextmanager
    def _store_errors(self, doing: str) -> Iterator[None]:
        """Let `KitError`s through; turn anything else a store raises into `TokenStoreError`."""
        try:
            yield
        except KitError:
            raise
        except Exception as exc:
            # Its text is not shown: a store's message may quote a token.
            msg = f"token store {self.store_name}: cannot {doing}: {type(exc).__name__}"
            raise TokenStoreError(msg, store=self.store_name) from exc

    @asynccontextmanager
    async def _account_lock(self) -> AsyncIterator[None]:
        """The store's lock of the account; its own failures raised as `TokenStoreError`."""
        with self._store_errors("take the account's lock"):
            held = self._store.lock(self.account_id)
            await held.__aenter__()
        try:
            yield
        except BaseException as exc:
            with self._store_errors("release the account's lock"):
                await held.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        with self._store_errors("release the account's lock"):
            await held.__aexit__(None, None, None)


def _named(error: Exception, otherwise: str) -> str:
    """The store a `TokenStoreError` names (its own stores name themselves best)."""
    return error.store if isinstance(error, TokenStoreError) else otherwise


def _store_name(store: object) -> str:
    # The stores opened by URL keep their address, password masked, there.
    redacted = getattr(store, "_redacted", None)
    shown = getattr(redacted, "shown", None)
    return shown if isinstance(shown, str) else type(store).__name__
