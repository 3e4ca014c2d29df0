"""The exception tree of kit-async.

Every exception raised by the library on purpose derives from `KitError`.
Messages name what failed (method, path without the query string, status and
Kit's own messages) and never carry a credential.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AccountDisconnectedError",
    "AuthenticationError",
    "AuthorizationDeniedError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "InternalServerError",
    "KitError",
    "NotFoundError",
    "OAuthError",
    "OAuthRequiredError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitStorageError",
    "RedirectError",
    "ResponseValidationError",
    "TokenSaveError",
    "TokenStoreError",
    "UnprocessableEntityError",
]

_BODY_PREVIEW = 200


def _rebuild(cls: type[KitError], args: tuple[Any, ...], state: dict[str, Any]) -> KitError:
    """Recreate a pickled or copied error without calling its constructor."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class KitError(Exception):
    """Root of every error raised by kit-async.

    Attributes:
        method: HTTP method of the failed request, when there was one.
        path: Path of the failed request, without the query string.
        path_params: The ids in that path by name (`{"broadcast_id": 147}`),
            empty when it has none.
        cursor: The pagination cursor (`after`/`before` value) of the page
            that failed, `None` for the first page or a non-list call. Pass it
            back as `after=` (or `before=`) to resume exactly there.
        attempts: How many attempts were made before giving up (1 when the
            request was not retried).
    """

    method: str | None = None
    path: str | None = None
    path_params: Mapping[str, Any] = MappingProxyType({})
    cursor: str | None = None
    attempts: int = 1

    @property
    def resource_id(self) -> Any:
        """The id the failed request was about: the first id in its path.

        The broadcast of `GET /v4/broadcasts/{broadcast_id}/clicks`, the tag
        of `POST /v4/tags/{tag_id}/subscribers`; `None` for a path without
        one. In a fan-out over many ids, the one whose fetch failed.
        """
        return next(iter(self.path_params.values()), None)

    def __str__(self) -> str:
        text = super().__str__()
        extra = []
        if self.cursor is not None:
            extra.append(f"page cursor {self.cursor!r}")
        if self.attempts > 1:
            extra.append(f"after {self.attempts} attempts")
        return f"{text} ({'; '.join(extra)})" if extra else text

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only arguments, which the default
        # reduction (`cls(*args)`) cannot replay. Rebuilding from the message
        # and the attributes lets every error cross a process boundary
        # (ProcessPoolExecutor, Celery, RQ) and survive `copy`.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class OAuthRequiredError(KitError):
    """The endpoint accepts only an OAuth access token, and the client has an API key.

    Kit reserves every bulk and purchases endpoint for OAuth apps; the client
    refuses such a call before sending it (Kit would answer 401).
    """


class TokenSaveError(KitError):
    """`on_token_refresh` failed, so a refreshed OAuth token pair is not saved yet.

    Kit rotates refresh tokens: the refresh token you have on record stopped
    working when the new pair was issued, so the new pair, which only the
    client holds now, must not be lost. The client keeps it in memory, goes
    on authenticating with it, and calls `on_token_refresh` again before its
    next request (and when it is closed), until the callback succeeds.

    The request that raised this was not sent (or Kit refused it with a 401
    before the refresh), so nothing happened at Kit: repeat it once your
    token store works again. The callback's own exception is chained as
    `__cause__`; its message is not repeated here, as it may quote a token.
    """


class ClientClosedError(KitError, RuntimeError):
    """The client was used after `aclose()` or outside its `async with` block."""


