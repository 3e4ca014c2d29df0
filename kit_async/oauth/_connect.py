"""Connecting a creator: Kit's OAuth authorization code flow with PKCE, and revoking.

An app connects a creator in two steps: `authorization_request` builds the
URL to send the creator to (and what the app keeps in the creator's session
meanwhile); `connect` finishes on the app's callback: it checks the callback,
exchanges the code, learns the account and saves the pair in the token store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import attrs
import yarl

from .._client import KitClient
from .._converter import Envelope, decode_object, loads
from .._core.auth import TokenSet
from .._core.config import check_session, resolve_base_url
from .._core.proxies import proxy_from_environment
from .._core.transport import USER_AGENT
from .._core.validation import is_loopback
from ..errors import AuthorizationDeniedError, KitError, OAuthError
from ._store import TokenStore

__all__ = [
    "DEFAULT_AUTHORIZE_URL",
    "AuthorizationRequest",
    "ConnectedAccount",
    "authorization_request",
    "connect",
    "revoke",
]

log = logging.getLogger("kit_async")

DEFAULT_AUTHORIZE_URL = "https://api.kit.com/v4/oauth/authorize"
#: The length of the PKCE verifier made (RFC 7636 allows 43 to 128).
_VERIFIER_BYTES = 64  # 86 characters of base64url
_TOKEN_ENVELOPE = Envelope(at=())
_TIMEOUT = aiohttp.ClientTimeout(total=30.0)


@attrs.frozen
class AuthorizationRequest:
    """Where to send the creator, and what the app keeps until the callback.

    Keep the whole object in the creator's session (server side: the
    verifier must not reach the browser) and hand it to `connect` on the
    callback. `repr()` hides `code_verifier` and `state` (and `url`, which
    carries the state).

    Attributes:
        url: Kit's authorization page, with the app's parameters: redirect the creator there.
        state: The random value Kit sends back, which ties the callback to this request.
        code_verifier: The PKCE secret whose S256 challenge is in `url`.
        redirect_uri: Where Kit sends the creator back (the app's callback).
        client_id: The app's OAuth client id.
        app_store_redirect: The `redirect` parameter Kit's App Store sent the
            creator with, if any: send the creator there once connected.
    """

    url: str = attrs.field(repr=False)
    state: str = attrs.field(repr=False)
    code_verifier: str = attrs.field(repr=False)
    redirect_uri: str
    client_id: str
    app_store_redirect: str | None = None


@attrs.frozen
class ConnectedAccount:
    """The creator's account that `connect` saved in the token store.

    Attributes:
        account_id: The account's id on Kit (the store's key).
        name: The account's name on Kit.
        tokens: The token pair saved (hidden from `repr()`).
        app_store_redirect: Where to send the creator now when they came
            from Kit's App Store (the `AuthorizationRequest`'s), else `None`.
    """

    account_id: int
    name: str
    tokens: TokenSet = attrs.field(repr=False)
    app_store_redirect: str | None = None


def _check_redirect_uri(redirect_uri: object) -> str:
    if not isinstance(redirect_uri, str):
        msg = f"redirect_uri must be a str, got {type(redirect_uri).__name__}"
        raise TypeError(msg)
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    if not host or parts.scheme not in {"https", "http"}:
        msg = f"redirect_uri must be an absolute https URL, got {redirect_uri!r}"
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(host):
        msg = (
            f"redirect_uri must use https (http only on loopback, for development), "
            f"got {redirect_uri!r}"
        )
        raise ValueError(msg)
    if parts.fragment:
        msg = f"redirect_uri must not have a fragment (RFC 6749, 3.1.2), got {redirect_uri!r}"
        raise ValueError(msg)
    return redirect_uri


def _check_app_store_redirect(redirect: object) -> str:
    if not isinstance(redirect, str):
        msg = f"app_store_redirect must be a str, got {type(redirect).__name__}"
        raise TypeError(msg)
    parts = urlsplit(redirect)
    if parts.scheme != "https" or not parts.hostname:
        # Anything else would let a link to the app's connect page send the
        # creator, once connected, wherever its author wished.
        msg = f"app_store_redirect must be an absolute https URL, got {redirect!r}"
        raise ValueError(msg)
    return redirect


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        msg = f"{name} must be a str, got {type(value).__name__}"
        raise TypeError(msg)
    if not value or value != value.strip():
        msg = f"{name} must be a non-empty string without surrounding whitespace"
        raise ValueError(msg)
    return value


def code_challenge(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier`: base64url(SHA-256), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_request(
    *,
    client_id: str,
    redirect_uri: str,
    app_store_redirect: str | None = None,
    scope: str | None = None,
    authorize_url: str = DEFAULT_AUTHORIZE_URL,
) -> AuthorizationRequest:
    """Start connecting a creator: the URL of Kit's authorization page, and what to keep.

    Redirect the creator to `request.url`, and keep the returned
    `AuthorizationRequest` in their session until Kit sends them back to
    `redirect_uri`, where `connect` finishes. It makes a PKCE verifier (86
    characters from `secrets`) and its S256 challenge, and a random `state`.

    Args:
        client_id: The app's OAuth client id.
        redirect_uri: The app's callback, as registered with Kit: an absolute
            https URL (http only on a loopback host, for development), without
            a fragment.
        app_store_redirect: The `redirect` query parameter Kit's App Store sent
            the creator to the app with (`https://app.kit.com/apps/...`), if
            any. It must be an absolute https URL; any https host is accepted,
            since Kit does not say which hosts it uses. It comes back on the
            `ConnectedAccount`, for the app to send the creator there.
        scope: The scopes to ask for (space-separated), when not the app's default.
        authorize_url: Kit's authorization page (another only for a fake Kit).

    Returns:
        The request: `url`, `state`, `code_verifier` and the rest.

    Raises:
        ValueError: a `redirect_uri`, `app_store_redirect` or `authorize_url`
            that is not as described, or an empty `client_id` or `scope`.
        TypeError: an argument that is not a str.
    """
    client_id = _check_text("client_id", client_id)
    redirect_uri = _check_redirect_uri(redirect_uri)
    if app_store_redirect is not None:
        app_store_redirect = _check_app_store_redirect(app_store_redirect)
    if scope is not None:
        scope = _check_text("scope", scope)
    authorize = urlsplit(_check_text("authorize_url", authorize_url))
    if authorize.scheme not in {"https", "http"} or not authorize.hostname or authorize.query:
        msg = f"authorize_url must be an absolute URL without a query, got {authorize_url!r}"
        raise ValueError(msg)
    if authorize.scheme == "http" and not is_loopback(authorize.hostname):
        msg = f"authorize_url must use https (http only on loopback), got {authorize_url!r}"
        raise ValueError(msg)
    verifier = secrets.token_urlsafe(_VERIFIER_BYTES)
    state = secrets.token_urlsafe(32)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if scope is not None:
        params["scope"] = scope
    return AuthorizationRequest(
        url=f"{authorize_url}?{urlencode(params)}",
        state=state,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        client_id=client_id,
        app_store_redirect=app_store_redirect,
    )


def _callback_value(query: Mapping[str, Any], name: str) -> str | None:
    value = query.get(name)
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            msg = f"the callback's {name} is not UTF-8 text"
            raise OAuthError(msg) from None
    if not isinstance(value, str):
        msg = f"the callback's {name} is not a string (got {type(value).__name__})"
        raise OAuthError(msg)
    return value


def _check_state(query: Mapping[str, Any], pending: AuthorizationRequest) -> None:
    state = _callback_value(query, "state")
    if state is None:
        msg = "the callback has no state: it does not come from this authorization request"
        raise OAuthError(msg)
    try:
        sent = state.encode("utf-8")
    except UnicodeEncodeError:
        # A str with lone surrogates: what a framework makes of bytes that were not UTF-8.
        msg = "the callback's state is not UTF-8 text"
        raise OAuthError(msg) from None
    if not hmac.compare_digest(sent, pending.state.encode("utf-8")):
        msg = (
            "the callback's state is not the one this authorization request sent: "
            "a forged or stale callback (start connecting again)"
        )
        raise OAuthError(msg)


class _OAuthEndpoint:
    """Posts forms to Kit's OAuth endpoints, and reads their RFC 6749 answers."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession | None) -> None:
        self.base_url = base_url
        self._session = session

    async def post(self, path: str, form: Mapping[str, str], what: str) -> bytes:
        url = yarl.URL(f"{self.base_url}{path}")
        session = self._session or aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        try:
            async with session.post(
                url,
                # Our own session goes through HTTP(S)_PROXY as a client's does.
                proxy=None if self._session is not None else proxy_from_environment(url),
                data=dict(form),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                allow_redirects=False,
                raise_for_status=False,
                timeout=_TIMEOUT,
            ) as response:
                status, body = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            msg = f"POST {path}: {what} failed: could not reach Kit ({type(exc).__name__})"
            raise OAuthError(msg, method="POST", path=path) from None
        finally:
            if self._session is None:
                await session.close()
        if status >= 400:
            raise _answer_error(path, status, body, what)
        return body


