"""What watches a transport's calls: OpenTelemetry, the hooks and the debug log.

The transport tells its `Observer` of a few moments, and nothing more: a
logical call starts and ends (`watching`), the rate limiter held an attempt
(`Watch.waited`), an attempt is sent and answered (`Watch.attempt`), a retry
was decided (`noted_retry`, from the retry policy). Everything recorded names
the operation by its path template, never by its filled path: no id, query,
cursor, address or credential reaches a span, a metric, a hook or a log line.

When nothing watches (no OpenTelemetry SDK set up, no hook, no
`KIT_ASYNC_LOG=debug`), `watching` costs one check and makes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import TYPE_CHECKING, Any

import yarl

from .. import _kit
from ..errors import APIStatusError, APITimeoutError, RateLimitStorageError
from .hooks import Hooks, RateLimitWaitEvent, RequestEvent, ResponseEvent, RetryEvent
from .values import Reply, Request

if TYPE_CHECKING:
    from .ratelimit import RateLimit

__all__ = ["Observer", "Watch", "attempted", "noted_retry", "reason", "url_template"]

log = logging.getLogger("kit_async")

#: `KIT_ASYNC_LOG=debug`: one DEBUG line per attempt (read when a client is built).
LOG_VARIABLE = "KIT_ASYNC_LOG"
_DEFAULT_PORTS = {"https": 443, "http": 80}
#: A wait in the rate limiter longer than this (seconds) is told to the hooks; a
#: free slot still takes a few microseconds to take.
HELD_BACK = 0.001


def _otel() -> ModuleType | None:
    """`kit_async._core.otel`, or None without `opentelemetry-api` (imported once)."""
    try:
        from . import otel
    except ImportError:
        return None
    return otel


_OTEL: ModuleType | bool | None = False  # False: not looked for yet


def _otel_module() -> ModuleType | None:
    global _OTEL  # noqa: PLW0603 - one look per process
    if _OTEL is False:
        _OTEL = _otel()
    return _OTEL  # type: ignore[return-value]


def debug_from_environment() -> bool:
    """Whether `KIT_ASYNC_LOG=debug`; if so, the `kit_async` logger shows DEBUG lines.

    The logger is set to DEBUG, and given a handler to stderr only when it
    has none of its own (an application's own set-up is kept).
    """
    value = os.environ.get(LOG_VARIABLE, "").strip().lower()
    if value != "debug":
        return False
    log.setLevel(logging.DEBUG)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    return True


# -- path templates -----------------------------------------------------------------

_INDEX: dict[tuple[str, int], list[tuple[str, tuple[str | None, ...]]]] = {}


def _index() -> dict[tuple[str, int], list[tuple[str, tuple[str | None, ...]]]]:
    if not _INDEX:
        for method, template in _kit.OPERATIONS:
            parts = tuple(None if part.startswith("{") else part for part in template.split("/"))
            _INDEX.setdefault((method, len(parts)), []).append((template, parts))
        for candidates in _INDEX.values():
            # `/v4/broadcasts/stats` before `/v4/broadcasts/{id}`.
            candidates.sort(key=lambda item: sum(p is None for p in item[1]))
    return _INDEX


def url_template(request: Request) -> str | None:
    """The operation's path template; matched among Kit's operations when undeclared.

    `None` for a path that matches none (`kit.request(...)` of a path Kit
    does not document): then only the method is recorded.
    """
    if request.template is not None:
        return request.template
    parts = request.path.split("/")
    for template, pattern in _index().get((request.method, len(parts)), ()):
        pairs = list(zip(pattern, parts, strict=True))
        if all(got if want is None else want == got for want, got in pairs):
            return template
    return None


def attempted(watch: Watch | None, send: Callable[[], Awaitable[Reply]]) -> Awaitable[Reply]:
    """`send()`, watched as one attempt of the current call when it is watched."""
    return send() if watch is None else watch.attempt(send)


# -- the observer and its watches ---------------------------------------------------

_WATCH: ContextVar[Watch | None] = ContextVar("kit_async_watch", default=None)


def noted_retry(exc: BaseException, wait: float) -> None:
    """The retry policy decided to retry the current call's attempt after `wait` s."""
    watch = _WATCH.get()
    if watch is not None:
        watch.retry = (wait, reason(exc), getattr(exc, "status_code", None))


def reason(exc: BaseException) -> str:
    """Why an attempt failed, in a few words (`status 503`, `timeout`)."""
    if isinstance(exc, APIStatusError):
        return f"status {exc.status_code}"
    if isinstance(exc, APITimeoutError):
        return "timeout"
    if isinstance(exc, RateLimitStorageError):
        return "rate-limit storage unreachable"
    return type(exc).__name__


def _error_type(exc: BaseException) -> str:
    """`error.type`: the status of an HTTP error, else the exception's full class name."""
    if isinstance(exc, APIStatusError):
        return str(exc.status_code)
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}"


