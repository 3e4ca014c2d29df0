"""Retries: which failures are retried, how long to wait, and the loop that does it.

stamina runs the loop, every attempt included; `_Retrying` is its backoff
hook (stamina's `on=`) and decides, per failure, whether to retry and after
how long (429s wait out Kit's rolling minute; 5xx, timeouts and resets are
retried only for a request that is safe to send twice, `Request.may_resend`:
GET, PUT, PATCH, DELETE and the POSTs Kit documents as upserts; a request
that certainly never left, such as a refused connection or an unreachable
rate-limit store, is retried whatever it is). stamina sleeps the wait the
hook returns, honours its testing mode (`stamina.set_testing`) and
`stamina.set_active`, and reports each retry to the application's stamina
instrumentation, as it does for any stamina retry.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import stamina

from ..errors import (
    APIConnectionError,
    InternalServerError,
    KitError,
    NotFoundError,
    RateLimitError,
    RateLimitStorageError,
)
from .observe import noted_retry, reason, url_template
from .values import Reply, Request

__all__ = ["RetryPolicy", "with_retries"]

log = logging.getLogger("kit_async")

_RETRY_STATUSES = frozenset({500, 502, 503, 504})


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


class _Retrying:
    """stamina's backoff hook for one logical request: decides the wait, logs the retry."""

    def __init__(self, policy: RetryPolicy, request: Request) -> None:
        self._policy = policy
        self._method = request.method
        # Logged by its template: a log line names no id.
        self._path = url_template(request) or "(undeclared path)"
        # Whether a request that may have reached Kit can be sent again.
        self._may_resend = request.may_resend
        self._started = time.monotonic()
        self.attempts = 0
        self._rate_limited = 0
        self._failed = 0
        # Set once an attempt failed after it may have reached Kit (a 5xx, a
        # timeout, a cut connection): Kit may have carried it out.
        self.may_have_landed = False

    def __call__(self, exc: BaseException) -> bool | float:
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
            reason(exc),
        )
        noted_retry(exc, wait)
        return wait

    def _wait_for(self, exc: BaseException) -> float | None:
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
            or (self._may_resend and isinstance(exc, APIConnectionError))
            or (
                self._may_resend
                and isinstance(exc, InternalServerError)
                and exc.status_code in _RETRY_STATUSES
            )
        )
        if not retryable:
            return None
        if not isinstance(exc, RateLimitStorageError) and not (
            isinstance(exc, APIConnectionError) and exc.connect_failed
        ):
            self.may_have_landed = True
        self._failed += 1
        base = min(policy.backoff_max, policy.backoff_initial * 2.0 ** (self._failed - 1))
        return base * random.uniform(0.5, 1.0)  # noqa: S311


async def with_retries(
    policy: RetryPolicy, request: Request, send: Callable[[], Awaitable[Reply]]
) -> Reply:
    """Send, retrying failures as `policy` says; errors get `.attempts`."""
    retrying = _Retrying(policy, request)
    try:
        async for attempt in stamina.retry_context(
            on=retrying, attempts=policy.max_retries + 1, timeout=None
        ):
            with attempt:
                retrying.attempts = attempt.num
                return await send()
    except NotFoundError as exc:
        if request.method == "DELETE" and retrying.may_have_landed:
            # An earlier attempt deleted it; only its answer was lost.
            log.info(
                "%s %s: found nothing to delete after attempt %d may have deleted it; done",
                request.method,
                url_template(request) or "(undeclared path)",
                retrying.attempts - 1,
            )
            return Reply(204, {}, b"")
        exc.attempts = retrying.attempts
        raise
    except KitError as exc:
        exc.attempts = retrying.attempts
        raise
    raise AssertionError("unreachable")  # pragma: no cover
