"""OpenTelemetry end to end: the spans and metrics of real calls to FakeKit.

Recorded by the SDK's in-memory exporter and metric reader (tests/helpers/
otel_support.py). Each logical call is a CLIENT span named by its path
template; a call that takes several attempts has a child span for each;
nothing filled into the path, the query or the body shows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the OpenTelemetry SDK (a test dependency)")

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from otel_support import Telemetry, recording

from kit_async import KitClient, NotFoundError
from kit_async.testing import FakeKit

pytestmark = pytest.mark.requires_extra("otel")

CLICKS = "GET /v4/broadcasts/{broadcast_id}/clicks"


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    with recording() as recorded:
        yield recorded


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=4, clicks=25, drafts=0) as fake:
        yield fake


def client(server: FakeKit) -> KitClient:
    return KitClient(server.api_key, base_url=server.url, rate_limit=None)


def calls(telemetry: Telemetry) -> list[ReadableSpan]:
    """The spans of logical calls (those that carry `kit_async.attempts`)."""
    return [s for s in telemetry.spans() if "kit_async.attempts" in (s.attributes or {})]


def attempts_of(telemetry: Telemetry, call: ReadableSpan) -> list[ReadableSpan]:
    return [
        s
        for s in telemetry.spans()
        if s.parent is not None and s.parent.span_id == call.context.span_id
    ]


async def test_a_list_walked_across_pages_is_one_span_per_page(
    server: FakeKit, telemetry: Telemetry
) -> None:
    async with client(server) as kit:
        clicks = [c async for c in kit.broadcasts.clicks(2, per_page=10)]

    assert len(clicks) == 25
    pages = calls(telemetry)
    assert [s.name for s in pages] == [CLICKS] * 3
    for span in pages:
        assert span.kind is SpanKind.CLIENT
        assert dict(span.attributes or {}) == {
            "http.request.method": "GET",
            "url.template": "/v4/broadcasts/{broadcast_id}/clicks",
            "server.address": "127.0.0.1",
            "server.port": server.port,
            "http.response.status_code": 200,
            "kit_async.attempts": 1,
            "kit_async.rate_limit_wait": 0.0,
        }
        # Answered at its first attempt: the call's span is the only one.
        assert attempts_of(telemetry, span) == []
    durations = telemetry.points("http.client.request.duration")
    assert sum(p.count for p in durations) == 3
    assert {p.attributes["http.response.status_code"] for p in durations} == {200}
    (attempts,) = telemetry.points("kit_async.client.attempts")
    assert (attempts.count, attempts.value) == (3, 3)


async def test_a_create_retried_after_a_500_has_two_attempt_spans(
    server: FakeKit, telemetry: Telemetry
) -> None:
    server.inject("500", method="POST", path="/v4/subscribers")
    async with client(server) as kit:
        await kit.subscribers.create("ada@example.com", first_name="Ada")

    (call,) = calls(telemetry)
    assert call.name == "POST /v4/subscribers"
    assert call.attributes is not None
    assert call.attributes["kit_async.attempts"] == 2
    assert call.attributes["http.response.status_code"] in {200, 201}
    assert "error.type" not in call.attributes
    assert call.status.status_code is StatusCode.UNSET
    first, second = attempts_of(telemetry, call)
    assert first.name == second.name == "POST /v4/subscribers"
    assert first.kind is second.kind is SpanKind.CLIENT
    # The first attempt's span is made once the retry starts, with its own times.
    assert first.start_time is not None
    assert first.end_time is not None
    assert second.start_time is not None
    assert call.start_time is not None
    assert call.start_time <= first.start_time < first.end_time <= second.start_time
    assert first.attributes is not None
    assert second.attributes is not None
    assert (first.attributes["http.response.status_code"], first.attributes["error.type"]) == (
        500,
        "500",
    )
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    (attempts,) = telemetry.points("kit_async.client.attempts")
    assert attempts.value == 2


async def test_a_429_waited_out_is_counted_and_its_attempt_marked(
    server: FakeKit, telemetry: Telemetry
) -> None:
    server.inject("429", path="/v4/broadcasts/1")
    async with client(server) as kit:
        await kit.broadcasts.get(1)

    (call,) = calls(telemetry)
    assert call.name == "GET /v4/broadcasts/{id}"
    assert call.attributes is not None
    assert call.attributes["kit_async.attempts"] == 2
    assert call.attributes["http.response.status_code"] == 200
    statuses = [
        (s.attributes or {}).get("http.response.status_code") for s in attempts_of(telemetry, call)
    ]
    assert statuses == [429, 200]
    (limited,) = telemetry.points("kit_async.client.rate_limited")
    assert limited.value == 1
    assert limited.attributes["url.template"] == "/v4/broadcasts/{id}"


async def test_an_error_sets_error_type_and_the_error_status(
    server: FakeKit, telemetry: Telemetry
) -> None:
    async with client(server) as kit:
        with pytest.raises(NotFoundError):
            await kit.broadcasts.get(987654)

    (call,) = calls(telemetry)
    assert call.attributes is not None
    assert call.attributes["error.type"] == "404"
    assert call.attributes["http.response.status_code"] == 404
    assert call.status.status_code is StatusCode.ERROR
    assert call.events == ()  # no exception event: its text may quote anything
    assert "987654" not in repr(dict(call.attributes))
    (duration,) = telemetry.points("http.client.request.duration")
    assert duration.attributes["error.type"] == "404"


async def test_a_fan_out_makes_each_call_its_own_span_under_the_callers_span(
    server: FakeKit, telemetry: Telemetry
) -> None:
    async with client(server) as kit:
        with telemetry.tracer.start_as_current_span("export clicks") as parent:
            stream = kit.iter_clicks_for_broadcasts([1, 2, 3, 4], per_page=10, concurrency=3)
            async with stream:
                clicks = [c async for c in stream]

    assert len(clicks) == 4 * 25
    pages = calls(telemetry)
    assert len(pages) == 4 * 3  # three pages of each broadcast
    assert {s.name for s in pages} == {CLICKS}
    assert {s.parent.span_id for s in pages if s.parent} == {parent.get_span_context().span_id}
    assert len({s.context.span_id for s in pages}) == len(pages)
    assert {s.context.trace_id for s in pages} == {parent.get_span_context().trace_id}


async def test_the_token_refresh_is_its_own_span_without_a_secret(telemetry: Telemetry) -> None:
    async with FakeKit(
        access_token="fake_at_observed", refresh_token="fake_rt_observed", client_id="cid-observed"
    ) as server:
        server.expire_tokens()
        async with KitClient(
            access_token="fake_at_observed",
            refresh_token="fake_rt_observed",
            client_id="cid-observed",
            base_url=server.url,
        ) as kit:
            await kit.broadcasts.get(1)

    spans = telemetry.spans()
    token, call = calls(telemetry)  # the refresh ends first, inside the call
    assert (token.name, call.name) == ("POST /v4/oauth/token", "GET /v4/broadcasts/{id}")
    assert token.parent is not None
    assert token.parent.span_id == call.context.span_id  # made on the call's behalf
    assert token.attributes is not None
    assert token.attributes["http.response.status_code"] == 200
    assert token.attributes["url.template"] == "/v4/oauth/token"
    assert attempts_of(telemetry, token) == []  # one attempt
    # In the order they ended: the refresh, then the refused attempt (its span
    # made as the retry starts), then the retry.
    children = [s.name for s in attempts_of(telemetry, call)]
    assert children == [
        "POST /v4/oauth/token",
        "GET /v4/broadcasts/{id}",
        "GET /v4/broadcasts/{id}",
    ]
    recorded = repr([(s.name, dict(s.attributes or {})) for s in spans])
    for secret in ("fake_at_observed", "fake_rt_observed", "cid-observed", "fake_at_", "fake_rt_"):
        assert secret not in recorded


async def test_no_span_is_recorded_without_a_tracer_provider_recording(server: FakeKit) -> None:
    # Outside `recording()` the sampler drops every span: nothing is exported,
    # and the calls work as ever.
    with recording() as telemetry:
        pass
    async with client(server) as kit:
        assert (await kit.broadcasts.get(1)).id == 1
    assert telemetry.spans() == []
