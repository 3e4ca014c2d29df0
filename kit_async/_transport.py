"""The transport: the one place where a request is sent.

Every request to Kit goes through `Transport.request`: it is rate-limited,
sent on the client's pooled aiohttp session, retried with stamina when the
failure is transient, and its errors are mapped to the `kit_async.errors`
tree. Nothing here ever puts a credential into a message or a log line.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
import attrs
import stamina
import yarl

from ._auth import ApiKeyAuth, OAuthAuth, TokenSet
from ._converter import Envelope, decode_object, loads
from ._ratelimit import RateLimit, StorageUnavailableError
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    InternalServerError,
    KitError,
    RateLimitError,
    RateLimitStorageError,
    RedirectError,
    ResponseValidationError,
    error_class_for_status,
)

__all__ = ["RetryPolicy", "Transport"]

log = logging.getLogger("kit_async")

USER_AGENT = f"kit-async/{__version__} (+https://pypi.org/project/kit-async/)"
_BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_TOKEN_ENVELOPE = Envelope(at=())


# True while stamina runs kit-async's own retry loop (in that task only).
_IN_KIT_ASYNC_RETRIES: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "kit_async_retrying", default=False
)


class _DropKitAsyncRetries(logging.Filter):
    """Drops stamina's own record of kit-async's retries from the `stamina` logger.

    kit-async logs each retry itself (method, path, cause, wait, attempt) on
    the `kit_async` logger at INFO. stamina's default hook would also log it
    at WARNING, which Python's last-resort handler prints on stderr in a
    program that configured no logging. stamina calls its hooks inside the
    retry loop, so a record made while `_IN_KIT_ASYNC_RETRIES` is set is
    kit-async's; records of the host program's own stamina retries pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: ARG002 - decided by context
        return not _IN_KIT_ASYNC_RETRIES.get()


logging.getLogger("stamina").addFilter(_DropKitAsyncRetries())


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        msg = f"RetryPolicy.{attribute.name} must be a number >= 0, got {value!r}"
        raise ValueError(msg)


@attrs.frozen
class RetryPolicy:
    """How failed requests are retried. Every field is overridable.

    Attributes:
        max_retries: Retries after the first attempt; `0` means no retry.
        max_retry_time: Seconds from the first attempt after which no new
            wait is started; the last error is raised instead.
            A `Retry-After` header is honoured up to twice
            `rate_limited_wait_max`.
        rate_limited_wait: First wait after a 429, in seconds; it doubles on
            each further 429 up to `rate_limited_wait_max`, with jitter.
        rate_limited_wait_max: Longest wait after a 429. Kit's window is a
            rolling 60 s, so a full minute always clears it.
        backoff_initial: First wait after a 5xx, a timeout or a connection
            error; it doubles each time up to `backoff_max`, with jitter.
        backoff_max: Longest wait after a 5xx, a timeout or a connection error.
    """

    max_retries: int = attrs.field(default=6, validator=_non_negative)
    max_retry_time: float = attrs.field(default=300.0, validator=_non_negative)
    rate_limited_wait: float = attrs.field(default=8.0, validator=_non_negative)
    rate_limited_wait_max: float = attrs.field(default=60.0, validator=_non_negative)
    backoff_initial: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_max: float = attrs.field(default=30.0, validator=_non_negative)


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, list):
        return [text for item in messages for text in _flatten(item)]
    if messages is None:
        return []
    return [str(messages)]


def _error_messages(body: bytes) -> tuple[list[str], str | None]:
    """Kit's messages from an error body, and the raw text when it is not JSON."""
    try:
        parsed = loads(body)
    except ValueError:
        return [], body.decode("utf-8", "replace")
    if isinstance(parsed, dict):
        if "errors" in parsed:
            return _flatten(parsed["errors"]), None
        if "error_description" in parsed or "error" in parsed:  # RFC 6749 shape
            return _flatten(parsed.get("error_description") or parsed.get("error")), None
    return [], None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _token_expired(exc: AuthenticationError) -> bool:
    text = " ".join(exc.errors) + " " + (exc.www_authenticate or "")
    return "expired" in text.lower()


