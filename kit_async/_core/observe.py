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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar, Token
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


#: The context manager of a call nothing watches (reusable: it holds nothing).
_UNWATCHED = contextlib.nullcontext()


class Observer:
    """Watches one transport's calls (see the module's docstring)."""

    def __init__(self, base_url: str) -> None:
        self.hooks = Hooks()
        self.debug = debug_from_environment()
        self._otel = _otel_module()
        self._origin = self._server(yarl.URL(base_url))
        # (method, template): the span name and the attributes every record of
        # the operation starts from, built once per operation (about 85).
        self._operations: dict[tuple[str, str | None], tuple[str, dict[str, Any]]] = {}

    @staticmethod
    def _server(url: yarl.URL) -> dict[str, Any]:
        server: dict[str, Any] = {"server.address": url.raw_host or ""}
        if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
            server["server.port"] = url.port
        return server

    def watching(
        self, request: Request, origin: yarl.URL | None = None
    ) -> contextlib.AbstractContextManager[object]:
        """Watch one logical call, from its first attempt to its decoded answer.

        When nothing watches, a context manager that does nothing.
        """
        otel = self._otel
        recorded = 0 if otel is None else otel.active()
        if not (recorded or self.debug or self.hooks.count):
            return _UNWATCHED
        template = url_template(request)
        if origin is None:
            key = (request.method, template)
            operation = self._operations.get(key)
            if operation is None:
                operation = self._operations[key] = _operation(*key, self._origin)
        else:  # a token refresh, to its own server
            operation = _operation(request.method, template, self._server(origin))
        return Watch(self, request.method, template, operation, otel, recorded)

    @staticmethod
    def current() -> Watch | None:
        """The watch of the call running in this task, if one is watched."""
        return _WATCH.get()


def _operation(
    method: str, template: str | None, server: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """An operation's span name and its attributes (method, server, template)."""
    attributes: dict[str, Any] = {"http.request.method": method, **server}
    if template is None:
        return method, attributes
    attributes["url.template"] = template
    return f"{method} {template}", attributes


class Watch:
    """One logical call being watched: its attempts, waits and outcome.

    The context manager of the call: entering starts its span (current while
    the call runs) and makes it the task's watch; leaving ends both.
    """

    def __init__(  # noqa: PLR0917 - built by the observer only
        self,
        observer: Observer,
        method: str,
        template: str | None,
        operation: tuple[str, dict[str, Any]],
        otel: Any,
        recorded: int,
    ) -> None:
        self._hooks = observer.hooks
        self._debug = observer.debug
        self.method, self.template = method, template
        # Shared by every call of the operation: never changed (the SDK copies
        # what it keeps).
        self.name, self.attributes = operation
        self._traced: Any = otel if recorded and recorded & otel.TRACES else None
        self._metered: Any = otel if recorded and recorded & otel.METRICS else None
        self.attempts = 0
        self.waited = 0.0
        self.status: int | None = None
        self.retry: tuple[float, str, int | None] | None = None
        self._span: Any = None
        self._token: Token[Watch | None] | None = None
        # The first attempt's start and end (ns) and outcome, until it gets its span.
        self._first: tuple[int, int, dict[str, Any]] | None = None

    def __enter__(self) -> Watch:
        if self._traced is not None:
            self._span = self._traced.CallSpan(self.name, self.attributes)
        self._token = _WATCH.set(self)
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        try:
            self.end(error)
        finally:
            try:
                _WATCH.reset(self._token)  # type: ignore[arg-type]
            except ValueError:  # ended in another context (a generator closed elsewhere)
                _WATCH.set(None)

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
        otel, span, token = self._traced, None, None
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
            status = getattr(exc, "status_code", None)
            event = self._attempted(span, clock.time() - started, status, exc)
            if event is not None:
                await hooks._response.fire(event)
            raise
        if token is not None:
            otel.detach(token)
        event = self._attempted(span, clock.time() - started, reply.status, None)
        if event is not None:
            await hooks._response.fire(event)
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
                self._traced.end_attempt(span, outcome, failed="error.type" in outcome, at=ended)

    def _attempted(
        self, span: Any, elapsed: float, status: int | None, error: BaseException | None
    ) -> ResponseEvent | None:
        """Record an attempt's outcome (span, metric, debug line); the `on_response` event."""
        self.status = status
        outcome: dict[str, Any] = {}
        if status is not None:
            outcome["http.response.status_code"] = status
        if error is not None:
            outcome["error.type"] = _error_type(error)
        if span is not None:
            self._traced.end_attempt(span, outcome, failed=error is not None)
        elif self._span is not None and self.attempts == 1:
            ended = time.time_ns()
            self._first = (ended - int(elapsed * 1e9), ended, outcome)
        if self._metered is not None:
            self._metered.record_attempt(
                elapsed, {**self.attributes, **outcome}, rate_limited=status == 429
            )
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
            return ResponseEvent(self.method, self.template, self.attempts, status, elapsed, kind)
        return None

    def end(self, error: BaseException | None) -> None:
        """The call ended: with its decoded answer, or with `error`."""
        status = getattr(error, "status_code", None) if error is not None else self.status
        if status is None:
            status = self.status
        failure = None if error is None else _error_type(error)
        if self._span is not None:
            outcome: dict[str, Any] = {
                "kit_async.attempts": self.attempts,
                "kit_async.rate_limit_wait": self.waited,
            }
            if status is not None:
                outcome["http.response.status_code"] = status
            if failure is not None:
                outcome["error.type"] = failure
            self._span.end(outcome, failed=error is not None)
        if self._metered is not None:
            metric = self.attributes
            if failure is not None:
                metric = {**metric, "error.type": failure}
            self._metered.record_call(self.attempts, self.waited, metric)
