"""A client's configuration: what `KitClient(...)` is given, checked, with its defaults.

The credential (from the arguments or the environment), the OAuth refresh
set-up, the origin and token URL, the timeout, the retry policy, Kit's rate
limit for the credential and a caller's session, turned into one
`Transport`. The client itself keeps only its lifecycle and its namespaces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

import aiohttp
import attrs

from .auth import ApiKeyAuth, OAuthAuth, TokenCallback
from .ratelimit import RateLimit
from .retry import RetryPolicy
from .store_auth import DisconnectCallback, StoreAuth
from .transport import Transport
from .validation import (
    check_base_url,
    check_credential,
    check_expiry,
    check_timeout,
    check_token_url,
    is_int,
)

if TYPE_CHECKING:
    from ..oauth._store import TokenStore

__all__ = [
    "API_KEY_LIMIT",
    "DEFAULT_BASE_URL",
    "OAUTH_LIMIT",
    "check_session",
    "prebuilt",
    "resolve_base_url",
    "transport_for",
]

DEFAULT_BASE_URL = "https://api.kit.com"
"""Kit's API origin; every path is under `/v4/`."""
#: Kit's rate limit for an API key: 120 requests per 60 seconds.
API_KEY_LIMIT = (120, 60.0)
#: Kit's rate limit for an OAuth access token: 600 requests per 60 seconds.
OAUTH_LIMIT = (600, 60.0)


def _credentials(api_key: str | None, access_token: str | None) -> tuple[str | None, str | None]:
    """Exactly one credential, from the arguments or else the environment, checked."""
    from_environment = api_key is None and access_token is None
    if from_environment:
        api_key = os.environ.get("KIT_API_KEY") or None
        access_token = os.environ.get("KIT_ACCESS_TOKEN") or None
    if api_key is not None and access_token is not None:
        msg = (
            "both KIT_API_KEY and KIT_ACCESS_TOKEN are set in the environment; "
            "unset one of them, or pass api_key= or access_token="
            if from_environment
            else "pass either api_key or access_token, not both"
        )
        raise ValueError(msg)
    if api_key is not None:
        return check_credential("KIT_API_KEY" if from_environment else "api_key", api_key), None
    if access_token is not None:
        name = "KIT_ACCESS_TOKEN" if from_environment else "access_token"
        return None, check_credential(name, access_token)
    msg = (
        "no Kit credential: pass api_key= or access_token=, or set KIT_API_KEY or KIT_ACCESS_TOKEN"
    )
    raise ValueError(msg)


#: What is given only for an OAuth access token, by name.
_OAUTH_OPTIONS = (
    "refresh_token",
    "client_id",
    "client_secret",
    "on_token_refresh",
    "token_expires_at",
    "token_url",
)
#: Of those, what serves only to refresh the token.
_REFRESH_OPTIONS = ("client_id", "client_secret", "on_token_refresh", "token_url")


def _names(names: list[str]) -> tuple[str, str, str]:
    """`a, b and c`, with the verb and pronoun that agree with it."""
    if len(names) == 1:
        return names[0], "is", "it"
    return f"{', '.join(names[:-1])} and {names[-1]}", "are", "them"


def _check_oauth_options(
    options: dict[str, Any], *, api_key: bool, from_environment: bool
) -> tuple[str | None, str | None, str | None]:
    """Refuse a refresh set-up that could never work, naming what is missing or extra.

    `options` maps each name of `_OAUTH_OPTIONS` to its argument. Returns the
    refresh token, client id and client secret, checked like a credential.
    """
    callback = options["on_token_refresh"]
    if callback is not None and not callable(callback):
        msg = (
            "on_token_refresh must be a function or coroutine function, "
            f"got {type(callback).__name__}"
        )
        raise TypeError(msg)
    given = [name for name in _OAUTH_OPTIONS if options[name] is not None]
    if api_key and given:
        listed, verb, pronoun = _names(given)
        source = " (from KIT_API_KEY)" if from_environment else ""
        msg = (
            f"{listed} {verb} for an OAuth access token, but this client has an API "
            f"key{source}; pass access_token= instead, or leave {pronoun} out"
        )
        raise ValueError(msg)
    if options["refresh_token"] is not None:
        if options["client_id"] is None:
            msg = (
                "refresh_token is given without client_id, so the access token could "
                "never be refreshed: Kit needs your OAuth application's client id for "
                "that. Pass client_id= (and client_secret= if your app has a secret)"
            )
            raise ValueError(msg)
        secret = options["client_secret"]
        return (
            check_credential("refresh_token", options["refresh_token"]),
            check_credential("client_id", options["client_id"]),
            None if secret is None else check_credential("client_secret", secret),
        )
    extra = [name for name in _REFRESH_OPTIONS if options[name] is not None]
    if extra:
        listed, verb, pronoun = _names(extra)
        msg = (
            f"{listed} {verb} only used to refresh the access token, but no "
            f"refresh_token is given, so it could never be refreshed; pass "
            f"refresh_token= too, or leave {pronoun} out"
        )
        raise ValueError(msg)
    return None, None, None