class _Retrying:
    """The backoff hook for one logical request: decides, waits, logs."""

    def __init__(self, policy: RetryPolicy, method: str, path: str) -> None:
        self._policy = policy
        self._method = method
        self._path = path
        self._idempotent = method in _IDEMPOTENT
        self._started = time.monotonic()
        self.attempts = 0
        self._rate_limited = 0
        self._failed = 0

    def __call__(self, exc: Exception) -> bool | float:
        wait = self._wait_for(exc)
        if wait is None:
            return False
        attempt = self.attempts
        if self.attempts > self._policy.max_retries:
            return False
        if time.monotonic() - self._started + wait > self._policy.max_retry_time:
            return False
        log.info(
            "retrying %s %s in %.1f s (attempt %d of %d failed: %s)",
            self._method,
            self._path,
            wait,
            attempt,
            self._policy.max_retries + 1,
            _reason(exc),
        )
        return wait

    def _wait_for(self, exc: Exception) -> float | None:
        policy = self._policy
        if isinstance(exc, RateLimitError):
            self._rate_limited += 1
            hinted = _retry_after(exc.retry_after)
            if hinted is not None:
                return min(hinted, policy.rate_limited_wait_max * 2)
            base = min(
                policy.rate_limited_wait_max,
                policy.rate_limited_wait * 2.0 ** (self._rate_limited - 1),
            )
            # Jitter below the cap only, so the last waits still span the window.
            return min(policy.rate_limited_wait_max, base * random.uniform(0.9, 1.2))  # noqa: S311
        retryable = (
            # Nothing was sent: safe to retry whatever the method.
            isinstance(exc, RateLimitStorageError)
            or (isinstance(exc, APIConnectionError) and exc.connect_failed)
            or (self._idempotent and isinstance(exc, APIConnectionError))
            or (
                self._idempotent
                and isinstance(exc, InternalServerError)
                and exc.status_code in _RETRY_STATUSES
            )
        )
        if not retryable:
            return None
        self._failed += 1
        base = min(policy.backoff_max, policy.backoff_initial * 2.0 ** (self._failed - 1))
        return base * random.uniform(0.5, 1.0)  # noqa: S311


def _reason(exc: Exception) -> str:
    if isinstance(exc, APIStatusError):
        return f"status {exc.status_code}"
    if isinstance(exc, APITimeoutError):
        return "timeout"
    if isinstance(exc, RateLimitStorageError):
        return "rate-limit storage unreachable"
    return type(exc).__name__


