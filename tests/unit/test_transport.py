"""The transport: what every request carries, how URLs are built, how answers map.

Unit tests with aioresponses: they check the headers and URL of each request
the client sends and how a response it gets back is turned into a result or
an error. The status -> exception mapping is in `test_errors.py`, retries in
depth in `e2e/test_retries.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest
import yarl
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

import kit_async
from kit_async import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    TokenSet,
)
from kit_async.oauth import MemoryTokenStore, authorization_request, connect, revoke
from kit_async.testing import FakeKit

API_KEY = "kit_transport_secret_0123456789"
TOKEN = "oauth_transport_secret_9876543210"
BROADCAST_URL = "https://api.kit.com/v4/broadcasts/1"
BROADCAST_PATH = "/v4/broadcasts/1"
ANY_URL = re.compile(r"^https://api\.kit\.com/.*$")
BROADCAST = {"broadcast": {"id": 1, "created_at": "2024-01-01T00:00:00Z"}}


class Sent:
    """What the client sent: the URL and headers of every request, in order."""

    def __init__(self) -> None:
        self.urls: list[yarl.URL] = []
        self.headers: list[Any] = []

    def __call__(self, url: yarl.URL, **kwargs: Any) -> None:
        self.urls.append(url)
        self.headers.append(kwargs.get("headers") or {})


@pytest.fixture
def sent() -> Sent:
    return Sent()


def client(**options: Any) -> kit_async.KitClient:
    options.setdefault("rate_limit", None)
    if "access_token" not in options:
        options.setdefault("api_key", API_KEY)
    return kit_async.KitClient(**options)


# -- headers ------------------------------------------------------------------------


async def test_api_key_is_sent_in_the_x_kit_api_key_header(
    mocked: aioresponses, sent: Sent
) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        await kit.broadcasts.get(1)

    assert sent.headers[0]["X-Kit-Api-Key"] == API_KEY
    assert "Authorization" not in sent.headers[0]


async def test_access_token_is_sent_as_an_authorization_bearer_header(
    mocked: aioresponses, sent: Sent
) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client(access_token=TOKEN) as kit:
        await kit.broadcasts.get(1)

    assert sent.headers[0]["Authorization"] == f"Bearer {TOKEN}"
    assert "X-Kit-Api-Key" not in sent.headers[0]


async def test_user_agent_names_kit_async_and_its_version(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        await kit.broadcasts.get(1)

    assert sent.headers[0]["User-Agent"].startswith(f"kit-async/{kit_async.__version__} ")


async def test_json_is_asked_for(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        await kit.broadcasts.get(1)

    assert sent.headers[0]["Accept"] == "application/json"


async def test_the_credential_is_never_put_in_the_url(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(ANY_URL, payload={"broadcasts": [], "pagination": _last_page()}, callback=sent)

    async with client() as kit:
        await kit.broadcasts.list(status="completed", include_total_count=True)

    assert API_KEY not in str(sent.urls[0])


def _last_page() -> dict[str, Any]:
    return {
        "has_previous_page": False,
        "has_next_page": False,
        "start_cursor": None,
        "end_cursor": None,
        "per_page": 1000,
    }


# -- URLs ----------------------------------------------------------------------------


def test_url_encodes_a_cursor_exactly_once() -> None:
    kit = client()

    url = kit._transport.url_for("/v4/broadcasts/1/clicks", {"after": "++//W3s=+a/b=="})

    assert url.raw_query_string == "after=%2B%2B%2F%2FW3s%3D%2Ba%2Fb%3D%3D"
    assert url.query["after"] == "++//W3s=+a/b=="


@given(st.dictionaries(st.text(min_size=1), st.text() | st.integers(), max_size=4))
def test_url_encodes_any_query_as_urlencode_does(params: dict[str, str | int]) -> None:
    # Names and values of any text (ASCII is mapped by a table, the rest by
    # `quote`) come out exactly as the standard library encodes them.
    url = client()._transport.url_for("/v4/broadcasts", params)

    assert url.raw_query_string == urlencode(params, quote_via=quote, safe="")
    assert list(url.query.items()) == [(name, str(value)) for name, value in params.items()]


def test_url_leaves_out_parameters_that_are_none() -> None:
    kit = client()

    url = kit._transport.url_for("/v4/broadcasts", {"status": None, "per_page": 10})

    assert url.raw_query_string == "per_page=10"


def test_url_sends_booleans_as_kits_true_and_false() -> None:
    kit = client()

    url = kit._transport.url_for("/v4/broadcasts", {"include_total_count": True, "x": False})

    assert url.raw_query_string == "include_total_count=true&x=false"


def test_url_without_parameters_has_no_query() -> None:
    kit = client()

    assert str(kit._transport.url_for(BROADCAST_PATH)) == BROADCAST_URL


def test_url_joins_a_base_url_given_with_a_trailing_slash() -> None:
    kit = client(base_url="https://api.kit.com/")

    assert str(kit._transport.url_for(BROADCAST_PATH)) == BROADCAST_URL


# -- answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_raises_redirect_error_and_is_not_followed(
    mocked: aioresponses, sent: Sent, status: int
) -> None:
    elsewhere = "https://evil.example.com/v4/broadcasts/1"
    mocked.get(BROADCAST_URL, status=status, headers={"Location": elsewhere}, callback=sent)
    mocked.get(elsewhere, payload=BROADCAST, callback=sent)

    async with client() as kit:
        with pytest.raises(RedirectError) as info:
            await kit.broadcasts.get(1)

    assert sent.urls == [yarl.URL(BROADCAST_URL)]
    assert info.value.status_code == status
    assert info.value.path == BROADCAST_PATH
    assert "https://evil.example.com" in str(info.value)


async def test_a_redirect_is_not_retried(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, status=302, headers={"Location": "/elsewhere"}, callback=sent)
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        with pytest.raises(RedirectError) as info:
            await kit.broadcasts.get(1)

    assert len(sent.urls) == 1
    assert "the same origin" in str(info.value)


async def test_a_plain_text_error_body_is_kept_in_body(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, status=429, body="Retry later", content_type="text/plain")

    async with client(max_retries=0) as kit:
        with pytest.raises(RateLimitError) as info:
            await kit.broadcasts.get(1)

    assert info.value.body == "Retry later"
    assert info.value.errors == ()
    assert "Retry later" in str(info.value)


async def test_a_json_error_body_is_not_kept_as_text(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, status=404, payload={"errors": ["Not Found"]})

    async with client() as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.broadcasts.get(1)

    assert info.value.body is None
    assert info.value.errors == ("Not Found",)


async def test_a_timeout_raises_api_timeout_error(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, exception=TimeoutError())

    async with client(max_retries=0, timeout=2.5) as kit:
        with pytest.raises(APITimeoutError) as info:
            await kit.broadcasts.get(1)

    assert info.value.path == BROADCAST_PATH
    assert "2.5 s" in str(info.value)


async def test_a_dropped_connection_raises_api_connection_error(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, exception=aiohttp.ServerDisconnectedError())

    async with client(max_retries=0) as kit:
        with pytest.raises(APIConnectionError) as info:
            await kit.broadcasts.get(1)

    assert not isinstance(info.value, APITimeoutError)
    assert info.value.method == "GET"
    assert info.value.path == BROADCAST_PATH
    assert info.value.__cause__ is None


async def test_a_refused_connection_raises_api_connection_error_saying_so(
    mocked: aioresponses,
) -> None:
    key = SimpleNamespace(host="api.kit.com", port=443, ssl=True)
    refused = aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))  # type: ignore[arg-type]
    mocked.get(BROADCAST_URL, exception=refused)

    async with client(max_retries=0) as kit:
        with pytest.raises(APIConnectionError) as info:
            await kit.broadcasts.get(1)

    assert info.value.connect_failed
    assert "could not connect" in str(info.value)


async def test_a_503_on_a_get_is_retried_then_succeeds(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, status=503, callback=sent)
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        broadcast = await kit.broadcasts.get(1)

    assert broadcast.id == 1
    assert len(sent.urls) == 2


async def test_max_retries_zero_sends_exactly_one_request(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, status=503, callback=sent)
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client(max_retries=0) as kit:
        with pytest.raises(InternalServerError) as info:
            await kit.broadcasts.get(1)

    assert len(sent.urls) == 1
    assert info.value.attempts == 1


async def test_a_404_is_not_retried(mocked: aioresponses, sent: Sent) -> None:
    mocked.get(BROADCAST_URL, status=404, payload={"errors": ["Not Found"]}, callback=sent)
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=sent)

    async with client() as kit:
        with pytest.raises(NotFoundError):
            await kit.broadcasts.get(1)

    assert len(sent.urls) == 1


async def test_an_error_after_retries_says_how_many_attempts_were_made(
    mocked: aioresponses,
) -> None:
    mocked.get(BROADCAST_URL, status=502, repeat=True)

    async with client(max_retries=2) as kit:
        with pytest.raises(InternalServerError) as info:
            await kit.broadcasts.get(1)

    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)


async def test_a_non_json_200_body_raises_response_validation_error(
    mocked: aioresponses,
) -> None:
    mocked.get(BROADCAST_URL, status=200, body='{"broadcast": {"id": 1, "crea')

    async with client() as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.broadcasts.get(1)

    assert info.value.field is None
    assert info.value.path == BROADCAST_PATH
    assert "not JSON" in str(info.value)
    assert info.value.__cause__ is None


async def test_an_html_200_body_raises_response_validation_error(mocked: aioresponses) -> None:
    html = "<html><body><h1>Maintenance</h1></body></html>"
    mocked.get(BROADCAST_URL, status=200, body=html, content_type="text/html")

    async with client() as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.broadcasts.get(1)

    assert info.value.field is None
    assert "<html>" in str(info.value)


async def test_a_non_json_200_body_of_a_raw_request_names_the_call(mocked: aioresponses) -> None:
    mocked.get(BROADCAST_URL, status=200, body="<html>")

    async with client() as kit:
        with pytest.raises(ResponseValidationError, match="not JSON") as info:
            await kit.request("GET", BROADCAST_PATH)

    assert (info.value.method, info.value.path) == ("GET", BROADCAST_PATH)
    assert info.value.__cause__ is None


# -- proxies from the environment ---------------------------------------------------------------

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class ForwardProxy:
    """A loopback HTTP forward proxy: records each request head, then relays the bytes."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        await asyncio.gather(*self._handlers)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._relay(reader, writer))
        self._handlers.add(task)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head.decode("latin-1"))
        request_line, rest = head.split(b"\r\n", 1)
        method, target, version = request_line.split(b" ")
        upstream = yarl.URL(target.decode())  # absolute-form: http://host:port/path
        up_reader, up_writer = await asyncio.open_connection(upstream.host, upstream.port)
        up_writer.write(
            b" ".join([method, upstream.raw_path_qs.encode(), version]) + b"\r\n" + rest
        )
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()
        with contextlib.suppress(ConnectionError):
            await sink.wait_closed()


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment without proxy variables (in either case) or a `.netrc` to read."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