#: What a client whose pair comes from a token store must not be given as well.
_NOT_WITH_A_STORE = (
    "api_key",
    "access_token",
    "refresh_token",
    "on_token_refresh",
    "token_expires_at",
)
#: What a `TokenStore` has (checked by name: `_core` does not import `kit_async.oauth`).
_STORE_METHODS = ("save", "load", "status", "disconnect", "lock")


def _store_auth(
    token_store: object,
    account_id: object,
    *,
    client_id: str | None,
    client_secret: str | None,
    on_disconnected: object,
    token_url: str,
    others: dict[str, Any],
) -> StoreAuth:
    """The auth of `KitClient(token_store=..., account_id=...)`, its options checked.

    `others` maps each name of `_NOT_WITH_A_STORE` to its argument.
    """
    if token_store is None:
        given = "account_id" if account_id is not None else "on_disconnected"
        msg = (
            f"{given} is given without token_store; pass token_store= and account_id= "
            "to use an account's pair from a token store, or leave it out"
        )
        raise ValueError(msg)
    missing = [name for name in _STORE_METHODS if not callable(getattr(token_store, name, None))]
    if missing:
        msg = (
            "token_store must be a kit_async.oauth.TokenStore (open_token_store(...) or "
            f"MemoryTokenStore()), got {type(token_store).__name__}"
        )
        raise TypeError(msg)
    extra = [name for name in _NOT_WITH_A_STORE if others[name] is not None]
    if extra:
        listed, verb, pronoun = _names(extra)
        msg = (
            f"{listed} {verb} not used with token_store: the account's pair comes from "
            f"the store, and is refreshed and saved there; leave {pronoun} out"
        )
        raise ValueError(msg)
    if account_id is None:
        msg = "token_store is given without account_id: pass the Kit account's id"
        raise ValueError(msg)
    if not is_int(account_id):
        msg = f"account_id must be an int, got {type(account_id).__name__}"
        raise TypeError(msg)
    if account_id <= 0:
        msg = f"account_id must be a positive int, got {account_id}"
        raise ValueError(msg)
    if client_id is None:
        msg = (
            "token_store is given without client_id: Kit needs your OAuth app's client "
            "id to refresh the account's pair. Pass client_id= (and client_secret=)"
        )
        raise ValueError(msg)
    if on_disconnected is not None and not callable(on_disconnected):
        msg = (
            "on_disconnected must be a function or coroutine function, "
            f"got {type(on_disconnected).__name__}"
        )
        raise TypeError(msg)
    # Checked above, by what each has: the types the checks prove.
    store = cast("TokenStore", token_store)
    callback = cast("DisconnectCallback | None", on_disconnected)
    return StoreAuth(
        store,
        account_id,
        client_id=check_credential("client_id", client_id),
        client_secret=None
        if client_secret is None
        else check_credential("client_secret", client_secret),
        token_url=token_url,
        on_disconnected=callback,
    )


def _retry_policy(retry: RetryPolicy | None, max_retries: object) -> RetryPolicy:
    policy = retry or RetryPolicy()
    if max_retries is None:
        return policy
    if not is_int(max_retries) or max_retries < 0:
        msg = f"max_retries must be an int >= 0, got {max_retries!r}"
        raise ValueError(msg)
    return attrs.evolve(policy, max_retries=max_retries)


def resolve_base_url(base_url: str | None) -> str:
    """The argument, else `KIT_BASE_URL`, else Kit's own origin; checked."""
    if base_url:
        return check_base_url(base_url)
    if os.environ.get("KIT_BASE_URL"):
        return check_base_url(os.environ["KIT_BASE_URL"], "KIT_BASE_URL")
    return DEFAULT_BASE_URL


_CREDENTIAL_HEADERS = ("Authorization", "X-Kit-Api-Key", "Cookie")


