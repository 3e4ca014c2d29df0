"""FakeKit as Kit's OAuth authorization server: the page, the codes, PKCE, revocation."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from kit_async.testing import FakeKit

REDIRECT_URI = "http://127.0.0.1:9/callback"
VERIFIER = "v" * 43 + "-._~0123456789"


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(server: FakeKit, **changes: str) -> str:
    params = {
        "response_type": "code",
        "client_id": server.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "the-state",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }
    return f"{server.url}/v4/oauth/authorize?{urlencode(params)}"


class _Form(HTMLParser):
    """The hidden fields and the buttons of the page's one form."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = found["action"]
        elif tag == "input" and found.get("type") == "hidden":
            self.fields[found["name"]] = found["value"]
        elif tag == "button":
            self._button = (found["name"], found["value"])

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self.buttons[data.strip()] = self._button
            self._button = None


async def press(http: aiohttp.ClientSession, server: FakeKit, url: str, button: str) -> str:
    """Fetch the authorization page, press one of its buttons: where FakeKit redirects."""
    async with http.get(url) as page:
        assert page.status == 200
        assert page.content_type == "text/html"
        form = _Form()
        form.feed(await page.text())
    assert form.action is not None
    name, value = form.buttons[button]
    async with http.post(
        f"{server.url}{form.action}", data={**form.fields, name: value}, allow_redirects=False
    ) as answer:
        assert answer.status == 302
        return answer.headers["Location"]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def exchange(server: FakeKit, code: str, **changes: str) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": server.client_id,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
        **changes,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/v4/oauth/token", data=form) as answer,
    ):
        return answer.status, await answer.json()


async def test_allow_on_the_page_redirects_to_the_app_with_a_code_and_the_state() -> None:
    async with FakeKit() as server, aiohttp.ClientSession() as http:
        target = await press(http, server, authorize_url(server), "Allow")
    assert target.startswith(REDIRECT_URI + "?")
    query = query_of(target)
    assert query["state"] == "the-state"
    assert query["code"]


async def test_deny_on_the_page_redirects_with_access_denied_and_the_state() -> None:
    async with FakeKit() as server, aiohttp.ClientSession() as http:
        target = await press(http, server, authorize_url(server), "Deny")
    query = query_of(target)
    assert query["error"] == "access_denied"
    assert query["state"] == "the-state"
    assert "code" not in query


async def test_the_page_refuses_an_unknown_client_without_redirecting() -> None:
    async with (
        FakeKit() as server,
        aiohttp.ClientSession() as http,
        http.get(authorize_url(server, client_id="someone-else"), allow_redirects=False) as page,
    ):
        assert page.status == 400
        assert "client" in await page.text()


async def test_the_page_refuses_a_request_without_pkce() -> None:
    async with (
        FakeKit() as server,
        aiohttp.ClientSession() as http,
        http.get(authorize_url(server, code_challenge_method="plain")) as page,
    ):
        assert page.status == 400
        assert "PKCE" in await page.text()


async def test_a_code_yields_a_pair_that_works_for_the_api() -> None:
    async with FakeKit() as server:
        code = query_of(server.approve(authorize_url(server)))["code"]
        status, body = await exchange(server, code)
        assert status == 200
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{server.url}/v4/account",
                headers={"Authorization": f"Bearer {body['access_token']}"},
            ) as answer,
        ):
            assert answer.status == 200
            assert (await answer.json())["account"]["id"] == server.account.info["id"]


async def test_a_code_works_once() -> None:
    async with FakeKit() as server:
        code = query_of(server.approve(authorize_url(server)))["code"]
        assert (await exchange(server, code))[0] == 200
        status, body = await exchange(server, code)
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_description"]


async def test_a_code_expires_after_ten_minutes_of_fakekits_clock() -> None:
    now = [datetime(2026, 12, 7, 12, 0, tzinfo=UTC)]
    async with FakeKit(clock=lambda: now[0]) as server:
        fresh = query_of(server.approve(authorize_url(server)))["code"]
        stale = query_of(server.approve(authorize_url(server)))["code"]
        now[0] += timedelta(minutes=9, seconds=59)
        assert (await exchange(server, fresh))[0] == 200
        now[0] += timedelta(seconds=1)
        status, body = await exchange(server, stale)
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "change",
    [
        {"code_verifier": "w" * 43},
        {"code_verifier": ""},
        {"redirect_uri": "http://127.0.0.1:9/elsewhere"},
    ],
    ids=["wrong-verifier", "no-verifier", "another-redirect-uri"],
)
async def test_the_exchange_checks_pkce_and_the_redirect_uri(change: dict[str, str]) -> None:
    async with FakeKit() as server:
        code = query_of(server.approve(authorize_url(server)))["code"]
        status, body = await exchange(server, code, **change)
        # The code is spent by the failed attempt: a right one cannot follow.
        again, _ = await exchange(server, code)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert again == 400


async def test_the_exchange_checks_the_client_and_its_secret() -> None:
    async with FakeKit(client_secret="s3cret") as server:
        code = query_of(server.approve(authorize_url(server)))["code"]
        wrong_id = await exchange(server, code, client_id="other", client_secret="s3cret")
        wrong_secret = await exchange(server, code, client_secret="nope")
        code = query_of(server.approve(authorize_url(server)))["code"]
        right = await exchange(server, code, client_secret="s3cret")
    assert (wrong_id[0], wrong_id[1]["error"]) == (401, "invalid_client")
    assert (wrong_secret[0], wrong_secret[1]["error"]) == (401, "invalid_client")
    assert right[0] == 200


async def test_approve_refuses_a_request_the_page_would_refuse() -> None:
    async with FakeKit() as server:
        with pytest.raises(ValueError, match="client"):
            server.approve(authorize_url(server, client_id="other"))


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
async def test_revoking_either_token_revokes_the_pair(which: str) -> None:
    async with FakeKit(client_secret="s3cret") as server:
        code = query_of(server.approve(authorize_url(server)))["code"]
        _, pair = await exchange(server, code, client_secret="s3cret")
        async with aiohttp.ClientSession() as http:
            revoke_form = {
                "token": pair[which],
                "client_id": server.client_id,
                "client_secret": "s3cret",
            }
            async with http.post(f"{server.url}/v4/oauth/revoke", data=revoke_form) as answer:
                assert answer.status == 200
            bearer = {"Authorization": f"Bearer {pair['access_token']}"}
            async with http.get(f"{server.url}/v4/account", headers=bearer) as answer:
                assert answer.status == 401
        refresh = {
            "grant_type": "refresh_token",
            "refresh_token": pair["refresh_token"],
            "client_id": server.client_id,
            "client_secret": "s3cret",
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{server.url}/v4/oauth/token", data=refresh) as answer,
        ):
            assert answer.status == 400
