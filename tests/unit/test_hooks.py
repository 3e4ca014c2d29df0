"""`kit.hooks`: the application's functions, told of each attempt, retry and wait.

Each event carries the method, the path template, the attempt and what
happened (status, elapsed, wait); never an id, a query or a credential. A
hook that raises is logged by its exception's type and the call goes on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from fake_clock import run_on_fake_clock

import kit_async
from kit_async import (
    Hooks,
    NotFoundError,
    RateLimitWaitEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)
from kit_async.testing import FakeKit

API_KEY = "kit_hooks_secret_0123456789"
BROADCAST_URL = "https://api.kit.com/v4/broadcasts/41"
BROADCAST = {"broadcast": {"id": 41, "created_at": "2024-01-01T00:00:00Z"}}
TEMPLATE = "/v4/broadcasts/{id}"


def client(**options: Any) -> kit_async.KitClient:
    options.setdefault("rate_limit", None)
    return kit_async.KitClient(API_KEY, **options)


class Recorded:
    """Every event a hook was given, in order."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def __call__(self, event: object) -> None:
        self.events.append(event)

    def watch(self, hooks: Hooks) -> None:
        hooks.on_request(self)
        hooks.on_response(self)
        hooks.on_retry(self)
        hooks.on_rate_limit_wait(self)


async def test_a_call_tells_its_request_and_its_response(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST)
    recorded = Recorded()

    async with client() as kit:
        recorded.watch(kit.hooks)
        await kit.broadcasts.get(41)

    request, response = recorded.events
    assert request == RequestEvent("GET", TEMPLATE, 1)
    assert isinstance(response, ResponseEvent)
    assert (response.method, response.url_template, response.attempt) == ("GET", TEMPLATE, 1)
    assert (response.status, response.error_type) == (200, None)
    assert response.elapsed >= 0


async def test_a_retry_is_told_before_the_retried_request(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, status=503)
    mocked.get(BROADCAST_URL, payload=BROADCAST)
    recorded = Recorded()

    async with client() as kit:
        recorded.watch(kit.hooks)
        await kit.broadcasts.get(41)

    kinds = [type(e).__name__ for e in recorded.events]
    assert kinds == ["RequestEvent", "ResponseEvent", "RetryEvent", "RequestEvent", "ResponseEvent"]
    failed, retry = recorded.events[1], recorded.events[2]
    assert isinstance(failed, ResponseEvent)
    assert (failed.status, failed.error_type) == (503, "InternalServerError")
    assert isinstance(retry, RetryEvent)
    assert (retry.attempt, retry.reason, retry.status) == (2, "status 503", 503)
    assert retry.wait > 0  # what the policy chose (stamina's test mode skips the sleep)
    assert recorded.events[3] == RequestEvent("GET", TEMPLATE, 2)


async def test_an_error_answer_is_told_with_its_status(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, status=404, payload={"errors": ["Not Found"]})
    responses: list[ResponseEvent] = []

    async with client() as kit:
        kit.hooks.on_response(responses.append)
        with pytest.raises(NotFoundError):
            await kit.broadcasts.get(41)

    (response,) = responses
    assert (response.status, response.error_type) == (404, "NotFoundError")


async def test_a_timeout_is_told_without_a_status(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, exception=TimeoutError())
    responses: list[ResponseEvent] = []

    async with client(max_retries=0) as kit:
        kit.hooks.on_response(responses.append)
        with pytest.raises(kit_async.APITimeoutError):
            await kit.broadcasts.get(41)

    (response,) = responses
    assert (response.status, response.error_type) == (None, "APITimeoutError")


async def test_async_hooks_are_awaited(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST)
    seen: list[int] = []

    async def later(event: RequestEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.attempt)

    async with client() as kit:
        kit.hooks.on_request(later)
        await kit.broadcasts.get(41)

    assert seen == [1]


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_hook_that_raises_never_breaks_the_call(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST)

    def broken(event: ResponseEvent) -> None:
        raise RuntimeError(f"{API_KEY} leaked {event}")

    async def broken_async(event: ResponseEvent) -> None:
        broken(event)

    async with client() as kit:
        kit.hooks.on_response(broken if kind == "sync" else broken_async)
        with caplog.at_level(logging.WARNING, logger="kit_async"):
            broadcast = await kit.broadcasts.get(41)

    assert broadcast.id == 41
    (record,) = [r for r in caplog.records if "hook" in r.getMessage()]
    assert "RuntimeError" in record.getMessage()
    assert API_KEY not in record.getMessage()
    assert "leaked" not in record.getMessage()  # the type, never the text


async def test_a_removed_hook_is_no_longer_called(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST, repeat=True)
    recorded = Recorded()

    async with client() as kit:
        recorded.watch(kit.hooks)
        await kit.broadcasts.get(41)
        assert kit.hooks.remove(recorded)
        assert kit.hooks.count == 0
        await kit.broadcasts.get(41)

    assert len(recorded.events) == 2
    assert not kit.hooks.remove(recorded)


def test_a_hook_must_be_callable() -> None:
    with pytest.raises(TypeError, match="a hook must be a function"):
        client().hooks.on_request("print")  # type: ignore[arg-type]


def test_events_are_frozen() -> None:
    event = RequestEvent("GET", TEMPLATE, 1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.attempt = 2  # type: ignore[misc]


async def test_an_undeclared_path_is_matched_to_kits_operation(mocked: aioresponses) -> None:
    mocked.get(re.compile(r"^https://api\.kit\.com/v4/broadcasts/41\?.*$"), payload=BROADCAST)
    mocked.get("https://api.kit.com/v4/not_yet/77", payload={})
    requests: list[RequestEvent] = []

    async with client() as kit:
        kit.hooks.on_request(requests.append)
        await kit.request("GET", "/v4/broadcasts/41", params={"email_address": "a@b.example"})
        await kit.request("GET", "/v4/not_yet/77")

    assert [e.url_template for e in requests] == [TEMPLATE, None]


def test_a_rate_limit_wait_is_told_with_the_seconds_held_back() -> None:
    # Two requests per minute: the third waits for the window (plus its margin)
    # on the loop's virtual clock.
    async def scenario() -> list[RateLimitWaitEvent]:
        waits: list[RateLimitWaitEvent] = []
        async with (
            FakeKit(broadcasts=3, clicks=0, drafts=0) as server,
            kit_async.KitClient(
                server.api_key, base_url=server.url, rate_limit=kit_async.RateLimit(2, 60.0)
            ) as kit,
        ):
            kit.hooks.on_rate_limit_wait(waits.append)
            for broadcast_id in (1, 2, 3):
                await kit.broadcasts.get(broadcast_id)
        return waits

    (wait,) = run_on_fake_clock(scenario())
    assert (wait.method, wait.url_template, wait.attempt) == ("GET", TEMPLATE, 1)
    assert wait.waited == pytest.approx(60.6, abs=0.05)


async def test_a_view_from_with_options_shares_the_clients_hooks(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST)
    requests: list[RequestEvent] = []

    async with client() as kit:
        kit.hooks.on_request(requests.append)
        view = kit.with_options(max_retries=0)
        assert view.hooks is kit.hooks
        await view.broadcasts.get(41)

    assert requests == [RequestEvent("GET", TEMPLATE, 1)]