def check_session(session: object) -> aiohttp.ClientSession:
    """Refuse a caller's session whose defaults would change what Kit receives.

    Each request sets its own headers, timeout, redirects and status handling,
    so the session's defaults for those do not matter; the ones refused here
    cannot be overridden per request.
    """
    if not isinstance(session, aiohttp.ClientSession):
        msg = f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
        raise TypeError(msg)
    for name in _CREDENTIAL_HEADERS:
        if name in session.headers:
            # Sent with every request, beside (or instead of) the Kit credential.
            msg = (
                f"the session given to KitClient sends a default {name} header "
                "(its value is not shown); use a session without default credentials"
            )
            raise ValueError(msg)
    if session.auth is not None:
        msg = (
            "the session given to KitClient has default auth, which would be sent "
            "to Kit; use a session without it"
        )
        raise ValueError(msg)
    if not session.auto_decompress:
        msg = (
            "the session given to KitClient has auto_decompress=False, so Kit's "
            "compressed answers could not be read; use a session with the default"
        )
        raise ValueError(msg)
    return session


# A transport built elsewhere (`KitAccounts.client`), which `transport_for`
# returns as it is: context-local, so that clients built at the same time in
# other threads or tasks never see it.
_PREBUILT: ContextVar[Transport | None] = ContextVar("kit_async_prebuilt", default=None)


@contextmanager
def prebuilt(transport: Transport) -> Iterator[None]:
    """Within the block, `KitClient()` wraps `transport` (and is given no argument)."""
    token = _PREBUILT.set(transport)
    try:
        yield
    finally:
        _PREBUILT.reset(token)


def transport_for(
    api_key: str | None = None,
    *,
    access_token: str | None = None,
    refresh_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    on_token_refresh: TokenCallback | None = None,
    token_expires_at: float | datetime | None = None,
    token_url: str | None = None,
    token_store: TokenStore | None = None,
    account_id: int | None = None,
    on_disconnected: DisconnectCallback | None = None,
    base_url: str | None = None,
    timeout: float = 30.0,
    max_retries: int | None = None,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimit | Literal["default"] | None = "default",
    session: aiohttp.ClientSession | None = None,
) -> Transport:
    """The transport `KitClient(...)` configures: its arguments checked, its defaults filled.

    Takes `KitClient`'s arguments (documented there, with what each raises).
    The credential comes from the arguments or else `KIT_API_KEY` /
    `KIT_ACCESS_TOKEN`, the origin from `base_url` or else `KIT_BASE_URL`;
    the rate limit defaults to Kit's limit for the credential. With
    `token_store`, the account's pair comes from the store (no credential
    is read from the environment).
    """
    if (given := _PREBUILT.get()) is not None:
        return given
    from_store = token_store is not None or account_id is not None or on_disconnected is not None
    if not from_store:
        from_environment = api_key is None and access_token is None
        api_key, access_token = _credentials(api_key, access_token)
        refresh_token, client_id, client_secret = _check_oauth_options(
            {
                "refresh_token": refresh_token,
                "client_id": client_id,
                "client_secret": client_secret,
                "on_token_refresh": on_token_refresh,
                "token_expires_at": token_expires_at,
                "token_url": token_url,
            },
            api_key=api_key is not None,
            from_environment=from_environment,
        )
    base = resolve_base_url(base_url)
    seconds = check_timeout(timeout)
    policy = _retry_policy(retry, max_retries)
    refresh_url = check_token_url(token_url) if token_url else f"{base}/v4/oauth/token"

    auth: ApiKeyAuth | OAuthAuth | StoreAuth
    if from_store:
        auth = _store_auth(
            token_store,
            account_id,
            client_id=client_id,
            client_secret=client_secret,
            on_disconnected=on_disconnected,
            token_url=refresh_url,
            others={
                "api_key": api_key,
                "access_token": access_token,
                "refresh_token": refresh_token,
                "on_token_refresh": on_token_refresh,
                "token_expires_at": token_expires_at,
            },
        )
        default_limit = OAUTH_LIMIT
    elif access_token is not None:
        auth = OAuthAuth(
            access_token,
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            token_url=refresh_url,
            on_token_refresh=on_token_refresh,
            expires_at=check_expiry(token_expires_at),
        )
        default_limit = OAUTH_LIMIT
    elif api_key is not None:
        auth = ApiKeyAuth(api_key)
        default_limit = API_KEY_LIMIT
    if rate_limit == "default":
        rate_limit = RateLimit(*default_limit)
    if rate_limit is not None and not isinstance(rate_limit, RateLimit):
        msg = f"rate_limit must be a RateLimit or None, got {type(rate_limit).__name__}"
        raise TypeError(msg)

    return Transport(
        base_url=base,
        auth=auth,
        timeout=seconds,
        retry=policy,
        rate_limit=rate_limit,
        session=None if session is None else check_session(session),
    )
