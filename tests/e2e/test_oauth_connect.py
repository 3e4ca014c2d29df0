"""Connecting a creator with OAuth and PKCE, against FakeKit over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

import kit_async
from kit_async.errors import AuthorizationDeniedError, KitError, OAuthError
from kit_async.oauth import (
    AuthorizationRequest,
    ConnectedAccount,
    MemoryTokenStore,
    TokenStore,
    authorization_request,
    connect,
    revoke,
)
from kit_async.testing import FakeKit

REDIRECT_URI = "http://127.0.0.1:9/kit/callback"
SECRET = "the-client-secret-0123456789"
APP_STORE = "https://app.kit.com/apps/1?success=true"


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(client_secret=SECRET) as fake:
        yield fake


def begin(server: FakeKit, app_store_redirect: str | None = None) -> AuthorizationRequest:
    return authorization_request(
        client_id=server.client_id,
        redirect_uri=REDIRECT_URI,
        app_store_redirect=app_store_redirect,
        authorize_url=f"{server.url}/v4/oauth/authorize",
    )


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def finish(
    server: FakeKit, callback: dict[str, str], pending: AuthorizationRequest, store: TokenStore
) -> ConnectedAccount:
    return await connect(
        callback,
        pending=pending,
        client_id=server.client_id,
        client_secret=SECRET,
        token_store=store,
        base_url=server.url,
    )


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.allow: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "input":
            self.fields[found["name"]] = found["value"]
        elif tag == "button" and found.get("value") == "allow":
            self.allow = (found["name"], found["value"])


# The whole flow -------------------------------------------------------------


async def test_a_creator_who_allows_on_the_page_is_connected_and_saved(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server, app_store_redirect=APP_STORE)
    async with aiohttp.ClientSession() as http:
        async with http.get(pending.url) as page:
            form = _Form()
            form.feed(await page.text())
        assert form.allow is not None
        async with http.post(
            f"{server.url}/v4/oauth/authorize",
            data={**form.fields, form.allow[0]: form.allow[1]},
            allow_redirects=False,
        ) as answer:
            callback = answer.headers["Location"]
    assert callback.startswith(REDIRECT_URI)

    account = await finish(server, query_of(callback), pending, store)

    assert account.account_id == server.account.info["id"]
    assert account.name == server.account.info["name"]
    assert account.app_store_redirect == APP_STORE
    assert await store.status(account.account_id) == "connected"
    assert await store.load(account.account_id) == account.tokens
    assert await store.name(account.account_id) == "FakeKit"
    async with kit_async.KitClient(
        access_token=account.tokens.access_token, base_url=server.url
    ) as kit:
        assert (await kit.account.get()).id == account.account_id


async def test_the_request_uses_pkce_s256_with_a_verifier_kit_accepts() -> None:
    pending = authorization_request(client_id="app", redirect_uri="https://app.example/cb")
    params = query_of(pending.url)
    assert pending.url.startswith("https://api.kit.com/v4/oauth/authorize?")
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", pending.code_verifier)
    digest = hashlib.sha256(pending.code_verifier.encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == pending.state
    assert params["redirect_uri"] == "https://app.example/cb"
    assert params["response_type"] == "code"
    again = authorization_request(client_id="app", redirect_uri="https://app.example/cb")
    assert (again.state, again.code_verifier) != (pending.state, pending.code_verifier)


def test_the_request_repr_hides_the_verifier_and_the_state() -> None:
    pending = authorization_request(client_id="app", redirect_uri="https://app.example/cb")
    text = repr(pending)
    assert pending.code_verifier not in text
    assert pending.state not in text
    assert "app.example" in text


@pytest.mark.parametrize(
    ("redirect_uri", "message"),
    [
        ("http://app.example/cb", "https"),
        ("/callback", "absolute https"),
        ("https://app.example/cb#x", "fragment"),
        ("ftp://app.example/cb", "absolute https"),
    ],
)
def test_the_request_refuses_a_bad_redirect_uri(redirect_uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        authorization_request(client_id="app", redirect_uri=redirect_uri)


@pytest.mark.parametrize("redirect_uri", ["http://127.0.0.1:8000/cb", "http://localhost/cb"])
def test_the_request_accepts_http_on_loopback(redirect_uri: str) -> None:
    assert authorization_request(client_id="app", redirect_uri=redirect_uri).redirect_uri


@pytest.mark.parametrize(
    "redirect", ["http://app.kit.com/apps/1", "javascript:alert(1)", "/apps/1", "https://"]
)
def test_the_request_refuses_an_app_store_redirect_that_is_not_absolute_https(
    redirect: str,
) -> None:
    with pytest.raises(ValueError, match="app_store_redirect must be an absolute https URL"):
        authorization_request(
            client_id="app", redirect_uri="https://app.example/cb", app_store_redirect=redirect
        )


# Callbacks that must not connect anything -----------------------------------


async def test_a_wrong_verifier_is_invalid_grant_and_saves_nothing(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    forged = AuthorizationRequest(
        url=pending.url,
        state=pending.state,
        code_verifier="x" * 64,
        redirect_uri=pending.redirect_uri,
        client_id=pending.client_id,
    )
    with pytest.raises(OAuthError) as caught:
        await finish(server, callback, forged, store)
    assert caught.value.error == "invalid_grant"
    assert caught.value.error_description
    assert await store.connected() == []


async def test_a_replayed_code_is_invalid_grant(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    await finish(server, callback, pending, store)
    second = MemoryTokenStore()
    with pytest.raises(OAuthError) as caught:
        await finish(server, callback, pending, second)
    assert caught.value.error == "invalid_grant"
    assert await second.connected() == []


async def test_an_expired_code_is_invalid_grant() -> None:
    now = [datetime(2026, 12, 7, 12, 0, tzinfo=UTC)]
    async with FakeKit(client_secret=SECRET, clock=lambda: now[0]) as server:
        store = MemoryTokenStore()
        pending = begin(server)
        callback = query_of(server.approve(pending.url))
        now[0] += timedelta(minutes=11)
        with pytest.raises(OAuthError) as caught:
            await finish(server, callback, pending, store)
    assert caught.value.error == "invalid_grant"
    assert await store.connected() == []


async def test_a_code_sent_to_another_redirect_uri_is_invalid_grant(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    elsewhere = AuthorizationRequest(
        url=pending.url,
        state=pending.state,
        code_verifier=pending.code_verifier,
        redirect_uri="http://127.0.0.1:9/unknown",
        client_id=pending.client_id,
    )
    with pytest.raises(OAuthError) as caught:
        await finish(server, callback, elsewhere, store)
    assert caught.value.error == "invalid_grant"
    assert await store.connected() == []


@pytest.mark.parametrize(
    "state", ["tampered", "", None], ids=["another-state", "empty-state", "no-state"]
)
async def test_a_callback_with_another_state_is_refused_before_the_exchange(
    server: FakeKit, state: str | None
) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    if state is None:
        del callback["state"]
    else:
        callback["state"] = state
    with pytest.raises(OAuthError, match="state") as caught:
        await finish(server, callback, pending, store)
    assert caught.value.error is None
    assert not any(r.path == "/v4/oauth/token" for r in server.requests)
    assert await store.connected() == []


@pytest.mark.parametrize(
    "state",
    [b"\xff\xfe", "\udcff\udcfe", 42],
    ids=["bytes-not-utf8", "surrogates", "not-a-string"],
)
async def test_a_state_that_is_not_utf8_text_is_a_clear_oauth_error(
    server: FakeKit, state: object
) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback: dict[str, object] = {"code": "abc", "state": state}
    with pytest.raises(OAuthError, match="state is not"):
        await connect(
            callback,
            pending=pending,
            client_id=server.client_id,
            token_store=store,
            base_url=server.url,
        )
    assert await store.connected() == []


async def test_a_callback_with_neither_code_nor_error_is_refused(server: FakeKit) -> None:
    pending = begin(server)
    with pytest.raises(OAuthError, match="neither a code nor an error"):
        await finish(server, {"state": pending.state}, pending, MemoryTokenStore())


async def test_access_denied_is_an_authorization_denied_error(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.deny(pending.url))
    with pytest.raises(AuthorizationDeniedError) as caught:
        await finish(server, callback, pending, store)
    assert caught.value.error == "access_denied"
    assert isinstance(caught.value, OAuthError)
    assert isinstance(caught.value, KitError)
    assert await store.connected() == []


async def test_another_error_of_the_callback_is_an_oauth_error(server: FakeKit) -> None:
    pending = begin(server)
    callback = {"state": pending.state, "error": "invalid_scope", "error_description": "no"}
    with pytest.raises(OAuthError) as caught:
        await finish(server, callback, pending, MemoryTokenStore())
    assert not isinstance(caught.value, AuthorizationDeniedError)
    assert (caught.value.error, caught.value.error_description) == ("invalid_scope", "no")


async def test_a_wrong_client_secret_is_invalid_client(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    with pytest.raises(OAuthError) as caught:
        await connect(
            callback,
            pending=pending,
            client_id=server.client_id,
            client_secret="wrong",
            token_store=store,
            base_url=server.url,
        )
    assert caught.value.error == "invalid_client"
    assert await store.connected() == []


async def test_an_account_kit_cannot_tell_is_an_oauth_error_and_saves_nothing(
    server: FakeKit,
) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    server.inject("truncated", path="/v4/account")
    with pytest.raises(OAuthError, match="account could not be learnt") as caught:
        await finish(server, callback, pending, store)
    assert isinstance(caught.value.__cause__, kit_async.ResponseValidationError)
    assert (caught.value.method, caught.value.path) == ("GET", "/v4/account")
    assert await store.connected() == []


# Revoking -----------------------------------------------------------------


async def test_revoke_makes_the_pair_fail_and_marks_the_account_disconnected(
    server: FakeKit,
) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    account = await finish(server, query_of(server.approve(pending.url)), pending, store)

    await revoke(
        account.tokens.access_token,
        client_id=server.client_id,
        client_secret=SECRET,
        account_id=account.account_id,
        token_store=store,
        base_url=server.url,
    )

    assert await store.status(account.account_id) == "disconnected"
    assert await store.load(account.account_id) is None
    async with kit_async.KitClient(
        access_token=account.tokens.access_token, base_url=server.url, max_retries=0
    ) as kit:
        with pytest.raises(kit_async.AuthenticationError):
            await kit.account.get()


async def test_a_refused_revoke_leaves_the_store_as_it_was(server: FakeKit) -> None:
    store = MemoryTokenStore()
    pending = begin(server)
    account = await finish(server, query_of(server.approve(pending.url)), pending, store)
    with pytest.raises(OAuthError) as caught:
        await revoke(
            account.tokens.access_token,
            client_id=server.client_id,
            client_secret="wrong",
            account_id=account.account_id,
            token_store=store,
            base_url=server.url,
        )
    assert caught.value.error == "invalid_client"
    assert await store.status(account.account_id) == "connected"


# Nothing secret shows ---------------------------------------------------------


async def test_no_secret_in_errors_reprs_or_log_records(
    server: FakeKit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = MemoryTokenStore()
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    failures: list[BaseException] = []
    wrong_verifier = AuthorizationRequest(
        url=pending.url,
        state=pending.state,
        code_verifier="y" * 50,
        redirect_uri=pending.redirect_uri,
        client_id=pending.client_id,
    )
    for attempt in (
        finish(server, {**callback, "state": "forged"}, pending, store),
        finish(server, callback, wrong_verifier, store),
        finish(server, callback, pending, store),  # the code is spent by now
    ):
        with pytest.raises(OAuthError) as caught:
            await attempt
        failures.append(caught.value)
    pending = begin(server)
    callback = query_of(server.approve(pending.url))
    account = await finish(server, callback, pending, store)
    with pytest.raises(OAuthError) as caught:
        await revoke(
            account.tokens.refresh_token,
            client_id=server.client_id,
            client_secret=SECRET + "x",
            base_url=server.url,
        )
    failures.append(caught.value)

    secrets = [
        SECRET,
        pending.state,
        pending.code_verifier,
        callback["code"],
        account.tokens.access_token,
        account.tokens.refresh_token,
    ]
    shown = [str(f) + repr(f) for f in failures]
    shown += [repr(pending), repr(account), repr(store)]
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        for secret in secrets:
            assert secret not in text
