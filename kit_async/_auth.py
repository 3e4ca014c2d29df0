"""Credentials: the API key, or an OAuth token pair that refreshes itself."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from ._ratelimit import credential_key
from .errors import AuthenticationError

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["ApiKeyAuth", "OAuthAuth", "TokenSet"]


@attrs.frozen
class TokenSet:
    """A fresh OAuth token pair, handed to `on_token_refresh`.

    Kit rotates the refresh token: the old one stops working as soon as this
    pair is issued, so persist both. Tokens are hidden from `repr()`.
    """

    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expires_in: int | None = None
    created_at: int | None = None
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    scope: str | None = None


TokenCallback = Callable[[TokenSet], Awaitable[None] | None]


class ApiKeyAuth:
    """`X-Kit-Api-Key` authentication."""

    can_refresh = False

    def __init__(self, api_key: str) -> None:
        self._headers = {"X-Kit-Api-Key": api_key}
        self.key = credential_key(api_key)

    def headers(self) -> dict[str, str]:
        return self._headers

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=<hidden>)"


class OAuthAuth:
    """`Authorization: Bearer` authentication with single-flight refresh."""

    def __init__(
        self,
        access_token: str,
        *,
        refresh_token: str | None,
        client_id: str | None,
        client_secret: str | None,
        token_url: str,
        on_token_refresh: TokenCallback | None,
    ) -> None:
        self._set_access(access_token)
        self._refresh_token = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._callback = on_token_refresh
        self._lock: asyncio.Lock | None = None
        # The refresh that failed for a given (stale) header set: requests
        # queued behind it get the same error instead of sending their own.
        self._failed: tuple[dict[str, str], AuthenticationError] | None = None

    def __repr__(self) -> str:
        return "OAuthAuth(access_token=<hidden>)"

    def _set_access(self, token: str) -> None:
        self._headers = {"Authorization": f"Bearer {token}"}
        # Kit's budget is per access token, so a refreshed token starts a new one.
        self.key = credential_key(token)

    @property
    def can_refresh(self) -> bool:
        return bool(self._refresh_token and self._client_id)

    def headers(self) -> dict[str, str]:
        return self._headers

    async def refresh(self, transport: Transport, stale: dict[str, str]) -> None:
        """Refresh the token pair once, however many requests saw it expire.

        `stale` is the header set the failed request was sent with: if the
        token has changed since, another request already refreshed it.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if stale is not self._headers:
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
            form: dict[str, str] = {
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token or "",
                "client_id": self._client_id or "",
            }
            if self._client_secret:
                form["client_secret"] = self._client_secret
            try:
                tokens = await transport.request_token(self.token_url, form)
            except AuthenticationError as exc:
                self._failed = (stale, exc)
                raise
            self._set_access(tokens.access_token)
            self._refresh_token = tokens.refresh_token
            if self._callback is not None:
                result = self._callback(tokens)
                if inspect.isawaitable(result):
                    await result