class Observer:
    """Watches one transport's calls (see the module's docstring)."""

    def __init__(self, base_url: str) -> None:
        self.hooks = Hooks()
        self.debug = debug_from_environment()
        self._otel = _otel_module()
        self._origin = self._server(yarl.URL(base_url))

    @staticmethod
    def _server(url: yarl.URL) -> dict[str, Any]:
        server: dict[str, Any] = {"server.address": url.raw_host or ""}
        if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
            server["server.port"] = url.port
        return server

    @contextlib.contextmanager
    def watching(self, request: Request, origin: yarl.URL | None = None) -> Iterator[None]:
        """Watch one logical call, from its first attempt to its decoded answer."""
        otel = self._otel
        traced = otel is not None and otel.active()
        if not (traced or self.debug or self.hooks.count):
            yield
            return
        server = self._origin if origin is None else self._server(origin)
        watch = Watch(self, request, server, otel if traced else None)
        token = _WATCH.set(watch)
        try:
            yield
        except BaseException as exc:
            watch.end(exc)
            raise
        else:
            watch.end(None)
        finally:
            try:
                _WATCH.reset(token)
            except ValueError:  # ended in another context (a generator closed elsewhere)
                _WATCH.set(None)

    @staticmethod
    def current() -> Watch | None:
        """The watch of the call running in this task, if one is watched."""
        return _WATCH.get()


