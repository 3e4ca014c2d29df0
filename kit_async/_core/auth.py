"""Credentials: all that kit-async knows about authenticating to Kit.

The transport asks its `Auth` for the headers of each attempt, lets it act
before a request (an OAuth token past its `expires_in` is refreshed first)
and after a 401 (an expired token is refreshed once, and the request sent
again), and lets it finish its work when the client closes (a refreshed pair
that `on_token_refresh` could not save yet is offered again). To refresh, the
auth is handed a `TokenExchange`: a function that posts a form and returns
Kit's `Reply`. It builds the token request and reads
the token response itself; the transport never parses either.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import NoReturn, Protocol
from urllib.parse import urlsplit

import attrs

from .._converter import Envelope, decode_object, loads
from ..errors import (
    APIStatusError,
    AuthenticationError,
    OAuthRequiredError,
    ResponseValidationError,
    TokenSaveError,
)
from .pending import PendingSave
from .ratelimit import credential_key
from .values import Reply, Request

__all__ = ["ApiKeyAuth", "Auth", "OAuthAuth", "TokenExchange", "TokenSet"]

log = logging.getLogger("kit_async")

#: Refresh this many seconds before `expires_in` runs out, so that a request
#: sent just before the deadline does not arrive just after it.
EXPIRY_MARGIN = 60.0


@attrs.frozen
class TokenSet:
    """A fresh OAuth token pair, handed to `on_token_refresh`.

    Kit rotates the refresh token: the old one stops working as soon as this
    pair is issued, so persist both. Tokens are hidden from `repr()`.

    Attributes:
        access_token: The new access token.
        refresh_token: The new refresh token (the old one no longer works).
        expires_in: Seconds the access token is valid for, from `created_at`.
        created_at: When Kit issued it, in Unix seconds.
        token_type: `"Bearer"`.
        scope: The scopes granted (`"read write"`).
    """

    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expires_in: int | None = None
    created_at: int | None = None
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    scope: str | None = None

    @property
    def expires_at(self) -> float | None:
        """When the access token expires, in Unix seconds (`None`: not said).

        Pass it back as `KitClient(token_expires_at=...)` when you restore a
        persisted pair, so the client refreshes before it runs out.
        """
        if self.expires_in is None:
            return None
        issued = self.created_at if self.created_at is not None else time.time()
        return float(issued + self.expires_in)


#: Posts a form to a URL (not rate-limited, never logged) and returns the reply.
TokenExchange = Callable[[str, Mapping[str, str]], Awaitable[Reply]]
TokenCallback = Callable[[TokenSet], Awaitable[None] | None]
_TOKEN_ENVELOPE = Envelope(at=())


class Auth(Protocol):
    """What the transport needs of a credential."""

    key: str
    """Names the credential's rate-limit budget (a hash, never the secret)."""

    def headers(self) -> Mapping[str, str]:
        """The headers that authenticate the next attempt."""
        ...

    async def before_request(self, request: Request, exchange: TokenExchange) -> None:
        """Refuse or prepare a request before it is sent (e.g. refresh a due token)."""
        ...

    async def after_unauthorized(
        self, sent: Mapping[str, str], error: AuthenticationError, exchange: TokenExchange
    ) -> bool:
        """After a 401 to `sent`: True when a new credential makes a new attempt worthwhile."""
        ...

    async def before_close(self) -> None:
        """The client is closing: finish what must not be lost (an unsaved token pair)."""
        ...


def refuse_pickling(kind: str) -> NoReturn:
    msg = (
        f"{kind} holds a Kit credential and cannot be pickled or copied; "
        "build a KitClient in each process from your configuration instead"
    )
    raise TypeError(msg)


class ApiKeyAuth:
    """`X-Kit-Api-Key` authentication."""

    def __init__(self, api_key: str) -> None:
        self._headers = {"X-Kit-Api-Key": api_key}
        self.key = credential_key(api_key)

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=<hidden>)"

    def __reduce__(self) -> NoReturn:
        # pickle and copy would carry the key in plain text.
        refuse_pickling("ApiKeyAuth")

    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def before_request(self, request: Request, exchange: TokenExchange) -> None:  # noqa: ARG002 - nothing to refresh
        if request.oauth_only:
            msg = (
                f"{request.method} {request.path} accepts only an OAuth access token "
                "(Kit reserves it for OAuth apps); this client has an API key"
            )
            raise OAuthRequiredError(msg)  # the transport names the request

    async def after_unauthorized(
        self,
        sent: Mapping[str, str],  # noqa: ARG002 - an API key cannot be renewed
        error: AuthenticationError,  # noqa: ARG002
        exchange: TokenExchange,  # noqa: ARG002
    ) -> bool:
        return False

    async def before_close(self) -> None:
        return None


def token_expired(error: AuthenticationError) -> bool:
    """Whether Kit's 401 says the access token expired (rather than that it is unknown)."""
    text = " ".join(error.errors) + " " + (error.www_authenticate or "")
    return "expired" in text.lower()