def _answer_error(path: str, status: int, body: bytes, what: str) -> OAuthError:
    error = description = None
    try:
        parsed = loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        if isinstance(parsed.get("error"), str):
            error = parsed["error"]
        if isinstance(parsed.get("error_description"), str):
            description = parsed["error_description"]
    detail = f"{error}: {description}" if error and description else error or "no RFC 6749 error"
    msg = f"POST {path}: {what} failed: Kit answered {status} ({detail})"
    return OAuthError(msg, error=error, error_description=description, method="POST", path=path)


async def connect(
    callback_query: Mapping[str, Any],
    *,
    pending: AuthorizationRequest,
    client_id: str,
    client_secret: str | None = None,
    token_store: TokenStore,
    base_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> ConnectedAccount:
    """Finish connecting a creator, on the app's callback: the account, saved.

    Checks the callback's `state` against `pending` (in constant time),
    exchanges its `code` (with the PKCE verifier) for a token pair at Kit's
    token endpoint, learns the account from `GET /v4/account` with the new
    access token, and saves the pair in `token_store` under the account's id
    (with its name). Nothing is saved when any step fails.

    Args:
        callback_query: The callback's query parameters: aiohttp's
            `request.query`, Starlette's `request.query_params`, or a dict.
        pending: The `AuthorizationRequest` kept in the creator's session.
            Use it once: drop it from the session before calling.
        client_id: The app's OAuth client id.
        client_secret: The app's client secret (confidential apps).
        token_store: Where the pair is saved.
        base_url: Kit's origin (`KIT_BASE_URL`, else `https://api.kit.com`).
        session: An aiohttp session to send with (else one of its own).

    Returns:
        The connected account: its id, name, pair and the App Store redirect.

    Raises:
        AuthorizationDeniedError: the creator did not authorize the app.
        OAuthError: Kit answered another error to the authorization or the
            code exchange (`error` and `error_description` say which), the
            callback's state is missing or not `pending`'s, the callback
            carries neither a code nor an error, Kit could not be reached,
            or its answers (to the exchange or to `GET /v4/account`, whose
            error is chained as `__cause__`) were not usable.
        KitError: `token_store` failed (the store's own error).
    """
    _check_state(callback_query, pending)
    error = _callback_value(callback_query, "error")
    if error is not None:
        description = _callback_value(callback_query, "error_description")
        kind = AuthorizationDeniedError if error == "access_denied" else OAuthError
        detail = f": {description}" if description else ""
        msg = f"Kit's authorization answered {error}{detail}"
        raise kind(msg, error=error, error_description=description)
    code = _callback_value(callback_query, "code")
    if not code:
        msg = "the callback carries neither a code nor an error: it is not Kit's answer"
        raise OAuthError(msg)
    base = resolve_base_url(base_url)
    if session is not None:
        session = check_session(session)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending.redirect_uri,
        "client_id": client_id,
        "code_verifier": pending.code_verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    path = "/v4/oauth/token"
    body = await _OAuthEndpoint(base, session).post(path, form, "the code exchange")
    try:
        tokens = decode_object(loads(body), TokenSet, _TOKEN_ENVELOPE, method="POST", path=path)
    except (ValueError, KitError):
        msg = f"POST {path}: the code exchange answered no usable token pair"
        raise OAuthError(msg, method="POST", path=path) from None
    try:
        async with KitClient(
            access_token=tokens.access_token, base_url=base, session=session
        ) as kit:
            account = await kit.account.get()
    except KitError as exc:
        # The code is spent: the creator has to start again. The cause names
        # the request and Kit's messages, never the new token.
        msg = f"the code was exchanged, but the account could not be learnt: {exc}"
        raise OAuthError(msg, method="GET", path="/v4/account") from exc
    if account.id is None:
        msg = "GET /v4/account answered no account id: the pair cannot be saved"
        raise OAuthError(msg, method="GET", path="/v4/account")
    await token_store.save(account.id, tokens, name=account.name)
    log.info("connected Kit account %d", account.id)
    return ConnectedAccount(account.id, account.name, tokens, pending.app_store_redirect)


async def revoke(
    token: str,
    *,
    client_id: str,
    client_secret: str,
    account_id: int | None = None,
    token_store: TokenStore | None = None,
    base_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> None:
    """Revoke a token at Kit (RFC 7009): the creator's pair stops working.

    Kit revokes the access token and its refresh token (either may be
    given) and disables the app's authorization for the creator, as an
    uninstall would. With `account_id` and `token_store`, the account is then
    marked disconnected in the store (`reason="revoked"`), its pair forgotten.

    Args:
        token: An access token or a refresh token of the pair.
        client_id: The app's OAuth client id.
        client_secret: The app's client secret (Kit requires it here).
        account_id: The account the token belongs to, to mark disconnected.
        token_store: The store to mark it in (with `account_id`).
        base_url: Kit's origin (`KIT_BASE_URL`, else `https://api.kit.com`).
        session: An aiohttp session to send with (else one of its own).

    Raises:
        OAuthError: Kit refused (`error` says why) or could not be reached;
            the store is left as it was.
        ValueError: only one of `account_id` and `token_store` given.
    """
    if (account_id is None) != (token_store is None):
        msg = "give both account_id and token_store (to mark the account), or neither"
        raise ValueError(msg)
    base = resolve_base_url(base_url)
    if session is not None:
        session = check_session(session)
    form = {"token": token, "client_id": client_id, "client_secret": client_secret}
    await _OAuthEndpoint(base, session).post("/v4/oauth/revoke", form, "the revocation")
    if account_id is not None and token_store is not None:
        await token_store.disconnect(account_id, reason="revoked")
        log.info("revoked the pair of Kit account %d and marked it disconnected", account_id)
