"""`KitClient`: construction, credentials, base URL, lifecycle and the session.

Construction is checked without the network; everything that sends a request
runs the real client against `FakeKit` on loopback.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import pickle
import threading
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fanout_helpers import gather_clicks

from kit_async import ClientClosedError, KitClient, NotFoundError, RateLimit
from kit_async.testing import FakeKit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECRET = "kit_client_secret_0123456789abcdef"


class Peers:
    """A FakeKit middleware noting the client address and headers of each request."""

    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.headers: list[dict[str, str]] = []

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.addresses.append(
            request.transport.get_extra_info("peername") if request.transport else None
        )
        self.headers.append(dict(request.headers))
        return await handler(request)


@pytest.fixture
async def watched() -> AsyncIterator[tuple[FakeKit, Peers]]:
    peers = Peers()
    server = FakeKit(broadcasts=3, clicks=5, drafts=0)
    server.app.middlewares.insert(0, peers.middleware)
    async with server:
        yield server, peers


# -- credentials -----------------------------------------------------------------------------


async def test_api_key_and_base_url_fall_back_to_the_environment(
    fake_kit: FakeKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIT_API_KEY", fake_kit.api_key)
    monkeypatch.setenv("KIT_BASE_URL", fake_kit.url)

    async with KitClient(rate_limit=None) as kit:
        broadcast = await kit.broadcasts.get(1)

    assert broadcast.id == 1
    assert kit.base_url == fake_kit.url


async def test_access_token_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeKit(access_token="fake_at_from_env") as server:
        monkeypatch.setenv("KIT_ACCESS_TOKEN", "fake_at_from_env")

        async with KitClient(base_url=server.url, rate_limit=None) as kit:
            broadcast = await kit.broadcasts.get(1)

    assert broadcast.id == 1
    assert "auth=oauth" in repr(kit)


def test_base_url_defaults_to_kits_api() -> None:
    assert KitClient(SECRET).base_url == "https://api.kit.com"


def test_an_explicit_base_url_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_BASE_URL", "https://env.example.com")

    assert KitClient(SECRET, base_url="https://arg.example.com").base_url == (
        "https://arg.example.com"
    )


def test_an_explicit_api_key_ignores_an_access_token_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_ACCESS_TOKEN", "env_token")

    assert "auth=api_key" in repr(KitClient(SECRET))


def test_no_credential_raises_value_error() -> None:
    with pytest.raises(ValueError, match="no Kit credential") as info:
        KitClient()

    assert "KIT_API_KEY" in str(info.value)


def test_an_empty_credential_in_the_environment_counts_as_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_API_KEY", "")

    with pytest.raises(ValueError, match="no Kit credential"):
        KitClient()


def test_both_api_key_and_access_token_raise_value_error() -> None:
    with pytest.raises(ValueError, match="either api_key or access_token"):
        KitClient(SECRET, access_token="token")


def test_both_credentials_in_the_environment_raise_value_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_API_KEY", SECRET)
    monkeypatch.setenv("KIT_ACCESS_TOKEN", "token")

    with pytest.raises(ValueError, match="both KIT_API_KEY and KIT_ACCESS_TOKEN") as info:
        KitClient()

    assert "pass either" not in str(info.value)  # the user passed neither
    assert SECRET not in str(info.value)


def test_both_credentials_passed_as_arguments_name_the_arguments() -> None:
    with pytest.raises(ValueError, match="either api_key or access_token, not both"):
        KitClient(SECRET, access_token="token")


@pytest.mark.parametrize("variable", ["KIT_API_KEY", "KIT_ACCESS_TOKEN"])
def test_a_credential_from_a_crlf_env_file_is_stripped(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, f"  {SECRET}\r\n")

    kit = KitClient()

    sent = kit._transport.auth.headers()
    assert SECRET in next(iter(sent.values()))
    assert all(
        "\r" not in value and " " not in value.removeprefix("Bearer ") for value in sent.values()
    )


@pytest.mark.parametrize("value", ["kit_abc\rdef", "kit_abc def", "kit_\x00abc", "kit_abc\x7f"])
def test_a_credential_with_inner_control_characters_is_refused_without_echoing_it(
    value: str,
) -> None:
    with pytest.raises(ValueError, match="api_key contains spaces or control characters") as info:
        KitClient(value)

    assert "kit_abc" not in str(info.value)


@pytest.mark.parametrize("api_key", ["", "   ", 12345])
def test_a_blank_or_non_string_api_key_raises_value_error(api_key: Any) -> None:
    with pytest.raises(ValueError, match="api_key must be a non-empty string"):
        KitClient(api_key)


# -- base URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.kit.com",
        "https://api.kit.com/",
        "http://localhost:8080",
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://[::1]:8080",
    ],
)
def test_https_or_loopback_http_base_urls_are_accepted(url: str) -> None:
    assert KitClient(SECRET, base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.kit.com",
        "http://10.0.0.1",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "ftp://api.kit.com",
        "api.kit.com",
        "https://",
    ],
)
def test_other_base_urls_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="base_url must"):
        KitClient(SECRET, base_url=url)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://api.kit.com/v4", "https://api.kit.com"),
        ("https://api.kit.com/v4/", "https://api.kit.com"),
        ("  https://api.kit.com/v4\r\n", "https://api.kit.com"),
        ("\thttp://127.0.0.1:8080/ ", "http://127.0.0.1:8080"),
    ],
)
def test_a_base_url_as_kits_docs_print_it_drops_v4_and_surrounding_space(
    url: str, origin: str
) -> None:
    assert KitClient(SECRET, base_url=url).base_url == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://api.kit.com/api",
        "https://api.kit.com/v4/broadcasts",
        "https://api.kit.com/v3",
        "https://proxy.example.com/kit/v4",
    ],
)
def test_a_base_url_with_another_path_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="without any other path"):
        KitClient(SECRET, base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:80a",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://127.0.0.1:",
        "https://api.kit.com:-1",
    ],
)
def test_a_base_url_with_a_bad_port_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="invalid port"):
        KitClient(SECRET, base_url=url)


@pytest.mark.parametrize(
    "url", ["https://api.kit\r.com", "https://api.kit.com/v4\r/", "https://api kit.com"]
)
def test_a_base_url_with_control_characters_or_spaces_inside_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="spaces or control characters"):
        KitClient(SECRET, base_url=url)


def test_a_bad_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_BASE_URL", "http://127.0.0.1:80a")

    with pytest.raises(ValueError, match="KIT_BASE_URL has an invalid port"):
        KitClient(SECRET)


async def test_a_v4_base_url_reaches_the_real_paths(fake_kit: FakeKit) -> None:
    async with KitClient(fake_kit.api_key, base_url=f"{fake_kit.url}/v4", rate_limit=None) as kit:
        clicks = await gather_clicks(kit, [1, 2])

    assert [len(found) for found in clicks.values()] == [1200, 1200]
    assert {request.path for request in fake_kit.requests} == {
        "/v4/broadcasts/1/clicks",
        "/v4/broadcasts/2/clicks",
    }


def test_a_base_url_with_user_info_raises_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="user name or password") as info:
        KitClient(SECRET, base_url="https://user:hunter2@api.kit.com")

    assert "hunter2" not in str(info.value)


def test_a_base_url_with_a_query_raises_value_error() -> None:
    with pytest.raises(ValueError, match="query or fragment"):
        KitClient(SECRET, base_url="https://api.kit.com/?x=1")


def test_an_insecure_base_url_from_the_environment_raises_value_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_BASE_URL", "http://api.kit.com")

    with pytest.raises(ValueError, match="https"):
        KitClient(SECRET)


# -- other settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), True, "5", None])
def test_timeout_must_be_finite_and_positive(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number"):
        KitClient(SECRET, timeout=timeout)


def test_timeout_is_applied_to_each_attempt() -> None:
    kit = KitClient(SECRET, timeout=2.5)

    assert kit._transport.timeout.total == 2.5


@pytest.mark.parametrize("max_retries", [-1, True, 1.5])
def test_max_retries_must_be_a_non_negative_int(max_retries: Any) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        KitClient(SECRET, max_retries=max_retries)


def test_max_retries_overrides_the_retry_policy() -> None:
    assert KitClient(SECRET, max_retries=0).retry.max_retries == 0


def test_an_api_key_gets_kits_api_key_rate_limit_by_default() -> None:
    limit = KitClient(SECRET).rate_limit

    assert isinstance(limit, RateLimit)
    assert (limit.requests, limit.period) == (120, 60.0)


def test_an_access_token_gets_kits_oauth_rate_limit_by_default() -> None:
    limit = KitClient(access_token=SECRET).rate_limit

    assert isinstance(limit, RateLimit)
    assert (limit.requests, limit.period) == (600, 60.0)


def test_a_given_rate_limit_is_used_as_is_so_clients_can_share_it() -> None:
    shared = RateLimit(60, 60.0)

    first, second = KitClient(SECRET, rate_limit=shared), KitClient(SECRET, rate_limit=shared)

    assert first.rate_limit is shared
    assert second.rate_limit is shared


def test_rate_limit_none_turns_client_side_limiting_off() -> None:
    assert KitClient(SECRET, rate_limit=None).rate_limit is None


def test_a_rate_limit_of_the_wrong_type_raises_type_error() -> None:
    with pytest.raises(TypeError, match="rate_limit must be a RateLimit"):
        KitClient(SECRET, rate_limit=120)  # type: ignore[arg-type]


# -- repr --------------------------------------------------------------------------------------


def test_repr_shows_no_api_key() -> None:
    kit = KitClient(SECRET)

    assert SECRET not in repr(kit)
    assert SECRET not in str(kit)
    assert repr(kit) == "<KitClient https://api.kit.com auth=api_key open>"


def test_repr_shows_no_access_token() -> None:
    kit = KitClient(access_token=SECRET, refresh_token="rt_secret", client_id="cid")

    assert SECRET not in repr(kit)
    assert "rt_secret" not in repr(kit)


def test_resource_and_paginator_reprs_show_no_credential() -> None:
    kit = KitClient(SECRET)
    paginator = kit.iter_broadcast_clicks(147, per_page=50)

    assert repr(kit.broadcasts) == "<Broadcasts resource>"
    assert repr(paginator) == "AsyncPaginator(GET /v4/broadcasts/147/clicks, per_page=50)"


async def test_repr_says_when_the_client_is_closed() -> None:
    kit = KitClient(SECRET)
    await kit.aclose()

    assert repr(kit).endswith(" closed>")


# -- lifecycle ---------------------------------------------------------------------------------


async def test_async_with_returns_the_client_and_closes_it(fake_kit: FakeKit) -> None:
    client = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None)

    async with client as kit:
        assert kit is client
        assert not kit.closed

    assert client.closed


async def test_aclose_is_idempotent() -> None:
    kit = KitClient(SECRET)
    async with kit:
        pass

    await kit.aclose()
    await kit.aclose()

    assert kit.closed


async def test_a_client_used_without_async_with_opens_its_session_lazily(
    fake_kit: FakeKit,
) -> None:
    kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None)
    try:
        broadcast = await kit.broadcasts.get(1)
    finally:
        await kit.aclose()

    assert broadcast.id == 1


async def test_a_closed_client_raises_client_closed_error(fake_kit: FakeKit) -> None:
    async with KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None) as kit:
        await kit.broadcasts.get(1)

    with pytest.raises(ClientClosedError, match="this KitClient is closed"):
        await kit.broadcasts.get(1)
    assert len(fake_kit.requests) == 1


async def test_a_paginator_of_a_closed_client_raises_client_closed_error(
    fake_kit: FakeKit,
) -> None:
    async with KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None) as kit:
        paginator = kit.iter_broadcast_clicks(1)

    with pytest.raises(ClientClosedError):
        _ = [c async for c in paginator]
    with pytest.raises(ClientClosedError):
        await paginator
    assert fake_kit.requests == []


async def test_a_client_closed_mid_iteration_raises_client_closed_error(
    fake_kit: FakeKit,
) -> None:
    async with KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None) as kit:
        pages = kit.iter_broadcast_clicks(1, per_page=100).pages()
        await anext(pages)
        await kit.aclose()

        with pytest.raises(ClientClosedError):
            await anext(pages)


async def test_a_closed_client_cannot_be_reopened_with_async_with() -> None:
    kit = KitClient(SECRET)
    await kit.aclose()

    with pytest.raises(ClientClosedError):
        async with kit:
            pass


async def test_closing_a_client_that_never_sent_a_request_is_fine() -> None:
    kit = KitClient(SECRET)

    await kit.aclose()

    assert kit.closed


# -- the session ----------------------------------------------------------------------------


async def test_one_connection_is_reused_for_every_request(
    watched: tuple[FakeKit, Peers],
) -> None:
    server, peers = watched

    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
        await kit.broadcasts.get(1)
        await kit.broadcasts.stats(1)
        _ = [c async for c in kit.iter_broadcast_clicks(1, per_page=2)]

    assert len(peers.addresses) == 5
    assert len(set(peers.addresses)) == 1


async def test_one_session_is_created_for_every_request(
    fake_kit: FakeKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[aiohttp.ClientSession] = []
    real = aiohttp.ClientSession

    def counting(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = real(*args, **kwargs)
        created.append(session)
        return session

    monkeypatch.setattr(aiohttp, "ClientSession", counting)

    async with KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None) as kit:
        await kit.broadcasts.get(1)
        await kit.broadcasts.get(2)

    assert len(created) == 1
    assert created[0].closed


async def test_a_callers_session_is_used_and_left_open(
    watched: tuple[FakeKit, Peers],
) -> None:
    server, peers = watched
    async with aiohttp.ClientSession(headers={"X-Caller": "mine"}) as session:
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, session=session
        ) as kit:
            await kit.broadcasts.get(1)

        assert not session.closed
        assert kit.closed
        async with session.get(f"{server.url}/v4/broadcasts/1") as response:
            assert response.status == 401  # the session still works; it has no key

    assert peers.headers[0]["X-Caller"] == "mine"
    assert peers.headers[0]["X-Kit-Api-Key"] == server.api_key


async def test_a_callers_session_is_left_open_by_aclose_without_async_with(
    fake_kit: FakeKit,
) -> None:
    async with aiohttp.ClientSession() as session:
        kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, session=session)
        await kit.broadcasts.get(1)
        await kit.aclose()
        await kit.aclose()

        assert not session.closed


def test_a_client_used_from_a_second_event_loop_raises_runtime_error() -> None:
    kit = KitClient(SECRET, rate_limit=None)
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(kit.__aenter__())
        with pytest.raises(RuntimeError, match="another event loop"):
            second.run_until_complete(kit.broadcasts.get(1))
        first.run_until_complete(kit.aclose())
    finally:
        first.close()
        second.close()


@pytest.fixture
def fake_kit_in_a_thread() -> Iterator[FakeKit]:
    """A FakeKit served by its own event loop in a thread, for tests that run several loops."""
    started = threading.Event()
    stop: list[asyncio.Event] = []
    served: list[FakeKit] = []

    async def serve() -> None:
        async with FakeKit(broadcasts=3, clicks=5, drafts=0) as server:
            stop.append(asyncio.Event())
            served.append(server)
            started.set()
            await stop[0].wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    try:
        started.wait(timeout=10)
        yield served[0]
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join()
        loop.close()


def _resource_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def _own_session_closed(kit: KitClient) -> bool:
    session = kit._transport._session
    return session is not None and session.closed


def _drop(clients: list[KitClient]) -> None:
    """Let go of the only references to the clients, and collect them."""
    clients.clear()
    gc.collect()


def test_a_client_used_under_two_asyncio_runs_can_be_closed_without_leaking(
    fake_kit_in_a_thread: FakeKit,
) -> None:
    server = fake_kit_in_a_thread
    clients = [KitClient(server.api_key, base_url=server.url, rate_limit=None)]

    async def first(kit: KitClient) -> None:
        await kit.broadcasts.get(1)  # leaves a pooled connection in the first loop

    async def second(kit: KitClient) -> None:
        with pytest.raises(RuntimeError, match="first used in another event loop"):
            await kit.broadcasts.get(2)
        await kit.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(first(clients[0]))
        # Closed as the first loop ended: nothing of it is left to leak.
        assert _own_session_closed(clients[0])
        asyncio.run(second(clients[0]))
        assert clients[0].closed
        _drop(clients)
    # No "Unclosed client session", "unclosed transport" or unclosed socket.
    assert _resource_warnings(caught) == []
    assert [r.path for r in server.requests] == ["/v4/broadcasts/1"]


def test_the_session_closes_when_its_loop_shuts_down(fake_kit_in_a_thread: FakeKit) -> None:
    server = fake_kit_in_a_thread
    kit = KitClient(server.api_key, base_url=server.url, rate_limit=None)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(kit.broadcasts.get(1))
        session = kit._transport._session
        assert session is not None
        assert not session.closed

        loop.run_until_complete(loop.shutdown_asyncgens())  # as asyncio.run() ends

        assert session.closed
        with pytest.raises(ClientClosedError, match="closed as its event loop shut down"):
            loop.run_until_complete(kit.broadcasts.get(1))
        loop.run_until_complete(kit.aclose())
    finally:
        loop.close()


def test_the_second_loop_error_says_what_to_do() -> None:
    kit = KitClient(SECRET, rate_limit=None)
    asyncio.run(kit.__aenter__())
    with pytest.raises(RuntimeError) as caught:
        asyncio.run(kit.broadcasts.get(1))
    message = str(caught.value)
    assert "each asyncio.run() starts a new one" in message
    assert "one client per event loop" in message
    assert "aclose()" in message
    asyncio.run(kit.aclose())
    assert kit.closed


def test_aclose_from_another_loop_closes_a_session_whose_loop_still_runs(
    fake_kit_in_a_thread: FakeKit,
) -> None:
    server = fake_kit_in_a_thread
    kit = KitClient(server.api_key, base_url=server.url, rate_limit=None)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(kit.broadcasts.get(1), loop).result(timeout=10)
        session = kit._transport._session
        assert session is not None

        asyncio.run(kit.aclose())  # from this thread's own loop

        assert kit.closed
        assert session.closed
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def test_an_unclosed_client_warns_when_it_is_collected(fake_kit: FakeKit) -> None:
    clients = [KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None)]
    await clients[0].broadcasts.get(1)
    expected = f"unclosed <KitClient {fake_kit.url} auth=api_key open>"

    with pytest.warns(ResourceWarning) as caught:
        _drop(clients)

    assert expected in _resource_warnings(list(caught))
    # The session is then closed on the loop; aiohttp finds nothing left open.
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        for _ in range(5):
            await asyncio.sleep(0)
        gc.collect()
    assert _resource_warnings(later) == []


@pytest.mark.parametrize("use", ["closed", "never-sent", "callers-session"])
async def test_a_client_with_nothing_left_open_does_not_warn(fake_kit: FakeKit, use: str) -> None:
    async with aiohttp.ClientSession() as session:
        clients = [
            KitClient(
                fake_kit.api_key,
                base_url=fake_kit.url,
                rate_limit=None,
                session=session if use == "callers-session" else None,
            )
        ]
        if use != "never-sent":
            await clients[0].broadcasts.get(1)
        if use == "closed":
            await clients[0].aclose()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _drop(clients)
    assert _resource_warnings(caught) == []


# -- no pickle, no copy: a client holds a credential and a pool --------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"api_key": SECRET},
        {
            "access_token": SECRET,
            "refresh_token": "rt_secret",
            "client_id": "cid",
            "client_secret": "cs_secret",
        },
    ],
    ids=["api_key", "oauth"],
)
def test_a_client_refuses_to_pickle_and_says_what_to_do_instead(options: dict[str, Any]) -> None:
    kit = KitClient(**options)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        with pytest.raises(TypeError, match="a KitClient cannot be pickled") as caught:
            pickle.dumps(kit, protocol=protocol)
    assert "Build one client per process" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_clients_resources_refuse_to_pickle_too() -> None:
    kit = KitClient(SECRET)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(kit.broadcasts)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(kit.iter_broadcast_clicks(1))


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_a_client_refuses_to_be_copied(clone: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match="a KitClient cannot be copied: share the one client"):
        clone(KitClient(SECRET))


# -- a caller's session: its defaults must not change our requests ----------------------------


async def test_a_callers_session_with_raise_for_status_still_maps_kits_errors(
    fake_kit: FakeKit,
) -> None:
    async with (
        aiohttp.ClientSession(raise_for_status=True) as session,
        KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=None, session=session) as kit,
    ):
        # A draft's 404 is skipped by the fan-out, not retried as a network error.
        clicks = await gather_clicks(kit, [1, 9])
        assert list(clicks) == [1]
        # A 429 is waited out and retried, not turned into "connection failed".
        fake_kit.inject("429", path="/v4/broadcasts/2")
        broadcast = await kit.broadcasts.get(2)
        assert broadcast.id == 2
        with pytest.raises(NotFoundError) as info:
            await kit.broadcasts.get(999)

    assert info.value.status_code == 404
    assert info.value.attempts == 1


async def test_a_callers_session_with_default_credentials_is_refused() -> None:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer other-service"}) as session:
        with pytest.raises(ValueError, match="Authorization") as info:
            KitClient(SECRET, session=session)
    assert "other-service" not in str(info.value)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # session auth: deprecated in 3.14
        session = aiohttp.ClientSession(auth=aiohttp.BasicAuth("me", "pw"))
    async with session:
        with pytest.raises(ValueError, match="default auth"):
            KitClient(SECRET, session=session)


async def test_a_callers_session_without_auto_decompress_is_refused() -> None:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        with pytest.raises(ValueError, match="auto_decompress"):
            KitClient(SECRET, session=session)


def test_a_session_that_is_not_an_aiohttp_session_is_refused() -> None:
    with pytest.raises(TypeError, match=r"aiohttp\.ClientSession"):
        KitClient(SECRET, session=object())  # type: ignore[arg-type]


# -- closing while requests wait --------------------------------------------------------------


async def test_aclose_fails_requests_waiting_in_the_rate_limiter_with_client_closed_error(
    fake_kit: FakeKit,
) -> None:
    kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=RateLimit(1, 60.0))
    await kit.broadcasts.get(1)  # spends the only slot of the window
    waiting = [asyncio.create_task(kit.broadcasts.get(2)) for _ in range(3)]
    while kit.rate_limit is not None and kit.rate_limit.waiting < 3:  # noqa: ASYNC110 - the limiter has no event for its queue
        await asyncio.sleep(0)

    started = asyncio.get_running_loop().time()
    await kit.aclose()
    results = await asyncio.gather(*waiting, return_exceptions=True)

    assert all(isinstance(result, ClientClosedError) for result in results), results
    assert asyncio.get_running_loop().time() - started < 5  # not after the 60 s window
    assert len(fake_kit.requests) == 1


async def test_aclose_fails_a_request_in_flight_with_client_closed_error() -> None:
    arrived = asyncio.Event()

    @web.middleware
    async def note_arrival(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived.set()
        return await handler(request)

    server = FakeKit(latency=2.0)
    server.app.middlewares.insert(0, note_arrival)
    async with server:
        kit = KitClient(server.api_key, base_url=server.url, rate_limit=None)
        in_flight = asyncio.create_task(kit.broadcasts.get(1))
        await asyncio.wait_for(arrived.wait(), 5)
        started = asyncio.get_running_loop().time()
        await kit.aclose()

        with pytest.raises(ClientClosedError, match="closed before this request completed"):
            await in_flight
        assert asyncio.get_running_loop().time() - started < 1  # not after the 2 s answer


async def test_a_task_cancelled_by_its_owner_stays_cancelled_when_the_client_closes(
    fake_kit: FakeKit,
) -> None:
    kit = KitClient(fake_kit.api_key, base_url=fake_kit.url, rate_limit=RateLimit(1, 60.0))
    await kit.broadcasts.get(1)
    waiting = asyncio.create_task(kit.broadcasts.get(2))
    while kit.rate_limit is not None and not kit.rate_limit.waiting:  # noqa: ASYNC110 - the limiter has no event for its queue
        await asyncio.sleep(0)

    waiting.cancel()
    await kit.aclose()

    with pytest.raises(asyncio.CancelledError):
        await waiting