class Transport:
    """Sends requests for one `KitClient`: session, limiter, retries, errors."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: ApiKeyAuth | OAuthAuth,
        timeout: float,
        retry: RetryPolicy,
        rate_limit: RateLimit | None,
        session: aiohttp.ClientSession | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.retry = retry
        self.rate_limit = rate_limit
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.requests_sent = 0
        # Tasks inside `request()`, so that `aclose()` can fail them at once
        # (a request may wait up to a minute in the rate limiter).
        self._active: set[asyncio.Task[Any]] = set()
        self._cancelled_by_close: set[asyncio.Task[Any]] = set()

    # -- lifecycle --------------------------------------------------------
    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        if self.closed:
            msg = "this KitClient is closed; create a new one (or use 'async with KitClient(...)')"
            raise ClientClosedError(msg)
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            msg = (
                "this KitClient was first used in another event loop; "
                "create one client per event loop"
            )
            raise RuntimeError(msg)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                # Redirects are refused below; no cookies: Kit's API needs none.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        elif self._session.closed:
            msg = "the aiohttp session given to this KitClient (session=...) is closed"
            raise ClientClosedError(msg)
        return self._session

    async def open(self) -> None:
        self._session_for_this_loop()

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        current = asyncio.current_task()
        for task in self._active:
            if task is not current and not task.done():
                self._cancelled_by_close.add(task)
                task.cancel()
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    # -- requests ---------------------------------------------------------
    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> yarl.URL:
        """The request URL, its query encoded exactly once."""
        query = ""
        if params:
            pairs = [(k, _query_value(v)) for k, v in params.items() if v is not None]
            query = "?" + urlencode(pairs, quote_via=quote, safe="")
        return yarl.URL(f"{self.base_url}{path}{query}", encoded=True)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
    ) -> Any:
        """Send one logical request (with its retries) and return the JSON body.

        Raises `ClientClosedError` when the client is closed while the
        request waits (in the rate limiter, between retries) or is in flight.
        """
        url = self.url_for(path, params)
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            body = await self._send_authenticated(method, url, path, cursor)
        except asyncio.CancelledError:
            if task is None or task not in self._cancelled_by_close:
                raise
            self._cancelled_by_close.discard(task)
            if task.uncancel() > 0:  # cancelled by its owner too: that wins
                raise
            msg = f"{method} {path}: the KitClient was closed before this request completed"
            closed = ClientClosedError(msg)
            closed.method, closed.path, closed.cursor = method, path, cursor
            raise closed from None
        finally:
            if task is not None:
                self._active.discard(task)
        try:
            return loads(body)
        except ValueError:
            preview = body[:80].decode("utf-8", "replace")
            msg = f"the body is not JSON: {preview!r}"
            error = ResponseValidationError(msg, method=method, path=path)
            error.cursor = cursor  # so `after=error.cursor` fetches this page again
            raise error from None

    async def request_token(self, token_url: str, form: dict[str, str]) -> TokenSet:
        """Exchange a refresh token for a new pair (never rate-limited, never logged)."""
        url = yarl.URL(token_url)
        path = url.path
        try:
            body = await self._with_retries(
                "POST", path, None, lambda: self._send("POST", url, path, {}, form, limited=False)
            )
        except APIStatusError as exc:
            if exc.status_code >= 500:
                raise
            raise AuthenticationError(
                method="POST",
                path=path,
                status_code=exc.status_code,
                errors=exc.errors or ("token refresh failed",),
                body=exc.body,
            ) from None
        try:
            parsed = loads(body)
        except ValueError:
            msg = "the token response is not JSON"
            raise ResponseValidationError(msg, method="POST", path=path) from None
        return decode_object(parsed, TokenSet, _TOKEN_ENVELOPE, method="POST", path=path)

    async def _with_retries(
        self, method: str, path: str, cursor: str | None, send: Callable[[], Any]
    ) -> bytes:
        # The first attempt runs outside stamina: most requests succeed, and
        # entering a retry context costs more than decoding a small page.
        retrying = _Retrying(self.retry, method, path)
        retrying.attempts = 1
        try:
            return await send()  # type: ignore[no-any-return]
        except KitError as exc:
            failed: KitError | None = exc
        retrying_here = _IN_KIT_ASYNC_RETRIES.set(True)
        try:
            async for attempt in stamina.retry_context(
                on=retrying, attempts=self.retry.max_retries + 1, timeout=None
            ):
                with attempt:
                    if failed is not None:
                        # Replay the first failure so stamina decides, waits
                        # and counts exactly as if it had seen it happen.
                        error, failed = failed, None
                        raise error
                    retrying.attempts += 1
                    return await send()  # type: ignore[no-any-return]
        except KitError as exc:
            exc.attempts = retrying.attempts
            if cursor is not None:
                exc.cursor = cursor
            raise
        finally:
            _IN_KIT_ASYNC_RETRIES.reset(retrying_here)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_authenticated(
        self, method: str, url: yarl.URL, path: str, cursor: str | None
    ) -> bytes:
        auth = self.auth
        last_headers: dict[str, str] = {}

        def send() -> Any:
            nonlocal last_headers
            last_headers = auth.headers()
            return self._send(method, url, path, last_headers, None)

        try:
            return await self._with_retries(method, path, cursor, send)
        except AuthenticationError as exc:
            if not (isinstance(auth, OAuthAuth) and auth.can_refresh and _token_expired(exc)):
                raise
            refresh = auth.refresh
        # The refresh runs outside the request's retries: its POST is never
        # re-sent by them, and attempts are not multiplied.
        log.info("access token expired; refreshing it")
        try:
            await refresh(self, last_headers)
        except KitError as exc:
            exc.cursor = cursor
            raise
        return await self._with_retries(method, path, cursor, send)

    async def _send(
        self,
        method: str,
        url: yarl.URL,
        path: str,
        headers: Mapping[str, str],
        form: dict[str, str] | None,
        *,
        limited: bool = True,
    ) -> bytes:
        limiter = self.rate_limit if limited else None
        if limiter is None:
            session = self._session_for_this_loop()
            return await self._exchange(session, method, url, path, headers, form)
        try:
            async with limiter.slot(self.auth.key):
                # Only now: the client may have been closed while this waited.
                session = self._session_for_this_loop()
                return await self._exchange(session, method, url, path, headers, form)
        except StorageUnavailableError as exc:
            msg = f"{method} {path}: not sent: {exc}"
            error = RateLimitStorageError(msg, storage=exc.storage)
            error.method, error.path = method, path
            raise error from None

    async def _exchange(  # noqa: PLR0917
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: yarl.URL,
        path: str,
        headers: Mapping[str, str],
        form: dict[str, str] | None,
    ) -> bytes:
        self.requests_sent += 1
        try:
            async with session.request(
                method,
                url,
                # Per request, so a caller's own session sends them too.
                headers={**_BASE_HEADERS, **headers},
                data=form,
                allow_redirects=False,
                # Per request: a caller's session may default to raising on
                # 4xx/5xx, which would turn Kit's answers into network errors.
                raise_for_status=False,
                timeout=self.timeout,
            ) as resp:
                body = await resp.read()
                status = resp.status
                resp_headers = resp.headers
        except TimeoutError:
            msg = f"{method} {path}: no complete answer within {self.timeout.total} s"
            raise APITimeoutError(msg, method=method, path=path) from None
        except aiohttp.ClientConnectorError as exc:
            msg = f"{method} {path}: could not connect: {exc.os_error or exc}"
            raise APIConnectionError(msg, method=method, path=path, connect_failed=True) from None
        except aiohttp.ClientError as exc:
            detail = str(exc) or type(exc).__name__
            msg = f"{method} {path}: connection failed: {detail}"
            raise APIConnectionError(msg, method=method, path=path) from None
        if 300 <= status < 400:
            target = urlsplit(resp_headers.get("Location", ""))
            where = f"{target.scheme}://{target.netloc}" if target.netloc else "the same origin"
            msg = (
                f"{method} {path} answered {status}, a redirect to {where}; kit-async does "
                "not follow redirects, so the credential is never sent elsewhere. "
                "Check base_url."
            )
            raise RedirectError(msg, method=method, path=path, status_code=status)
        if status >= 400:
            errors, text = _error_messages(body)
            raise error_class_for_status(status)(
                method=method,
                path=path,
                status_code=status,
                errors=errors,
                body=text,
                retry_after=resp_headers.get("Retry-After"),
                www_authenticate=resp_headers.get("WWW-Authenticate"),
            )
        return body


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
