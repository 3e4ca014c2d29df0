"""OpenTelemetry spans and metrics of the transport (`pip install 'kit-async[otel]'`).

Imported only when a client is built and `opentelemetry-api` is installed
(`import kit_async` never imports it). The tracer and meter come from the
global providers the application sets up with the SDK; until it does, the
API's proxies make every call here a no-op, and `active()` lets the
observer skip even those.

What is recorded follows the OpenTelemetry HTTP client conventions, with
low-cardinality values only: the method, the path *template*, the server's
host and port, the status and the error type. Never a filled path, a query,
a header, a body or an exception's text (Kit's messages quote addresses).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context, metrics, trace

from .._version import __version__

__all__ = [
    "METRICS",
    "TRACES",
    "CallSpan",
    "active",
    "attach",
    "detach",
    "end_attempt",
    "record_attempt",
    "record_call",
]

_tracer = trace.get_tracer("kit_async", __version__)
_meter = metrics.get_meter("kit_async", __version__)

#: The buckets the HTTP conventions advise for `http.client.request.duration`.
_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
#: Each HTTP attempt, as the semantic conventions define it.
_request_duration = _meter.create_histogram(
    "http.client.request.duration",
    unit="s",
    description="Duration of HTTP client requests (each attempt).",
    explicit_bucket_boundaries_advisory=_SECONDS,
)
_attempts = _meter.create_histogram(
    "kit_async.client.attempts",
    unit="{attempt}",
    description="Attempts one logical call took (1: no retry).",
    explicit_bucket_boundaries_advisory=[1, 2, 3, 4, 5, 6, 7],
)
_rate_limited = _meter.create_counter(
    "kit_async.client.rate_limited",
    unit="{response}",
    description="429 answers received from Kit.",
)
_rate_limit_wait = _meter.create_histogram(
    "kit_async.client.rate_limit.wait",
    unit="s",
    description="Seconds a logical call was held back by the client-side rate limiter "
    "(the calls held back only).",
)

try:  # The API's default meter provider until the SDK's is set (not public).
    from opentelemetry.metrics._internal import _ProxyMeterProvider as _DefaultMeters
except ImportError:  # pragma: no cover - a later API; assume metrics are collected
    _DefaultMeters = type(None)  # type: ignore[misc, assignment]


#: `active()`: a tracer provider is set up (spans are made).
TRACES = 1
#: `active()`: a meter provider is set up (metrics are recorded).
METRICS = 2


#: The sides found set up so far: a global provider, once set, stays.
_set_up = 0


def active() -> int:
    """What an SDK set up globally records: `TRACES`, `METRICS`, both (`|`) or neither (0).

    Each side is skipped on its own: with a tracer provider alone no metric
    is recorded (not even into the API's no-op proxies), with a meter
    provider alone no span is started. A side found set up is not looked
    for again (the API sets each provider once).
    """
    global _set_up  # noqa: PLW0603 - a provider is set once per process
    if not _set_up & TRACES and not isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider
    ):
        _set_up |= TRACES
    if not _set_up & METRICS and not isinstance(metrics.get_meter_provider(), _DefaultMeters):
        _set_up |= METRICS
    return _set_up


class CallSpan:
    """The CLIENT span of one logical call, current while the call runs.

    Not recording (no SDK, or sampled out): nothing is attached and no
    attempt span is made.
    """

    __slots__ = ("_context", "_span", "_token", "recording")

    def __init__(self, name: str, attributes: dict[str, Any]) -> None:
        self._span = span = _tracer.start_span(
            name, kind=trace.SpanKind.CLIENT, attributes=attributes
        )
        self.recording = span.is_recording()
        self._context = trace.set_span_in_context(span) if self.recording else None
        self._token = context.attach(self._context) if self._context is not None else None

    def attempt(
        self, name: str, attributes: dict[str, Any], start_time: int | None = None
    ) -> trace.Span | None:
        """A child span for one attempt (a CLIENT span: one HTTP request)."""
        if not self.recording:
            return None
        return _tracer.start_span(
            name,
            context=self._context,
            kind=trace.SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_time,
        )

    def end(self, attributes: dict[str, Any], *, failed: bool) -> None:
        span = self._span
        if self._token is not None:
            context.detach(self._token)
        if self.recording:
            span.set_attributes(attributes)
            if failed:
                span.set_status(trace.StatusCode.ERROR)
        span.end()


def end_attempt(
    span: trace.Span, attributes: dict[str, Any], *, failed: bool, at: int | None = None
) -> None:
    """End an attempt span with its outcome (its status code or error type)."""
    span.set_attributes(attributes)
    if failed:
        span.set_status(trace.StatusCode.ERROR)
    span.end(end_time=at)


def attach(span: trace.Span) -> object:
    """Make `span` current (so an instrumented aiohttp nests under it)."""
    return context.attach(trace.set_span_in_context(span))


def detach(token: object) -> None:
    context.detach(token)  # type: ignore[arg-type]


def record_attempt(seconds: float, attributes: dict[str, Any], *, rate_limited: bool) -> None:
    """One HTTP attempt: `http.client.request.duration`, and a 429 counted."""
    _request_duration.record(seconds, attributes)
    if rate_limited:
        _rate_limited.add(1, attributes)


def record_call(attempts: int, waited: float, attributes: dict[str, Any]) -> None:
    """One logical call: its attempts, and its rate-limit wait if it was held back."""
    _attempts.record(attempts, attributes)
    if waited > held_back:
        _rate_limit_wait.record(waited, attributes)


#: Waits up to this are a free slot being taken (set by `observe`: `HELD_BACK`).
held_back = 0.001