class Watch:
    """One logical call being watched: its attempts, waits and outcome."""

    def __init__(
        self, observer: Observer, request: Request, server: dict[str, Any], otel: Any
    ) -> None:
        self._hooks = observer.hooks
        self._debug = observer.debug
        self._otel = otel
        self.method = method = request.method
        self.template = template = url_template(request)
        self.name = f"{method} {template}" if template is not None else method
        self.attributes: dict[str, Any] = {"http.request.method": method, **server}
        if template is not None:
            self.attributes["url.template"] = template
        self.attempts = 0
        self.waited = 0.0
        self.status: int | None = None
        self.retry: tuple[float, str, int | None] | None = None
        self._span = otel.CallSpan(self.name, dict(self.attributes)) if otel else None
        # The first attempt's start and end (ns) and outcome, until it gets its span.
        self._first: tuple[int, int, dict[str, Any]] | None = None

    @contextlib.asynccontextmanager
    async def slot(self, limiter: RateLimit, key: str) -> AsyncIterator[None]:
        """`limiter.slot(key)`, its wait measured (the event loop's clock) and told."""
        clock = asyncio.get_running_loop()
        queued = clock.time()
        async with limiter.slot(key):
            seconds = clock.time() - queued
            self.waited += seconds
            if seconds > HELD_BACK and self._hooks._wait.callbacks:
                event = RateLimitWaitEvent(self.method, self.template, self.attempts + 1, seconds)
                await self._hooks._wait.fire(event)
            yield

    async def attempt(self, send: Callable[[], Awaitable[Reply]]) -> Reply:
        """Send one attempt (`send()`), telling the hooks, the spans and the log."""
        self.attempts = attempt = self.attempts + 1
        hooks, method, template = self._hooks, self.method, self.template
        if self.retry is not None:
            wait, why, status = self.retry
            self.retry = None
            if hooks._retry.callbacks:
                await hooks._retry.fire(RetryEvent(method, template, attempt, wait, why, status))
        if hooks._request.callbacks:
            await hooks._request.fire(RequestEvent(method, template, attempt))
        otel, span, token = self._otel, None, None
        if self._span is not None and attempt > 1:
            # A second attempt: the first gets its span now, then each its own.
            self._first_span()
            attributes = {**self.attributes, "http.request.resend_count": attempt - 1}
            span = self._span.attempt(self.name, attributes)
            if span is not None:
                token = otel.attach(span)
        clock = asyncio.get_running_loop()
        started = clock.time()
        try:
            reply = await send()
        except BaseException as exc:
            if token is not None:
                otel.detach(token)
            await self._attempted(
                span, clock.time() - started, getattr(exc, "status_code", None), exc
            )
            raise
        if token is not None:
            otel.detach(token)
        await self._attempted(span, clock.time() - started, reply.status, None)
        return reply

    def _first_span(self) -> None:
        """The first attempt's span, made once a second attempt shows it was not the only one.

        A call answered at its first attempt is one span (an SDK span costs
        hundreds of function calls, a sizeable share of a page's CPU); its
        timestamps were kept, so the span made later spans the attempt.
        """
        first, self._first = self._first, None
        if first is not None and self._span is not None:
            started, ended, outcome = first
            span = self._span.attempt(self.name, dict(self.attributes), start_time=started)
            if span is not None:
                self._otel.end_attempt(span, outcome, failed="error.type" in outcome, at=ended)

    async def _attempted(
        self, span: Any, elapsed: float, status: int | None, error: BaseException | None
    ) -> None:
        """Record an attempt's outcome: span, metric, debug line, `on_response`."""
        self.status = status
        outcome: dict[str, Any] = {}
        if status is not None:
            outcome["http.response.status_code"] = status
        if error is not None:
            outcome["error.type"] = _error_type(error)
        otel = self._otel
        if span is not None:
            otel.end_attempt(span, outcome, failed=error is not None)
        elif self._span is not None and self.attempts == 1:
            ended = time.time_ns()
            self._first = (ended - int(elapsed * 1e9), ended, outcome)
        if otel is not None:
            otel.record_attempt(elapsed, {**self.attributes, **outcome}, rate_limited=status == 429)
        if self._debug:
            log.debug(
                "%s %s -> %s in %.3f s (attempt %d)",
                self.method,
                self.template or "(undeclared path)",
                status if status is not None else type(error).__name__,
                elapsed,
                self.attempts,
            )
        if (error is None or isinstance(error, Exception)) and self._hooks._response.callbacks:
            kind = None if error is None else type(error).__name__
            event = ResponseEvent(self.method, self.template, self.attempts, status, elapsed, kind)
            await self._hooks._response.fire(event)

    def end(self, error: BaseException | None) -> None:
        """The call ended: with its decoded answer, or with `error`."""
        outcome: dict[str, Any] = {"kit_async.attempts": self.attempts}
        outcome["kit_async.rate_limit_wait"] = self.waited
        status = getattr(error, "status_code", None) if error is not None else self.status
        if status is None:
            status = self.status
        if status is not None:
            outcome["http.response.status_code"] = status
        if error is not None:
            outcome["error.type"] = _error_type(error)
        if self._span is not None:
            self._span.end(outcome, failed=error is not None)
        otel = self._otel
        if otel is not None:
            metric = dict(self.attributes)
            if "error.type" in outcome:
                metric["error.type"] = outcome["error.type"]
            otel.record_call(self.attempts, self.waited, metric)
