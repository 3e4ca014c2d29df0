"""Kit's OAuth authorization server, as FakeKit plays it: the page's requests and the codes.

A creator who allows the app gets an authorization code, good once and for
`CODE_TTL` on FakeKit's clock, bound to the client, the `redirect_uri` and
the PKCE challenge it was asked with, and naming the account (the creator)
who allowed it: the pair it is exchanged for is that account's.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs

__all__ = ["CODE_TTL", "AuthorizationAsk", "Authorizations", "BadAsk", "GrantRefused"]

#: How long an authorization code stays usable (RFC 6749 advises ten minutes at most).
CODE_TTL = timedelta(minutes=10)
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match "
    "the redirection URI used in the authorization request, or was issued to another client."
)


class GrantRefused(Exception):  # noqa: N818 - Kit's invalid_grant, for the logs
    """An authorization code the token endpoint refuses; the message says why (for the logs)."""


class BadAsk(ValueError):  # noqa: N818 - a refusal shown on the page, not a bug
    """The authorization request is not one Kit would serve (shown on the page, not redirected)."""


@attrs.frozen
class AuthorizationAsk:
    """The app's request, as `GET /v4/oauth/authorize` received it (checked)."""

    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    scope: str | None

    @classmethod
    def read(cls, params: Mapping[str, str], client_id: str) -> AuthorizationAsk:
        """Check the parameters as Kit does; `BadAsk` names the first wrong one."""
        if params.get("client_id") != client_id:
            msg = "The client is unknown (client_id)"
            raise BadAsk(msg)
        redirect_uri = params.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.fragment:
            msg = "The redirect_uri is not an absolute URL without a fragment"
            raise BadAsk(msg)
        if params.get("response_type") != "code":
            msg = "The response_type must be code"
            raise BadAsk(msg)
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
            msg = "PKCE is required: a code_challenge with code_challenge_method S256"
            raise BadAsk(msg)
        return cls(client_id, redirect_uri, params.get("state"), challenge, params.get("scope"))

    def answer(self, **params: str) -> str:
        """The app's redirect URI with `params` (and the state) added to its query."""
        parts = urlsplit(self.redirect_uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query.extend(params.items())
        if self.state is not None:
            query.append(("state", self.state))
        return parts._replace(query=urlencode(query)).geturl()


@attrs.define
class _Code:
    ask: AuthorizationAsk
    expires: datetime
    account_id: int


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Authorizations:
    """The authorization codes issued and not yet used (or expired)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._codes: dict[str, _Code] = {}

    def __repr__(self) -> str:
        return f"<Authorizations: {len(self._codes)} codes outstanding>"

    def allow(self, ask: AuthorizationAsk, account_id: int) -> str:
        """The creator of account `account_id` allowed the app: the callback URL, with a new code."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(ask, self._clock() + CODE_TTL, account_id)
        return ask.answer(code=code)

    @staticmethod
    def deny(ask: AuthorizationAsk) -> str:
        """The creator denied the app: the callback URL, with `error=access_denied`."""
        return ask.answer(
            error="access_denied",
            error_description="The resource owner or authorization server denied the request.",
        )

    def redeem(self, form: Mapping[str, str]) -> int:
        """Use up the form's code: the id of the account that allowed it.

        The code is spent whatever the outcome, as a replayed or a
        tampered-with exchange must not be retried with it.

        Raises:
            GrantRefused: the code is unknown, used, expired, or does not
                match the form's client, `redirect_uri` or PKCE verifier.
        """
        found = self._codes.pop(str(form.get("code", "")), None)
        if found is None:
            raise GrantRefused("unknown or used code")
        if self._clock() >= found.expires:
            raise GrantRefused("expired code")
        ask = found.ask
        if form.get("client_id") != ask.client_id:
            raise GrantRefused("another client's code")
        if form.get("redirect_uri") != ask.redirect_uri:
            raise GrantRefused("redirect_uri differs from the authorization request's")
        verifier = str(form.get("code_verifier", ""))
        if not 43 <= len(verifier) <= 128 or not secrets.compare_digest(
            _challenge(verifier), ask.code_challenge
        ):
            raise GrantRefused("code_verifier does not match the code_challenge")
        return found.account_id