async def test_the_clients_own_session_goes_through_http_proxy_from_the_environment(
    no_proxy_environment: pytest.MonkeyPatch, fake_kit: FakeKit, tmp_path: Path
) -> None:
    # A .netrc entry for every host: kit-async must not add it to Kit's requests.
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password netrc-secret\n")
    netrc.chmod(0o600)
    no_proxy_environment.setenv("NETRC", str(netrc))
    async with ForwardProxy() as proxy:
        no_proxy_environment.setenv("HTTP_PROXY", proxy.url)
        no_proxy_environment.setenv("NO_PROXY", "")
        async with client(api_key=fake_kit.api_key, base_url=fake_kit.url) as kit:
            broadcast = await kit.broadcasts.get(1)

    assert broadcast.id == 1
    (head,) = proxy.heads
    assert head.startswith(f"GET {fake_kit.url}/v4/broadcasts/1 HTTP/1.1\r\n")
    assert "authorization:" not in head.lower()  # nothing from .netrc
    assert [r.path for r in fake_kit.requests] == ["/v4/broadcasts/1"]


async def test_no_proxy_exempts_a_host_from_the_proxy(
    no_proxy_environment: pytest.MonkeyPatch, fake_kit: FakeKit
) -> None:
    async with ForwardProxy() as proxy:
        no_proxy_environment.setenv("HTTP_PROXY", proxy.url)
        no_proxy_environment.setenv("NO_PROXY", "example.com, 127.0.0.1")
        async with client(api_key=fake_kit.api_key, base_url=fake_kit.url) as kit:
            await kit.broadcasts.get(1)

    assert proxy.heads == []
    assert [r.path for r in fake_kit.requests] == ["/v4/broadcasts/1"]


