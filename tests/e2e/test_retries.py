"""Retries: what is retried, how long it waits, when it gives up, what it says.

End-to-end tests run the real client against `FakeKit` faults (stamina's
testing mode removes the waits and caps attempts at 4). The backoff hook
`_Retrying` is unit-tested directly: it returns the wait in seconds, or
False to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
import stamina
from aiohttp import web

import kit_async
from kit_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    KitClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    UnprocessableEntityError,
)
from kit_async._core.retry import _Retrying, with_retries
from kit_async._core.values import Reply as Answer
from kit_async._core.values import Request
from kit_async.testing import FakeKit, FaultKind

PATH = "/v4/broadcasts/1/clicks"
PER_PAGE = 250  # 1,200 clicks: five pages


def urls(fake_kit: FakeKit, broadcast_id: int = 1) -> list[str]:
    return [c["url"] for c in fake_kit.clicks_of(broadcast_id)]


def sent_with(fake_kit: FakeKit, after: str) -> int:
    """How many click requests FakeKit received for the page at `after`."""
    return sum(1 for r in fake_kit.requests if r.path == PATH and r.query.get("after", "") == after)


async def collect(kit: KitClient, **options: object) -> list[str]:
    return [c.url async for c in kit.iter_broadcast_clicks(1, per_page=PER_PAGE, **options)]  # type: ignore[arg-type]


@attrs.frozen
class Reply:
    """One scripted answer: a status and body, after `delay`, or a cut connection."""

    status: int
    body: bytes = b""
    delay: float = 0.0
    reset: bool = False


class Scripted:
    """A loopback server that answers with its replies in turn (the last repeats)."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.received: list[tuple[str, str]] = []
        self.url = ""

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.received.append((request.method, request.path))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        await asyncio.sleep(reply.delay)
        if reply.reset:
            assert request.transport is not None
            request.transport.close()
        return web.Response(status=reply.status, body=reply.body, content_type="application/json")

    async def __aenter__(self) -> Scripted:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()


