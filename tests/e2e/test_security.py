"""Security: no credential in a repr, an error or a log line; none sent elsewhere.

Every credential here is a recognisable string, searched for everywhere the
library writes text: reprs, exception messages and reprs, formatted
tracebacks, and every captured log record (message and extra fields) of
`kit_async`, `stamina` and everything else, at DEBUG.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import pickle
import socket
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from kit_async import (
    KitClient,
    KitError,
    RedirectError,
    TokenSet,
)
from kit_async.testing import FakeKit

API_KEY = "kit_SECRETapikey0123456789abcdef"
WRONG_KEY = "kit_SECRETwrongkey0123456789abc"
ACCESS = "fake_at_SECRETaccess0123456789"
REFRESH = "fake_rt_SECRETrefresh0123456789"
CLIENT_SECRET = "SECRETclientsecret0123456789"
SECRETS = (API_KEY, WRONG_KEY, ACCESS, REFRESH, CLIENT_SECRET)


def leaked(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The credentials (or the secret part of issued tokens) found in `text`."""
    found = [s for s in SECRETS + extra if s in text]
    # FakeKit issues tokens "fake_at_<hex>"/"fake_rt_<hex>": the hex is the secret.
    found += [s for s in extra if s.split("_")[-1] in text]
    return found


def error_text(error: BaseException) -> str:
    return "\n".join(
        [
            str(error),
            repr(error),
            "".join(traceback.format_exception(error)),
            repr(vars(error)),
        ]
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(
        api_key=API_KEY, access_token=ACCESS, refresh_token=REFRESH, latency=0.0
    ) as fake:
        yield fake


def key_client(server: FakeKit, **options: Any) -> KitClient:
    settings: dict[str, Any] = {"base_url": server.url, "rate_limit": None, "timeout": 0.2}
    settings.update(options)
    return KitClient(settings.pop("api_key", API_KEY), **settings)


def oauth_client(
    server: FakeKit, received: list[TokenSet] | None = None, **options: Any
) -> KitClient:
    settings: dict[str, Any] = {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "client_id": server.client_id,
        "client_secret": CLIENT_SECRET,
        "base_url": server.url,
        "rate_limit": None,
        "timeout": 0.2,
    }
    if received is not None:
        settings["on_token_refresh"] = received.append
    settings.update(options)
    return KitClient(**settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- reprs -----------------------------------------------------------------


def test_the_repr_of_an_api_key_client_hides_the_key() -> None:
    kit = KitClient(API_KEY)
    assert repr(kit) == "<KitClient https://api.kit.com auth=api_key open>"
    assert leaked(repr(kit)) == []


def test_the_repr_of_an_oauth_client_hides_every_token_and_the_secret() -> None:
    kit = KitClient(
        access_token=ACCESS, refresh_token=REFRESH, client_id="cid", client_secret=CLIENT_SECRET
    )
    text = " ".join(map(repr, [kit, kit.rate_limit, kit.broadcasts, kit.retry]))
    assert "auth=oauth" in text
    assert leaked(text) == []


def test_the_repr_of_a_token_set_hides_both_tokens() -> None:
    tokens = TokenSet(access_token=ACCESS, refresh_token=REFRESH, expires_in=7200)
    assert leaked(repr(tokens)) == []
    assert "expires_in=7200" in repr(tokens)


# -- errors ----------------------------------------------------------------


async def _errors_from_every_failure(server: FakeKit) -> list[BaseException]:
    """Raise (and collect) one error of every kind the client can give."""
    errors: list[BaseException] = []

    async def catch(call: Any) -> None:
        try:
            await call
        except KitError as exc:
            errors.append(exc)
        else:
            pytest.fail("expected an error")

    async with key_client(server) as kit:
        await catch(kit.broadcasts.get(10_000))  # 404
        server.inject("503", times=4)
        await catch(kit.broadcasts.get(1))
        server.inject("429", times=4)
        await catch(kit.broadcasts.get(1))
        server.inject("reset", times=4)
        await catch(kit.broadcasts.get(1))
        server.inject("truncated")
        await catch(kit.broadcasts.get(1))
        server.inject("html", times=4)
        await catch(kit.broadcasts.get(1))
        await catch(_first(kit))
    async with key_client(server, api_key=WRONG_KEY) as kit:
        await catch(kit.broadcasts.get(1))  # 401 invalid key
    async with key_client(server, base_url=f"http://127.0.0.1:{free_port()}") as kit:
        await catch(kit.broadcasts.get(1))  # refused
    async with oauth_client(server, refresh_token="fake_rt_SECRETrevoked") as kit:
        server.expire_tokens()
        await catch(kit.broadcasts.get(1))  # failed refresh
    async with oauth_client(server, access_token="fake_at_SECRETunknown") as kit:
        await catch(kit.broadcasts.get(1))  # invalid token
    return errors


async def _first(kit: KitClient) -> object:
    return await kit.broadcasts.list(after="bogus")  # 422


async def test_no_credential_in_any_exception_message_or_repr(server: FakeKit) -> None:
    errors = await _errors_from_every_failure(server)
    assert len(errors) == 11
    for error in errors:
        text = error_text(error)
        assert leaked(text, ("fake_rt_SECRETrevoked", "fake_at_SECRETunknown")) == [], text


async def test_a_slow_answer_raises_a_timeout_that_names_no_credential(server: FakeKit) -> None:
    server.inject("slow", times=4, delay=1.0)
    async with key_client(server) as kit:
        with pytest.raises(KitError) as caught:
            await kit.broadcasts.get(1)
    assert "no complete answer within 0.2 s" in str(caught.value)
    assert leaked(error_text(caught.value)) == []


# -- logs ------------------------------------------------------------------


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, from every logger (kit_async and stamina included)."""
    caplog.set_level(logging.DEBUG)
    for name in ("kit_async", "stamina", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def record_text(caplog: pytest.LogCaptureFixture) -> str:
    """Messages, formatted tracebacks and every extra field of every record."""
    return caplog.text + "\n".join(repr(vars(record)) for record in caplog.records)


async def test_no_credential_in_log_output_at_any_level(
    server: FakeKit, all_logs: pytest.LogCaptureFixture
) -> None:
    received: list[TokenSet] = []
    async with oauth_client(server, received) as kit:
        server.expire_tokens()
        server.inject("503", times=2, after="")
        server.inject("429", after=FakeKit.cursor(500))
        server.inject("reset", after=FakeKit.cursor(1000))
        assert [c.url async for c in kit.iter_broadcast_clicks(1, per_page=500)]
        with pytest.raises(KitError):
            await kit.broadcasts.get(10_000)
    await _errors_from_every_failure(server)

    (tokens,) = received
    issued = (tokens.access_token, tokens.refresh_token)
    names = {record.name for record in all_logs.records}
    assert "kit_async" in names
    # stamina's own record of each retry is there too, its extra fields checked below.
    assert "stamina" in names
    assert any("refreshing" in r.getMessage() for r in all_logs.records)
    assert leaked(record_text(all_logs), issued) == []


# -- redirects ---------------------------------------------------------------


class Recorder:
    """A loopback server that records every request it gets, headers included."""

    def __init__(self, answer: web.Response | None = None) -> None:
        self.received: list[dict[str, str]] = []
        self._answer = answer
        self.url = ""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(dict(request.headers))
        if self._answer is not None:
            return self._answer
        return web.json_response({"broadcast": {}})

    async def __aenter__(self) -> Recorder:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("auth", ["api_key", "oauth"])
async def test_a_redirect_to_another_origin_is_not_followed(status: int, auth: str) -> None:
    async with Recorder() as elsewhere:
        moved = web.Response(
            status=status, headers={"Location": f"{elsewhere.url}/v4/broadcasts/1"}
        )
        async with Recorder(moved) as origin:
            if auth == "api_key":
                kit = KitClient(API_KEY, base_url=origin.url, rate_limit=None)
            else:
                kit = KitClient(access_token=ACCESS, base_url=origin.url, rate_limit=None)
            async with kit:
                with pytest.raises(RedirectError) as caught:
                    await kit.broadcasts.get(1)
        assert len(origin.received) == 1  # not retried either
        assert elsewhere.received == []  # the credential never got there
    error = caught.value
    assert error.status_code == status
    assert f"a redirect to {elsewhere.url}" in str(error)
    assert "does not follow redirects" in str(error)
    assert leaked(error_text(error)) == []


async def test_the_credential_reaches_the_origin_it_was_meant_for() -> None:
    # The contrast to the test above: the recorder does see headers.
    async with (
        Recorder() as origin,
        KitClient(API_KEY, base_url=origin.url, rate_limit=None) as kit,
    ):
        with pytest.raises(KitError):
            await kit.broadcasts.get(1)  # {"broadcast": {}} does not decode
    assert [headers.get("X-Kit-Api-Key") for headers in origin.received] == [API_KEY]


async def test_the_credential_is_never_put_in_the_query_string(server: FakeKit) -> None:
    async with key_client(server) as kit:
        await kit.broadcasts.get(1)
    assert leaked(repr(server.requests[0].query)) == []


# -- base_url and token_url ----------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.kit.com",
        "http://10.0.0.1",
        "http://192.168.1.5:8080",
        "http://localhost.example.com",
        "http://[2001:db8::1]",
        "ftp://api.kit.com",
        "api.kit.com",
        "https://user:pass@api.kit.com",
    ],
)
def test_an_unsafe_base_url_is_refused_at_construction(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        KitClient(API_KEY, base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.kit.com",
        "https://kit-proxy.example.com/",
        "http://localhost:8080",
        "http://127.0.0.1:9000",
        "http://127.8.9.10",
        "http://[::1]:8080",
    ],
)
def test_https_and_loopback_base_urls_are_accepted(base_url: str) -> None:
    assert KitClient(API_KEY, base_url=base_url).base_url == base_url.rstrip("/")


def test_an_http_base_url_error_names_no_credential() -> None:
    with pytest.raises(ValueError, match="must use https://") as caught:
        KitClient(API_KEY, base_url="http://api.kit.com")
    assert leaked(error_text(caught.value)) == []


@pytest.mark.parametrize(
    "token_url", ["http://api.kit.com/v4/oauth/token", "http://10.0.0.1/token", "/v4/oauth/token"]
)
def test_an_unsafe_token_url_is_refused_at_construction(token_url: str) -> None:
    # The refresh token and client secret are sent there.
    with pytest.raises(ValueError, match="token_url"):
        KitClient(access_token=ACCESS, refresh_token=REFRESH, client_id="cid", token_url=token_url)


@pytest.mark.parametrize(
    "token_url", ["https://api.kit.com/v4/oauth/token", "http://127.0.0.1:9000/v4/oauth/token"]
)
def test_https_and_loopback_token_urls_are_accepted(token_url: str) -> None:
    KitClient(access_token=ACCESS, refresh_token=REFRESH, client_id="cid", token_url=token_url)


# -- event loops -------------------------------------------------------------


async def test_a_client_used_from_another_event_loop_raises_runtime_error(
    server: FakeKit,
) -> None:
    async with key_client(server) as kit:
        await kit.broadcasts.get(1)

        def in_another_loop() -> object:
            return asyncio.run(kit.broadcasts.get(2))

        with pytest.raises(RuntimeError, match="first used in another event loop") as caught:
            await asyncio.to_thread(in_another_loop)
    assert not isinstance(caught.value, KitError)
    assert len(server.requests) == 1  # raised at once, not retried


# -- pickle and copy ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["api_key", "oauth"])
def test_no_credential_can_leave_through_pickle_or_copy(server: FakeKit, kind: str) -> None:
    kit = key_client(server) if kind == "api_key" else oauth_client(server)
    for target in (kit, kit._transport, kit._transport.auth, kit.broadcasts):
        for clone in (pickle.dumps, copy.deepcopy, copy.copy):
            if clone is copy.copy and target is kit.broadcasts:
                continue  # a shallow copy shares the client's transport: nothing is copied
            with pytest.raises(TypeError) as caught:
                clone(target)
            assert leaked(error_text(caught.value)) == []
