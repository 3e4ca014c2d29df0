"""The transport: the one place where a request is sent.

Every request to Kit goes through `Transport.call`: it is rate-limited,
sent on the client's pooled aiohttp session, retried with stamina when the
failure is transient, its reply is decoded by the caller's function, and its
errors are mapped to the `kit_async.errors` tree and given the request's
context (once, here). Nothing here ever puts a credential into a message or a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import aiohttp
import yarl

from .._converter import loads, parse_body
from .._version import __version__
from ..errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    KitError,
    RateLimitStorageError,
    RedirectError,
    error_class_for_status,
)
from .auth import ApiKeyAuth, Auth
from .counting import count_one
from .observe import Observer, attempted
from .proxies import proxy_from_environment
from .ratelimit import RateLimit, StorageUnavailableError
from .retry import RetryPolicy, with_retries
from .values import Reply, Request, encode_json, query_value, quoted

__all__ = [
    "Decode",
    "RetryPolicy",
    "Transport",
    "annotate",
    "json_of",
    "reply_of",
]

T = TypeVar("T")

log = logging.getLogger("kit_async")

USER_AGENT = f"kit-async/{__version__} (+https://pypi.org/project/kit-async/)"
_BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}


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
    try:
        if isinstance(parsed, dict):
            if "errors" in parsed:
                return _flatten(parsed["errors"]), None
            if "error_description" in parsed or "error" in parsed:  # RFC 6749 shape
                return _flatten(parsed.get("error_description") or parsed.get("error")), None
    except RecursionError:
        # Messages nested too deeply to flatten or print: not Kit's shape.
        return [], body.decode("utf-8", "replace")
    return [], None


#: How a declaration reads Kit's reply to its request (`Transport.call`).
Decode = Callable[[Request, Reply], T]


def reply_of(request: Request, reply: Reply) -> Reply:  # noqa: ARG001 - a `Decode`
    """The reply itself, undecoded: the `Decode` of `Transport.send`."""
    return reply


def json_of(request: Request, reply: Reply) -> Any:
    """The decoded JSON body of a reply; `None` when it has none (204)."""
    return parse_body(reply.body, method=request.method, path=request.path)


def annotate(error: KitError, request: Request) -> KitError:
    """Give `error` the context of `request` (kept where it already has some).

    An error that names another request (a token refresh made on this
    request's behalf: `POST /v4/oauth/token`) is left as it is: this
    request's ids and cursor would describe something it is not about.
    """
    if (error.method or request.method, error.path or request.path) != (
        request.method,
        request.path,
    ):
        return error
    if error.method is None:
        error.method = request.method
    if error.path is None:
        error.path = request.path
    if not error.path_params:
        error.path_params = dict(request.path_params)
    if request.cursor is not None:
        error.cursor = request.cursor
    return error


class Transport:
    """Sends requests for one `KitClient`: session, limiter, retries, errors."""

    #: Headers added to each request to Kit (a `with_options` view sets its own).
    extra_headers: Mapping[str, str] = MappingProxyType({})

    def __init__(
        self,
        *,
        base_url: str,
        auth: Auth,
        timeout: float,
        retry: RetryPolicy,
        rate_limit: RateLimit | None,
        session: aiohttp.ClientSession | None,
        env_proxies: bool | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.retry = retry
        self.rate_limit = rate_limit
        self._session = session
        self._owns_session = session is None
        # Proxies from the environment: for a session of kit-async's own
        # (the client's, or a `KitAccounts` pool's), never for a caller's.
        self._env_proxies = self._owns_session if env_proxies is None else env_proxies
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.requests_sent = 0
        # Tasks inside `send()`, so that `aclose()` can fail them at once
        # (a request may wait up to a minute in the rate limiter).
        self._active: set[asyncio.Task[Any]] = set()
        self._cancelled_by_close: set[asyncio.Task[Any]] = set()
        # Closes the client's own session when its event loop shuts down.
        self._closer: AsyncGenerator[None] | None = None
        # Origin -> the proxy from the environment for it (None: direct).
        self._proxies: dict[tuple[str, str | None, int | None], yarl.URL | None] = {}
        self.observer = Observer(self.base_url)

    def __repr__(self) -> str:
        kind = "api_key" if isinstance(self.auth, ApiKeyAuth) else "oauth"
        state = "closed" if self.closed else "open"
        return f"<KitClient {self.base_url} auth={kind} {state}>"

    def __reduce__(self) -> NoReturn:
        msg = (
            "a KitClient's transport holds a credential and a connection pool and "
            "cannot be pickled or copied; build a KitClient in each process instead"
        )
        raise TypeError(msg)

    def __del__(self, _warn: Any = warnings.warn) -> None:
        # Like aiohttp's own warning, without touching the loop: the closer
        # (an async generator) closes the session once it is collected too.
        session = getattr(self, "_session", None)
        if session is not None and self._owns_session and not session.closed:
            _warn(f"unclosed {self!r}", ResourceWarning, source=self)

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
                "this KitClient was first used in another event loop (each "
                "asyncio.run() starts a new one): create one client per event loop, "
                "e.g. inside the coroutine you pass to asyncio.run(); "
                "'await kit.aclose()' still works from any loop"
            )
            raise RuntimeError(msg)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                # Redirects are refused below; no cookies: Kit's API needs none.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._closer = _start(_close_when_the_loop_ends(self._session))
        elif self._session.closed:
            msg = (
                "the aiohttp session given to this KitClient (session=...) is closed"
                if not self._owns_session
                else "this KitClient's session was closed as its event loop shut down"
            )
            raise ClientClosedError(msg)
        return self._session

    async def open(self) -> None:
        self._session_for_this_loop()

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.auth.before_close()
        finally:
            await self._release()

    async def _release(self) -> None:
        """Fail the requests still waiting and close the client's own session."""
        loop, here = self._loop, asyncio.get_running_loop()
        if loop is not None and loop is not here:
            if loop.is_running():  # in another thread: close it there
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._release(), loop))
                return
            # A session cannot be closed from a loop it does not belong to. A
            # loop that has ended (asyncio.run()) closed it as it shut down; a
            # stopped one closes it when it shuts down.
            if loop.is_closed():
                self._session = self._closer = None
            return
        current = asyncio.current_task()
        for task in self._active:
            if task is not current and not task.done():
                self._cancelled_by_close.add(task)
                task.cancel()
        session, self._session = self._session, None
        closer, self._closer = self._closer, None
        if session is not None and self._owns_session:
            await session.close()
        if closer is not None:
            await closer.aclose()

    def _proxy_for(self, url: yarl.URL) -> yarl.URL | None:
        """The proxy `HTTPS_PROXY`/`HTTP_PROXY` name for `url`, unless `NO_PROXY` exempts it.

        Only for a session of kit-async's own (a caller's session follows its
        own `trust_env`). Read once per origin: the lookup reads the environment.
        """
        if not self._env_proxies:
            return None
        origin = (url.scheme, url.raw_host, url.port)
        try:
            return self._proxies[origin]
        except KeyError:
            proxy = self._proxies[origin] = proxy_from_environment(url)
            return proxy

    # -- requests ---------------------------------------------------------
    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> yarl.URL:
        """The request URL, its query encoded exactly once."""
        query = ""
        if params:
            query = "?" + "&".join(
                f"{quoted(str(name))}={quoted(query_value(value))}"
                for name, value in params.items()
                if value is not None
            )
        return yarl.URL(f"{self.base_url}{path}{query}", encoded=True)

    async def send(self, request: Request) -> Reply:
        """Send one logical request (with its retries) and return Kit's 2xx reply.

        The same as `call(request, reply_of)`: see `call`.
        """
        return await self.call(request, reply_of)

    async def call(self, request: Request, decode: Decode[T]) -> T:
        """Send one logical request (with its retries) and decode Kit's 2xx reply.

        The one place a call's errors are given its context: every `KitError`
        raised, by the sending or by `decode(request, reply)`, carries the
        request's method, path, path parameters and cursor. Raises
        `ClientClosedError` when the client is closed while the request waits
        (in the rate limiter, between retries) or is in flight.
        """
        with self.observer.watching(request):
            return await self._call(request, decode)

    async def _call(self, request: Request, decode: Decode[T]) -> T:
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            return decode(request, await self._send_authenticated(request))
        except KitError as exc:
            annotate(exc, request)
            raise
        except asyncio.CancelledError:
            if task is None or task not in self._cancelled_by_close:
                raise
            self._cancelled_by_close.discard(task)
            if task.uncancel() > 0:  # cancelled by its owner too: that wins
                raise
            msg = (
                f"{request.method} {request.path}: the KitClient was closed before "
                "this request completed"
            )
            raise annotate(ClientClosedError(msg), request) from None
        finally:
            if task is not None:
                self._active.discard(task)

    async def request_json(self, request: Request) -> Any:
        """Send `request` and return its decoded JSON body (`None` when empty, as for 204)."""
        return await self.call(request, json_of)

    async def _send_authenticated(self, request: Request) -> Reply:
        auth = self.auth
        await auth.before_request(request, self._exchange_token)
        url = self.url_for(request.path, request.params)
        body = encode_json(request)
        sent: Mapping[str, str] = {}

        def attempt() -> Awaitable[Reply]:
            nonlocal sent
            sent = auth.headers()
            headers = {**self.extra_headers, **sent} if self.extra_headers else sent
            return self._send_once(request, url, headers, body)

        try:
            return await with_retries(self.retry, request, attempt)
        except AuthenticationError as exc:
            if not await auth.after_unauthorized(sent, exc, self._exchange_token):
                raise
        # The refresh ran outside the request's retries: its POST is never
        # re-sent by them, and attempts are not multiplied.
        return await with_retries(self.retry, request, attempt)

    async def _exchange_token(self, token_url: str, form: Mapping[str, str]) -> Reply:
        """POST a token form (never rate-limited, never logged): the auth's `TokenExchange`."""
        url = yarl.URL(token_url)
        request = Request("POST", url.path, template=url.path)
        with self.observer.watching(request, origin=url):
            send = partial(self._send_once, request, url, {}, dict(form), limited=False)
            return await with_retries(self.retry, request, send)

    async def _send_once(
        self,
        request: Request,
        url: yarl.URL,
        headers: Mapping[str, str],
        body: bytes | dict[str, str] | None,
        *,
        limited: bool = True,
    ) -> Reply:
        limiter = self.rate_limit if limited else None
        if self.closed:  # fail now, not after a wait for a slot of the limiter
            self._session_for_this_loop()
        watch = Observer.current()

        def exchange(session: aiohttp.ClientSession) -> Awaitable[Reply]:
            return attempted(watch, partial(self._exchange, session, request, url, headers, body))

        if limiter is None:
            session = self._session_for_this_loop()
            if limited:
                count_one()
            return await exchange(session)
        key = self.auth.key
        try:
            async with limiter.slot(key) if watch is None else watch.slot(limiter, key):
                # Only now: the client may have been closed while this waited.
                session = self._session_for_this_loop()
                count_one()
                return await exchange(session)
        except StorageUnavailableError as exc:
            msg = f"{request.method} {request.path}: not sent: {exc}"
            raise RateLimitStorageError(msg, storage=exc.storage) from None

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        request: Request,
        url: yarl.URL,
        headers: Mapping[str, str],
        body: bytes | dict[str, str] | None,
    ) -> Reply:
        method, path = request.method, request.path
        self.requests_sent += 1
        sent_headers = {**_BASE_HEADERS, **headers}
        if isinstance(body, bytes):
            sent_headers["Content-Type"] = "application/json"
        try:
            async with session.request(
                method,
                url,
                # Per request, so a caller's own session sends them too.
                headers=sent_headers,
                data=body,
                allow_redirects=False,
                proxy=self._proxy_for(url),
                # Per request: a caller's session may default to raising on
                # 4xx/5xx, which would turn Kit's answers into network errors.
                raise_for_status=False,
                timeout=self.timeout,
            ) as resp:
                content = await resp.read()
                status = resp.status
                resp_headers = resp.headers
        except TimeoutError:
            msg = f"{method} {path}: no complete answer within {self.timeout.total} s"
            raise APITimeoutError(msg + _not_resent(request), method=method, path=path) from None
        except aiohttp.ClientConnectorError as exc:
            msg = f"{method} {path}: could not connect: {exc.os_error or exc}"
            raise APIConnectionError(msg, method=method, path=path, connect_failed=True) from None
        except aiohttp.ClientError as exc:
            detail = str(exc) or type(exc).__name__
            msg = f"{method} {path}: connection failed: {detail}" + _not_resent(request)
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
            errors, text = _error_messages(content)
            raise error_class_for_status(status)(
                method=method,
                path=path,
                status_code=status,
                errors=errors,
                body=text,
                retry_after=resp_headers.get("Retry-After"),
                www_authenticate=resp_headers.get("WWW-Authenticate"),
            )
        return Reply(status, resp_headers, content)


def _not_resent(request: Request) -> str:
    """Why a request that may have reached Kit is not sent again, if it is not.

    The request left, so Kit may have carried it out whatever the failure: even
    a connection closed before a byte of the answer, on a reused keep-alive
    connection, may have been closed by a server that did the work (RFC 9112,
    9.3.1, forbids resending such a request on the client's own initiative).
    """
    if request.may_resend:
        return ""
    return (
        "; not retried: this request is not safe to send twice and Kit may have "
        "carried it out, so check before sending it again"
    )


async def _close_when_the_loop_ends(session: aiohttp.ClientSession) -> AsyncGenerator[None]:
    """Close `session` when its event loop shuts down, if the client did not.

    `asyncio.run()` (and `asyncio.Runner`, and pytest-asyncio) close the async
    generators still suspended as their loop ends, while it still runs: the
    one moment a session left open by a client that outlives its loop can
    still be closed cleanly. Started at once, so the loop knows of it.
    """
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


def _start(generator: AsyncGenerator[None]) -> AsyncGenerator[None]:
    """Run `generator` to its first `yield` without awaiting (it yields at once)."""
    with contextlib.suppress(StopIteration):
        generator.asend(None).send(None)
    return generator