@contextlib.contextmanager
def port_without_listener() -> Iterator[int]:
    """A loopback port that is bound (so no one else takes it) but refuses connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def drain(kit: KitClient, seen: list[str]) -> None:
    """Collect click urls into `seen` until the end or an error."""
    async for click in kit.iter_broadcast_clicks(1, per_page=PER_PAGE):
        seen.append(click.url)  # noqa: PERF401 - keeps what arrived before an error


# -- end to end: what is retried --------------------------------------------


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "429", "reset", "html"])
async def test_a_transient_failure_is_retried_with_every_click_once_in_order(
    fake_kit: FakeKit, kit: KitClient, kind: FaultKind
) -> None:
    middle = FakeKit.cursor(2 * PER_PAGE)
    fake_kit.inject(kind, times=2, after=middle)
    assert await collect(kit) == urls(fake_kit)
    assert sent_with(fake_kit, middle) == 3


async def test_a_timeout_is_retried_with_every_click_once_in_order(fake_kit: FakeKit) -> None:
    # FakeKit records the slow request only when its answer is finally sent.
    fault = fake_kit.inject("slow", after=FakeKit.cursor(PER_PAGE), delay=1.0)
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, timeout=0.2
    ) as kit:
        assert await collect(kit) == urls(fake_kit)
    assert fault.times == 0


async def test_a_refused_connection_is_retried_until_the_attempts_run_out() -> None:
    with port_without_listener() as port:
        async with KitClient(
            "kit_example", base_url=f"http://127.0.0.1:{port}", max_retries=2
        ) as kit:
            with pytest.raises(APIConnectionError) as caught:
                await kit.broadcasts.get(1)
    assert caught.value.connect_failed
    assert caught.value.attempts == 3
    assert "could not connect" in str(caught.value)
    assert "after 3 attempts" in str(caught.value)


# -- end to end: what is not retried ----------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
    ],
)
async def test_a_client_error_is_not_retried(status: int, error: type[Exception]) -> None:
    async with (
        Scripted(Reply(status, b'{"errors": ["nope"]}')) as server,
        KitClient("kit_example", base_url=server.url, rate_limit=None) as kit,
    ):
        with pytest.raises(error) as caught:
            await kit.broadcasts.get(1)
    assert len(server.received) == 1
    assert caught.value.attempts == 1  # type: ignore[attr-defined]


async def test_a_404_from_kit_is_not_retried(fake_kit: FakeKit, kit: KitClient) -> None:
    with pytest.raises(NotFoundError):
        await collect_from(kit, fake_kit.broadcast_count)  # a draft: 404
    assert len(fake_kit.requests) == 1


async def test_a_422_from_kit_is_not_retried(fake_kit: FakeKit, kit: KitClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="Invalid cursor"):
        await collect(kit, after="not-a-cursor")
    assert len(fake_kit.requests) == 1


async def test_a_401_from_kit_is_not_retried(fake_kit: FakeKit) -> None:
    async with KitClient("kit_wrong", base_url=fake_kit.url, rate_limit=None) as kit:
        with pytest.raises(AuthenticationError, match="The API key is invalid"):
            await collect(kit)
    assert len(fake_kit.requests) == 1


async def collect_from(kit: KitClient, broadcast_id: int) -> list[str]:
    return [c.url async for c in kit.iter_broadcast_clicks(broadcast_id)]


# -- end to end: giving up ---------------------------------------------------


async def test_max_retries_zero_makes_one_attempt(fake_kit: FakeKit) -> None:
    fake_kit.inject("503")
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, max_retries=0
    ) as kit:
        assert kit.retry.max_retries == 0
        with pytest.raises(InternalServerError) as caught:
            await collect(kit)
    assert len(fake_kit.requests) == 1
    assert caught.value.attempts == 1
    assert "attempts" not in str(caught.value)


async def test_when_retries_run_out_the_last_error_says_how_many_attempts(
    fake_kit: FakeKit,
) -> None:
    fake_kit.inject("502", times=1)
    fake_kit.inject("503", times=10)
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, max_retries=2
    ) as kit:
        with pytest.raises(InternalServerError) as caught:
            await kit.broadcasts.get(1)
    assert len(fake_kit.requests) == 3
    assert caught.value.status_code == 503  # the last error, not the first
    assert caught.value.attempts == 3
    assert str(caught.value) == "GET /v4/broadcasts/1 answered 503: no message (after 3 attempts)"


async def test_persistent_429_raises_rate_limit_error_with_kits_text(fake_kit: FakeKit) -> None:
    fake_kit.inject("429", times=10)
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, max_retries=1
    ) as kit:
        with pytest.raises(RateLimitError) as caught:
            await kit.broadcasts.get(1)
    assert caught.value.body == "Retry later"
    assert caught.value.attempts == 2
    assert "answered 429: Retry later" in str(caught.value)


async def test_the_error_carries_the_cursor_of_the_failed_page(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    failing = FakeKit.cursor(3 * PER_PAGE)
    fake_kit.inject("503", times=10, after=failing)
    seen: list[str] = []
    with pytest.raises(InternalServerError) as caught:
        await drain(kit, seen)
    assert caught.value.cursor == failing
    assert f"page cursor {failing!r}" in str(caught.value)
    assert seen == urls(fake_kit)[: 3 * PER_PAGE]


async def test_resuming_after_the_error_cursor_skips_and_repeats_nothing(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("504", times=10, after=FakeKit.cursor(2 * PER_PAGE))
    seen: list[str] = []
    with pytest.raises(InternalServerError) as caught:
        await drain(kit, seen)
    fake_kit.faults.clear()
    seen += await collect(kit, after=caught.value.cursor)
    assert seen == urls(fake_kit)


async def test_total_retry_time_is_capped(fake_kit: FakeKit) -> None:
    # Each attempt takes 0.15 s; after the second, 0.3 s have passed and no
    # further wait fits in max_retry_time, although attempts remain.
    fake_kit.latency = 0.15
    fake_kit.inject("503", times=10)
    policy = RetryPolicy(max_retry_time=0.3, backoff_initial=0.1, backoff_max=0.1)
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, retry=policy
    ) as kit:
        with pytest.raises(InternalServerError) as caught:
            await kit.broadcasts.get(1)
    assert caught.value.attempts == 2
    assert len(fake_kit.requests) == 2


# -- end to end: non-idempotent requests (the token refresh is a POST) -------


@pytest.fixture
async def expired_oauth() -> AsyncIterator[FakeKit]:
    """A FakeKit whose only access token has expired."""
    async with FakeKit(access_token="old-access", refresh_token="old-refresh") as server:
        server.expire_tokens()
        yield server


def oauth_client(server: FakeKit, token_url: str, **options: object) -> KitClient:
    return KitClient(
        access_token="old-access",
        refresh_token="old-refresh",
        client_id=server.client_id,
        base_url=server.url,
        token_url=token_url,
        rate_limit=None,
        **options,  # type: ignore[arg-type]
    )


def tokens_reply(server: FakeKit) -> Reply:
    access, refresh = server.issue_tokens()
    body = {"access_token": access, "refresh_token": refresh, "token_type": "Bearer"}
    return Reply(200, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(503), InternalServerError),
        (Reply(500), InternalServerError),
        (Reply(200, delay=1.0), APITimeoutError),
        (Reply(200, reset=True), APIConnectionError),
    ],
    ids=["503", "500", "timeout", "reset"],
)
async def test_a_post_is_not_retried_on_5xx_or_after_it_may_have_been_sent(
    expired_oauth: FakeKit, reply: Reply, error: type[Exception]
) -> None:
    async with Scripted(reply) as token_server:
        token_url = f"{token_server.url}/v4/oauth/token"
        async with oauth_client(expired_oauth, token_url, timeout=0.2) as kit:
            with pytest.raises(error):
                await kit.broadcasts.get(1)
        assert [r[0] for r in token_server.received] == ["POST"]


async def test_a_post_is_retried_on_429(expired_oauth: FakeKit) -> None:
    async with Scripted(Reply(429, b"Retry later"), tokens_reply(expired_oauth)) as token_server:
        token_url = f"{token_server.url}/v4/oauth/token"
        async with oauth_client(expired_oauth, token_url) as kit:
            broadcast = await kit.broadcasts.get(1)
        assert [r[0] for r in token_server.received] == ["POST", "POST"]
    assert broadcast.id == 1


async def test_a_post_is_retried_when_the_connection_could_not_be_made(
    expired_oauth: FakeKit,
) -> None:
    with port_without_listener() as port:
        token_url = f"http://127.0.0.1:{port}/v4/oauth/token"
        async with oauth_client(expired_oauth, token_url) as kit:
            with pytest.raises(APIConnectionError) as caught:
                await kit.broadcasts.get(1)
    assert caught.value.connect_failed
    assert caught.value.path == "/v4/oauth/token"
    assert caught.value.attempts == 4  # stamina's testing mode caps attempts at 4


# -- logging -----------------------------------------------------------------


async def test_each_retry_is_logged_at_info_with_reason_and_wait(
    fake_kit: FakeKit, kit: KitClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kit_async")
    fake_kit.inject("503", after="")
    fake_kit.inject("429", after="")
    await collect(kit)
    retries = [r for r in caplog.records if r.name == "kit_async" and "retrying" in r.message]
    assert [r.levelno for r in retries] == [logging.INFO, logging.INFO]
    first, second = (r.getMessage() for r in retries)
    # Named by the path template: a log line carries no id.
    template = re.escape("/v4/broadcasts/{broadcast_id}/clicks")
    assert re.fullmatch(
        rf"retrying GET {template} in \d+\.\d s \(attempt 1 of 7 failed: status 503\)", first
    )
    assert re.fullmatch(
        rf"retrying GET {template} in \d+\.\d s \(attempt 2 of 7 failed: status 429\)", second
    )
    assert fake_kit.api_key not in caplog.text


async def test_a_timeout_retry_is_logged_as_a_timeout(
    fake_kit: FakeKit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kit_async")
    fake_kit.inject("slow", delay=1.0)
    async with KitClient(
        fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, timeout=0.2
    ) as kit:
        await kit.broadcasts.get(1)
    (retry,) = [r for r in caplog.records if "retrying" in r.message]
    assert retry.getMessage().endswith("failed: timeout)")


# -- the backoff hook --------------------------------------------------------


def rate_limited(retry_after: str | None = None) -> RateLimitError:
    return RateLimitError(
        method="GET", path=PATH, status_code=429, body="Retry later", retry_after=retry_after
    )


def server_error(status: int = 503) -> InternalServerError:
    return InternalServerError(method="GET", path=PATH, status_code=status)


def waits(hook: _Retrying, failures: list[Exception]) -> list[float]:
    """The waits the hook returns for consecutive failures."""
    found = []
    for failure in failures:
        hook.attempts += 1
        wait = hook(failure)
        assert not isinstance(wait, bool), f"stopped at attempt {hook.attempts}"
        found.append(wait)
    return found


ROOMY = RetryPolicy(max_retries=20, max_retry_time=10_000.0)


def test_the_429_wait_grows_towards_60_seconds() -> None:
    found = waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited() for _ in range(6)])
    for wait, base in zip(found, [8, 16, 32, 60, 60, 60], strict=True):
        assert 0.9 * base <= wait <= min(60.0, 1.2 * base)
    assert found[0] < found[1] < found[2]
    assert max(found) <= 60.0


def test_the_429_wait_is_jittered() -> None:
    first = {waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited()])[0] for _ in range(20)}
    assert len(first) > 1


def test_retry_after_in_seconds_is_honoured() -> None:
    assert waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited("7")]) == [7.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    header = email.utils.format_datetime(when, usegmt=True)
    (wait,) = waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited(header)])
    assert 28.0 <= wait <= 30.0


def test_retry_after_in_the_past_means_no_wait() -> None:
    header = email.utils.format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited(header)]) == [0.0]


def test_an_unreadable_retry_after_falls_back_to_the_growing_wait() -> None:
    (wait,) = waits(_Retrying(ROOMY, Request("GET", PATH)), [rate_limited("soon")])
    assert 0.9 * 8 <= wait <= 1.2 * 8


@pytest.mark.parametrize(
    "failure",
    [
        server_error(500),
        server_error(502),
        server_error(503),
        server_error(504),
        APITimeoutError("timed out", method="GET", path=PATH),
        APIConnectionError("reset", method="GET", path=PATH),
        APIConnectionError("refused", method="GET", path=PATH, connect_failed=True),
    ],
    ids=["500", "502", "503", "504", "timeout", "reset", "refused"],
)
def test_other_failures_back_off_exponentially_with_jitter_up_to_a_cap(
    failure: Exception,
) -> None:
    policy = RetryPolicy(
        max_retries=20, max_retry_time=10_000.0, backoff_initial=0.5, backoff_max=30.0
    )
    found = waits(_Retrying(policy, Request("GET", PATH)), [failure] * 9)
    for wait, base in zip(found, [0.5, 1, 2, 4, 8, 16, 30, 30, 30], strict=True):
        assert 0.5 * base <= wait <= base
    assert max(found) <= 30.0


def test_the_backoff_after_other_failures_is_jittered() -> None:
    first = {waits(_Retrying(ROOMY, Request("GET", PATH)), [server_error()])[0] for _ in range(20)}
    assert len(first) > 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_the_hook_does_not_retry_client_errors(status: int) -> None:
    failure = kit_async.errors.error_class_for_status(status)(
        method="GET", path=PATH, status_code=status
    )
    hook = _Retrying(ROOMY, Request("GET", PATH))
    hook.attempts = 1
    assert hook(failure) is False


def test_the_hook_does_not_retry_a_501() -> None:
    hook = _Retrying(ROOMY, Request("GET", PATH))
    hook.attempts = 1
    assert hook(server_error(501)) is False


def test_the_hook_stops_after_max_retries() -> None:
    hook = _Retrying(RetryPolicy(max_retries=2, max_retry_time=10_000.0), Request("GET", PATH))
    assert len(waits(hook, [server_error(), rate_limited()])) == 2
    hook.attempts += 1
    assert hook(server_error()) is False


def test_the_hook_stops_when_the_next_wait_would_pass_max_retry_time() -> None:
    policy = RetryPolicy(max_retries=20, max_retry_time=10.0, backoff_initial=1.0)
    hook = _Retrying(policy, Request("GET", PATH))
    hook.attempts = 1
    assert isinstance(hook(server_error()), float)  # 0.5-1 s fits in 10 s
    hook._started -= 9.7  # 9.7 s have passed
    hook.attempts = 2
    assert hook(server_error()) is False


def test_the_hook_stops_when_a_429_wait_would_pass_max_retry_time() -> None:
    hook = _Retrying(RetryPolicy(max_retry_time=5.0), Request("GET", PATH))
    hook.attempts = 1
    assert hook(rate_limited()) is False  # the first 429 wait is at least 7.2 s


@pytest.mark.parametrize(
    "failure",
    [
        server_error(500),
        server_error(503),
        APITimeoutError("timed out", method="POST", path=PATH),
        APIConnectionError("reset", method="POST", path=PATH),
    ],
    ids=["500", "503", "timeout", "reset"],
)
def test_a_post_is_not_retried_when_it_may_have_reached_the_server(failure: Exception) -> None:
    hook = _Retrying(ROOMY, Request("POST", PATH))
    hook.attempts = 1
    assert hook(failure) is False


@pytest.mark.parametrize(
    "failure",
    [rate_limited(), APIConnectionError("refused", method="POST", path=PATH, connect_failed=True)],
    ids=["429", "refused"],
)
def test_a_post_is_retried_on_429_and_on_failure_to_connect(failure: Exception) -> None:
    hook = _Retrying(ROOMY, Request("POST", PATH))
    hook.attempts = 1
    assert isinstance(hook(failure), float)


def test_the_default_policy_is_bounded() -> None:
    policy = KitClient("kit_example").retry
    assert policy == RetryPolicy()
    assert policy.max_retries == 6
    assert policy.max_retry_time == 300.0
    assert policy.rate_limited_wait_max == 60.0


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_a_bad_max_retries_raises_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        KitClient("kit_example", max_retries=bad)  # type: ignore[arg-type]


async def test_stamina_testing_mode_removes_the_waits(fake_kit: FakeKit, kit: KitClient) -> None:
    # conftest turns stamina's testing mode on: three 429s (8-60 s of
    # waiting in production) pass in well under a second.
    fake_kit.inject("429", times=3)
    async with asyncio.timeout(1.0):
        await kit.broadcasts.get(1)
    assert fake_kit.rate_limited == 3


async def test_stamina_sleeps_the_wait_the_hook_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    # Outside testing mode stamina sleeps what the backoff hook returns: a
    # 429's Retry-After, then kit-async's own backoff (not stamina's 0.1-5 s).
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(asyncio, "sleep", sleep)  # stamina sleeps with asyncio.sleep
    failures: list[Exception] = [rate_limited(retry_after="7"), server_error()]

    async def send() -> Answer:
        if failures:
            raise failures.pop(0)
        return Answer(200, {}, b"{}")

    policy = RetryPolicy(backoff_initial=20.0, backoff_max=20.0)
    with stamina.set_testing(False):
        reply = await with_retries(policy, Request("GET", PATH), send)

    assert reply.status == 200
    assert slept[0] == 7.0
    assert 10.0 <= slept[1] <= 20.0  # backoff_initial with its jitter (50-100 %)
    assert len(slept) == 2


async def test_staminas_testing_mode_with_its_default_single_attempt_sends_once(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("503", times=2)
    with stamina.set_testing(True), pytest.raises(InternalServerError) as caught:
        await kit.broadcasts.get(1)
    assert caught.value.attempts == 1
    assert len(fake_kit.requests) == 1


async def test_stamina_switched_off_sends_once(fake_kit: FakeKit, kit: KitClient) -> None:
    fake_kit.inject("503", times=2)
    stamina.set_active(False)
    try:
        with pytest.raises(InternalServerError) as caught:
            await kit.broadcasts.get(1)
    finally:
        stamina.set_active(True)
    assert caught.value.attempts == 1
    assert len(fake_kit.requests) == 1