@pytest.mark.parametrize(
    ("environment", "proxy"),
    [
        ({"HTTPS_PROXY": "http://proxy.internal:3128"}, "http://proxy.internal:3128"),
        ({"https_proxy": "http://me:pw@proxy.internal:3128"}, "http://me:pw@proxy.internal:3128"),
        ({"HTTPS_PROXY": "proxy.internal:3128"}, "http://proxy.internal:3128"),
        ({"HTTP_PROXY": "http://proxy.internal:3128"}, None),  # for http:// URLs only
        ({"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "*"}, None),
        ({"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": ".kit.com"}, None),
        ({"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "api.kit.com:443"}, None),
        (
            {"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "notkit.com"},
            "http://proxy.internal:3128",
        ),
        ({"HTTPS_PROXY": "socks5://proxy.internal:1080"}, None),  # aiohttp cannot use it
    ],
)
async def test_kits_https_origin_gets_the_proxy_the_environment_names(
    no_proxy_environment: pytest.MonkeyPatch,
    mocked: aioresponses,
    environment: dict[str, str],
    proxy: str | None,
) -> None:
    for name, value in environment.items():
        no_proxy_environment.setenv(name, value)
    proxies: list[Any] = []
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=lambda _, **kw: proxies.append(kw))

    async with client() as kit:
        await kit.broadcasts.get(1)

    (sent_with,) = proxies
    assert sent_with["proxy"] == (None if proxy is None else yarl.URL(proxy))


@pytest.mark.parametrize(
    ("no_proxy", "proxied"),
    [(None, False), ("", True), ("example.com", True), ("localhost,127.0.0.1", False)],
    ids=["no-proxy-unset", "empty", "other-host", "listed"],
)
async def test_loopback_goes_direct_unless_no_proxy_is_set(
    no_proxy_environment: pytest.MonkeyPatch,
    mocked: aioresponses,
    no_proxy: str | None,
    proxied: bool,
) -> None:
    no_proxy_environment.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    if no_proxy is not None:
        no_proxy_environment.setenv("NO_PROXY", no_proxy)
    proxies: list[Any] = []
    url = "http://127.0.0.1:8000/v4/broadcasts/1"
    mocked.get(url, payload=BROADCAST, callback=lambda _, **kw: proxies.append(kw))

    async with client(base_url="http://127.0.0.1:8000") as kit:
        await kit.broadcasts.get(1)

    expected = yarl.URL("http://proxy.internal:3128") if proxied else None
    assert proxies[0]["proxy"] == expected


async def test_a_callers_session_gets_no_proxy_from_kit_async(
    no_proxy_environment: pytest.MonkeyPatch, mocked: aioresponses
) -> None:
    no_proxy_environment.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    proxies: list[Any] = []
    mocked.get(BROADCAST_URL, payload=BROADCAST, callback=lambda _, **kw: proxies.append(kw))

    async with aiohttp.ClientSession() as session, client(session=session) as kit:
        await kit.broadcasts.get(1)

    assert proxies[0]["proxy"] is None  # the session's own trust_env decides


async def test_a_kit_accounts_pools_session_goes_through_the_proxy_from_the_environment(
    no_proxy_environment: pytest.MonkeyPatch,
) -> None:
    # The pool's session is kit-async's own, as a client's own is.
    async with FakeKit(client_secret="app-secret") as server:
        store = MemoryTokenStore()
        access, refresh = server.issue_tokens()
        await store.save(server.account.id, TokenSet(access, refresh))
        async with ForwardProxy() as proxy:
            no_proxy_environment.setenv("HTTP_PROXY", proxy.url)
            no_proxy_environment.setenv("NO_PROXY", "")
            async with kit_async.KitAccounts(
                token_store=store,
                client_id=server.client_id,
                client_secret="app-secret",
                base_url=server.url,
            ) as accounts:
                broadcast = await accounts.client(server.account.id).broadcasts.get(1)

    assert broadcast.id == 1
    (head,) = proxy.heads
    assert head.startswith(f"GET {server.url}/v4/broadcasts/1 HTTP/1.1\r\n")


async def test_connect_and_revoke_go_through_the_proxy_from_the_environment(
    no_proxy_environment: pytest.MonkeyPatch,
) -> None:
    async with FakeKit(client_secret="app-secret") as server:
        pending = authorization_request(
            client_id=server.client_id,
            redirect_uri="http://127.0.0.1:9/kit/callback",
            authorize_url=f"{server.url}/v4/oauth/authorize",
        )
        callback = dict(yarl.URL(server.approve(pending.url)).query)
        store = MemoryTokenStore()
        async with ForwardProxy() as proxy:
            no_proxy_environment.setenv("HTTP_PROXY", proxy.url)
            no_proxy_environment.setenv("NO_PROXY", "")
            connected = await connect(
                callback,
                pending=pending,
                client_id=server.client_id,
                client_secret="app-secret",
                token_store=store,
                base_url=server.url,
            )
            await revoke(
                connected.tokens.access_token,
                client_id=server.client_id,
                client_secret="app-secret",
                token_store=store,
                account_id=connected.account_id,
                base_url=server.url,
            )

    assert [head.split(" HTTP/")[0] for head in proxy.heads] == [
        f"POST {server.url}/v4/oauth/token",
        f"GET {server.url}/v4/account",
        f"POST {server.url}/v4/oauth/revoke",
    ]
    assert await store.status(connected.account_id) == "disconnected"