class OAuthAuth(PendingSave[TokenSet]):
    """`Authorization: Bearer` authentication that refreshes itself, once at a time.

    A refreshed pair is handed to `on_token_refresh`. If that raises, the pair
    is kept (and used) but marked unsaved: before each later request, and when
    the client closes, the callback is called again until it succeeds; until
    then those requests raise `TokenSaveError` without being sent.
    """

    def __init__(
        self,
        access_token: str,
        *,
        refresh_token: str | None,
        client_id: str | None,
        client_secret: str | None,
        token_url: str,
        on_token_refresh: TokenCallback | None,
        expires_at: float | None = None,
    ) -> None:
        super().__init__()
        self._set_access(access_token, expires_at)
        self._refresh_token = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._callback = on_token_refresh
        # The refresh that failed for a given (stale) header set: requests
        # queued behind it get the same error instead of sending their own.
        self._failed: tuple[Mapping[str, str], AuthenticationError] | None = None

    def __repr__(self) -> str:
        return "OAuthAuth(access_token=<hidden>)"

    def __reduce__(self) -> NoReturn:
        # pickle and copy would carry the tokens and the secret in plain text.
        refuse_pickling("OAuthAuth")

    def _set_access(self, token: str, expires_at: float | None) -> None:
        self._headers: Mapping[str, str] = {"Authorization": f"Bearer {token}"}
        self._expires_at = expires_at
        # Kit's budget is per access token, so a refreshed token starts a new one.
        self.key = credential_key(token)

    @property
    def can_refresh(self) -> bool:
        """Whether a refresh token and a client id were given."""
        return bool(self._refresh_token and self._client_id)

    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def before_request(self, request: Request, exchange: TokenExchange) -> None:  # noqa: ARG002 - every request is the same to a token
        await self._offer_unsaved()
        expires_at = self._expires_at
        if expires_at is None or not self.can_refresh:
            return
        if time.time() < expires_at - EXPIRY_MARGIN:
            return
        await self._refresh(
            self._headers, exchange, "access token expires now; refreshing it before the request"
        )

    async def after_unauthorized(
        self, sent: Mapping[str, str], error: AuthenticationError, exchange: TokenExchange
    ) -> bool:
        if not (self.can_refresh and token_expired(error)):
            return False
        await self._refresh(sent, exchange, "access token expired; refreshing it")
        return True

    async def _refresh(self, stale: Mapping[str, str], exchange: TokenExchange, why: str) -> None:
        """Refresh the token pair once, however many requests found it stale.

        `stale` is the header set they used: if the token has changed since,
        another request already refreshed it. Only the request that refreshes
        logs `why`, so one refresh is one log line.
        """
        offers = self._offers
        async with self._guard():
            if stale is not self._headers:
                await self._save_pending(offers)
                return
            if self._failed is not None and self._failed[0] is stale:
                failure = self._failed[1]
                raise AuthenticationError(
                    method=failure.method or "POST",
                    path=failure.path or self.token_url,
                    status_code=failure.status_code,
                    errors=failure.errors,
                    body=failure.body,
                )
            log.info(why)
            try:
                tokens = await self._request_tokens(exchange)
            except AuthenticationError as exc:
                self._failed = (stale, exc)
                raise
            # From here on the old refresh token is dead at Kit: the new pair
            # is used at once, and kept until the callback has accepted it.
            self._set_access(tokens.access_token, tokens.expires_at)
            self._refresh_token = tokens.refresh_token
            if self._callback is not None:
                self._unsaved = tokens
                await self._save_pending(self._offers)

    # -- the unsaved pair (see PendingSave); any failure of the app's callback
    # is raised as TokenSaveError ---------------------------------------------
    async def _save_pending(self, offers: int, *, closing: bool = False) -> None:
        """Offer the unsaved pair to `on_token_refresh` again (the caller holds the lock)."""
        callback = self._callback
        if callback is None:
            return

        async def call_back(tokens: TokenSet) -> None:
            result = callback(tokens)
            if inspect.isawaitable(result):
                await result

        await self._offer(offers, call_back, closing=closing)

    def _log_unsaved(self, failure: Exception, *, closing: bool) -> None:
        # The exception's text is not logged: it may quote the tokens.
        log.error(
            "on_token_refresh raised %s: the refreshed token pair is NOT saved, and "
            "the refresh token on record no longer works at Kit; %s",
            type(failure).__name__,
            "the client is closing, so this pair is lost unless saved another way"
            if closing
            else "the client keeps the pair and offers it again before its next request",
        )

    def _log_saved_after_all(self) -> None:
        log.info("on_token_refresh saved the refreshed token pair after all")

    def _raise_unsaved(self, cause: Exception, *, closing: bool) -> NoReturn:
        then = (
            "the client is closed all the same, and the pair is lost: the creator "
            "will have to authorise your app again"
            if closing
            else "the client keeps the new pair in memory and offers it to "
            "on_token_refresh again before its next request; this request was not "
            "sent, so it can be repeated"
        )
        msg = (
            f"on_token_refresh raised {type(cause).__name__}: the refreshed OAuth token "
            f"pair is not saved, and the refresh token on record no longer works; {then}"
        )
        raise TokenSaveError(msg) from cause

    async def _request_tokens(self, exchange: TokenExchange) -> TokenSet:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token or "",
            "client_id": self._client_id or "",
        }
        if self._client_secret:
            form["client_secret"] = self._client_secret
        return await request_tokens(exchange, self.token_url, form)


async def request_tokens(
    exchange: TokenExchange, token_url: str, form: Mapping[str, str]
) -> TokenSet:
    """POST a token form to `token_url` and read Kit's new pair.

    Kit's RFC 6749 refusals (a 4xx: `invalid_grant`, `invalid_client`) are
    raised as `AuthenticationError`, with their status; a 5xx as it came.
    """
    try:
        reply = await exchange(token_url, form)
    except APIStatusError as exc:
        if exc.status_code >= 500:
            raise
        # Kit's RFC 6749 answer (invalid_grant, ...): the pair is dead.
        raise AuthenticationError(
            method="POST",
            path=exc.path or token_url,
            status_code=exc.status_code,
            errors=exc.errors or ("token refresh failed",),
            body=exc.body,
        ) from None
    path = urlsplit(token_url).path
    try:
        parsed = loads(reply.body)
    except ValueError:
        msg = "the token response is not JSON"
        raise ResponseValidationError(msg, method="POST", path=path) from None
    return decode_object(parsed, TokenSet, _TOKEN_ENVELOPE, method="POST", path=path)