class APIConnectionError(KitError):
    """The request never got a complete HTTP response (DNS, refused, reset).

    Attributes:
        connect_failed: True when no connection could be made at all, so the
            request was certainly never sent (safe to retry any method).
    """

    def __init__(
        self, message: str, *, method: str, path: str, connect_failed: bool = False
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.connect_failed = connect_failed


class APITimeoutError(APIConnectionError):
    """An attempt took longer than the client's `timeout`."""


class RedirectError(KitError):
    """Kit (or a proxy) answered with a redirect, which the client never follows.

    Following it could hand the credential to another origin.
    """

    def __init__(self, message: str, *, method: str, path: str, status_code: int) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status_code = status_code


class APIStatusError(KitError):
    """Kit answered with an HTTP error status.

    Attributes:
        status_code: The HTTP status.
        errors: Kit's messages as a tuple of strings (nested lists flattened);
            empty when the body carried none.
        body: The raw body text when it was not JSON (Kit's 429 says
            `Retry later` in plain text), else `None`.
        retry_after: The `Retry-After` header, if the answer had one.
        www_authenticate: The `WWW-Authenticate` header, if the answer had one.
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status_code: int,
        errors: Sequence[str] = (),
        body: str | None = None,
        retry_after: str | None = None,
        www_authenticate: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status_code = status_code
        self.errors = tuple(errors)
        self.body = body
        self.retry_after = retry_after
        self.www_authenticate = www_authenticate
        if self.errors:
            detail = "; ".join(self.errors)
        elif body:
            detail = body.strip()[:_BODY_PREVIEW]
        else:
            detail = "no message"
        super().__init__(f"{method} {path} answered {status_code}: {detail}")


class BadRequestError(APIStatusError):
    """400 Bad Request."""


class AuthenticationError(APIStatusError):
    """401: the API key or access token is missing, invalid or expired.

    Also raised when refreshing an OAuth token fails.
    """


class PermissionDeniedError(APIStatusError):
    """403: the account's plan lacks the feature (Kit answers with `{}`)."""


class NotFoundError(APIStatusError):
    """404: unknown id, or a draft or scheduled broadcast asked for its clicks."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the record's state.

    Kit answers it to a webhook endpoint's secret rotation while the previous
    rotation's overlap is still open.
    """


class UnprocessableEntityError(APIStatusError):
    """422: Kit rejected the input (its messages say what was wrong)."""


class RateLimitError(APIStatusError):
    """429: Kit's rolling rate-limit window is full (`Retry later`)."""


class InternalServerError(APIStatusError):
    """A 5xx answer. Kit's 5xx bodies carry no useful message."""


class RateLimitStorageError(KitError):
    """The shared rate-limit storage (Redis) could not be used.

    The request was not sent: kit-async never sends past a shared limit it
    cannot read, since every worker doing so would trip Kit's 429s. It is
    retried like a connection failure (any method: nothing reached Kit) and
    raised when the retries run out.

    Attributes:
        storage: The storage's address without credentials
            (`redis://host:port/db`).
    """

    def __init__(self, message: str, *, storage: str) -> None:
        super().__init__(message)
        self.storage = storage


class TokenStoreError(KitError):
    """A token store (`kit_async.oauth.open_token_store`) could not be used.

    Raised when the store cannot be reached (the database or Redis is down,
    the SQLite file cannot be opened), when an account's lock stays taken
    past the store's `lock_timeout`, or when a stored token pair cannot be
    decrypted with the given key(s). The message names the store without
    its password, and never a token or a key.

    Attributes:
        store: The store's address without credentials
            (`postgresql://kit:***@db/app`, `sqlite:///var/app/tokens.db`).
    """

    def __init__(self, message: str, *, store: str) -> None:
        super().__init__(message)
        self.store = store


class AccountDisconnectedError(KitError):
    """The account's token pair no longer works, or the token store has none for it.

    Raised by a `KitClient(token_store=..., account_id=...)` before sending,
    when the store does not know the account or has it marked disconnected,
    and when Kit refuses the account's pair: the refresh token was refused
    (`invalid_grant`) while the store still held it, or a request was refused
    with a 401 that does not say the token expired (the creator revoked the
    app) and the store held no newer pair. The store then marks the account
    disconnected and `on_disconnected` is called. The creator has to connect
    the app again; the request was not carried out.

    Attributes:
        account_id: The Kit account.
        reason: Why, in a few words (`"invalid_grant"`, `"revoked"`,
            `"disconnected"`, `"unknown account"`); never a token.
    """

    def __init__(self, message: str, *, account_id: int, reason: str) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.reason = reason


class ResponseValidationError(KitError):
    """A response did not match the documented schema.

    Attributes:
        field: Dotted path of the offending field inside the body
            (`broadcast.clicks[3].unique_clicks`), or `None` when the body
            was not JSON at all.
    """

    def __init__(self, message: str, *, method: str, path: str, field: str | None = None) -> None:
        self.method = method
        self.path = path
        self.field = field
        where = f" at {field!r}" if field else ""
        super().__init__(f"{method} {path}: invalid response{where}: {message}")


class PaginationError(KitError):
    """The server said there is another page but gave no usable cursor.

    Raised instead of looping forever when `has_next_page` is true and the
    cursor is missing, empty, or the one just sent. `cursor` is the cursor
    of the last page fetched, whose items were already delivered: resuming
    with `after=err.cursor` fetches that page again.
    """

    def __init__(self, message: str, *, path: str, cursor: str | None, method: str = "GET") -> None:
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path
        self.cursor = cursor


# --- Kit Apps: connecting a creator with OAuth (kit_async.oauth) ---


class OAuthError(KitError):
    """Connecting a creator (or revoking a token) failed; nothing was saved.

    Raised by `kit_async.oauth.connect` and `kit_async.oauth.revoke` for Kit's
    RFC 6749 answers (`invalid_grant`, `invalid_client`, ...), for a callback
    that cannot be trusted (its `state` is not the one sent) and for an
    answer Kit should not give. The message never carries a code, a token,
    a verifier, a state or a secret.

    Attributes:
        error: Kit's RFC 6749 error code (`"invalid_grant"`, `"access_denied"`),
            or `None` when the failure is not Kit's answer (a forged callback).
        error_description: Kit's human-readable explanation, if it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        error_description: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.error_description = error_description
        self.method = method
        self.path = path

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, error={self.error!r})"


class AuthorizationDeniedError(OAuthError):
    """The creator did not authorize the app (Kit's callback said `error=access_denied`).

    Send the creator back to where they came from: nothing is wrong with the app.
    """


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    """Return the `APIStatusError` subclass for an HTTP status."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)
