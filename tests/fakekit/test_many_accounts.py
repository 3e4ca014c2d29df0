"""FakeKit as a Kit with many creators: each account's data, tokens, OAuth, refreshes, limits.

Every test talks to the server over HTTP (aiohttp on loopback), as an app
acting for several creators would.
"""

from __future__ import annotations

import base64
import hashlib
import re
import types
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kit_async.testing import FakeKit
from kit_async.testing import _credentials as credentials_module

REDIRECT_URI = "http://127.0.0.1:9/callback"
VERIFIER = "v" * 43 + "-._~0123456789"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def get(
    http: aiohttp.ClientSession, server: FakeKit, path: str, headers: dict[str, str]
) -> tuple[int, Any]:
    async with http.get(f"{server.url}{path}", headers=headers) as answer:
        return answer.status, await answer.json()


async def whose(http: aiohttp.ClientSession, server: FakeKit, headers: dict[str, str]) -> int:
    """The id of the account `GET /v4/account` answers for these credentials."""
    status, body = await get(http, server, "/v4/account", headers)
    assert status == 200, body
    return int(body["account"]["id"])


async def token_grant(
    http: aiohttp.ClientSession, server: FakeKit, **form: str
) -> tuple[int, dict[str, Any]]:
    data = {"client_id": server.client_id, **form}
    async with http.post(f"{server.url}/v4/oauth/token", data=data) as answer:
        return answer.status, await answer.json()


async def refresh(
    http: aiohttp.ClientSession, server: FakeKit, refresh_token: str, **form: str
) -> tuple[int, dict[str, Any]]:
    return await token_grant(
        http, server, grant_type="refresh_token", refresh_token=refresh_token, **form
    )


def authorize_url(server: FakeKit, **extra: str) -> str:
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    params = {
        "response_type": "code",
        "client_id": server.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "the-state",
        "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{server.url}/v4/oauth/authorize?{urlencode(params)}"


def code_of(callback_url: str) -> str:
    return parse_qs(urlsplit(callback_url).query)["code"][0]


async def exchange(
    http: aiohttp.ClientSession, server: FakeKit, code: str
) -> tuple[int, dict[str, Any]]:
    return await token_grant(
        http,
        server,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=VERIFIER,
    )


# -- several accounts ----------------------------------------------------------------------


async def test_accounts_n_makes_n_accounts_with_their_own_ids_names_and_api_keys(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=3) as server:
        assert list(server.accounts) == [1, 2, 3]
        assert server.account is server.accounts[1]
        keys = {account.credentials.api_key for account in server.accounts.values()}
        assert len(keys) == 3
        for account_id, account in server.accounts.items():
            status, body = await get(
                http, server, "/v4/account", {"X-Kit-Api-Key": account.credentials.api_key}
            )
            assert status == 200
            assert body["account"]["id"] == account_id
            assert body["account"]["name"] == account.name
            assert body["user"]["email"] == account.info["primary_email_address"]
        names = [account.name for account in server.accounts.values()]
        assert names == ["FakeKit", "Creator 2", "Creator 3"]


async def test_add_account_takes_the_next_id_or_a_chosen_one_and_refuses_a_taken_one() -> None:
    async with FakeKit() as server:
        bob = server.add_account(name="Bob")
        carol = server.add_account(name="Carol", account_id=5000)
        dave = server.add_account()
        assert (bob.id, carol.id, dave.id) == (2, 5000, 5001)
        assert server.accounts[5000] is carol
        with pytest.raises(ValueError, match="already has an account 2"):
            server.add_account(account_id=2)
        with pytest.raises(ValueError, match="another FakeKit account"):
            server.add_account(api_key=server.api_key)


async def test_the_first_account_stays_server_account_after_other_accounts_requests(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit() as server:
        bob = server.add_account(name="Bob")
        access, _ = server.issue_tokens(account=bob)
        async with http.post(
            f"{server.url}/v4/tags", json={"name": "Bob's"}, headers=bearer(access)
        ) as answer:
            assert answer.status == 201
        assert server.account.name == "FakeKit"
        assert server.account.tags == {}
        assert [tag.name for tag in bob.tags.values()] == ["Bob's"]


# -- the gate serves the credential's account -----------------------------------------------


async def test_a_token_sees_its_own_accounts_data_and_never_anothers(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(broadcasts=0) as server:
        alice = server.account
        bob = server.add_account(name="Bob", broadcasts=0)
        alice.add_subscriber("a1@example.com")
        bob.add_subscriber("b1@example.com")
        bob.add_subscriber("b2@example.com")
        alice_token, _ = server.issue_tokens(account=alice.id)
        bob_token, _ = server.issue_tokens(account=bob.id)

        status, body = await get(http, server, "/v4/subscribers", bearer(alice_token))
        assert status == 200
        assert [s["email_address"] for s in body["subscribers"]] == ["a1@example.com"]
        status, body = await get(http, server, "/v4/subscribers", bearer(bob_token))
        assert sorted(s["email_address"] for s in body["subscribers"]) == [
            "b1@example.com",
            "b2@example.com",
        ]
        # Ids count per account (as Kit's are account-scoped): Bob's second
        # subscriber is id 2, which Alice's token cannot reach.
        status, _ = await get(http, server, "/v4/subscribers/2", bearer(alice_token))
        assert status == 404
        assert await whose(http, server, bearer(alice_token)) == alice.id
        assert await whose(http, server, {"X-Kit-Api-Key": bob.credentials.api_key}) == bob.id


async def test_a_write_with_one_accounts_token_changes_only_that_account(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2) as server:
        first, second = server.accounts.values()
        token, _ = server.issue_tokens(account=second)
        async with http.put(
            f"{server.url}/v4/account/colors", json={"colors": ["#123456"]}, headers=bearer(token)
        ) as answer:
            assert answer.status == 200
        assert second.colors == ["#123456"]
        assert first.colors == ["#008000", "#FF0000"]


async def test_an_unknown_token_and_api_key_are_refused(http: aiohttp.ClientSession) -> None:
    async with FakeKit(accounts=2) as server:
        status, body = await get(http, server, "/v4/account", bearer("fake_at_nobodys"))
        assert (status, body["errors"]) == (401, ["The access token is invalid"])
        status, body = await get(http, server, "/v4/account", {"X-Kit-Api-Key": "kit_nobodys"})
        assert (status, body["errors"]) == (401, ["The API key is invalid"])


# -- OAuth: the creator who allows the app ------------------------------------------------


async def test_approve_as_an_account_gives_a_code_for_that_accounts_tokens(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit() as server:
        bob = server.add_account(name="Bob")
        for chosen, expected in ((bob, bob.id), (bob.id, bob.id), (None, 1)):
            code = code_of(server.approve(authorize_url(server), account=chosen))
            status, pair = await exchange(http, server, code)
            assert status == 200
            assert await whose(http, server, bearer(pair["access_token"])) == expected
        assert server.code_exchanges == {bob.id: 2, 1: 1}
        with pytest.raises(KeyError, match="no account 99"):
            server.approve(authorize_url(server), account=99)


async def test_the_authorize_page_offers_every_account_and_preselects_the_first(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=3) as server:
        async with http.get(authorize_url(server)) as page:
            text = await page.text()
        async with http.get(authorize_url(server, account_id="3")) as page:
            preselected = await page.text()
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', text)
    assert options == [
        ("1", " selected", "FakeKit"),
        ("2", "", "Creator 2"),
        ("3", "", "Creator 3"),
    ]
    assert '<select id="account_id" name="account_id">' in text
    # The buttons the browser tests press are unchanged.
    assert '<button type="submit" name="decision" value="allow">Allow</button>' in text
    assert '<button type="submit" name="decision" value="deny">Deny</button>' in text
    assert re.search(r'<option value="3" selected>', preselected)
    assert '<input type="hidden" name="account_id"' not in preselected


async def test_allowing_on_the_page_as_the_chosen_account_yields_its_tokens(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2) as server:
        query = dict(parse_qs(urlsplit(authorize_url(server)).query))
        form = {name: values[0] for name, values in query.items()}
        async with http.post(
            f"{server.url}/v4/oauth/authorize",
            data={**form, "account_id": "2", "decision": "allow"},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 302
            callback = answer.headers["Location"]
        status, pair = await exchange(http, server, code_of(callback))
        assert status == 200
        assert await whose(http, server, bearer(pair["access_token"])) == 2
        # Another account's code once spent is spent: replaying it is refused.
        status, body = await exchange(http, server, code_of(callback))
        assert (status, body["error"]) == (400, "invalid_grant")
        async with http.post(
            f"{server.url}/v4/oauth/authorize",
            data={**form, "account_id": "99", "decision": "allow"},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 400
            assert "no such Kit account" in await answer.text()


async def test_approve_reads_the_account_from_the_urls_account_id(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2) as server:
        code = code_of(server.approve(authorize_url(server, account_id="2")))
        _, pair = await exchange(http, server, code)
        assert await whose(http, server, bearer(pair["access_token"])) == 2


# -- refresh rotation, revocation and the counters, per account ----------------------------


async def test_a_refresh_gives_the_same_accounts_pair_and_kills_its_refresh_token_at_once(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2) as server:
        _, alice_refresh = server.issue_tokens(account=1)
        bob_access, bob_refresh = server.issue_tokens(account=2)

        status, pair = await refresh(http, server, bob_refresh)
        assert status == 200
        assert await whose(http, server, bearer(pair["access_token"])) == 2
        status, body = await refresh(http, server, bob_refresh)  # rotated away
        assert (status, body["error"]) == (400, "invalid_grant")
        status, _ = await refresh(http, server, "fake_rt_never_issued")
        assert status == 400
        # Alice's refresh token is untouched by Bob's rotation.
        status, alice_pair = await refresh(http, server, alice_refresh)
        assert status == 200
        assert await whose(http, server, bearer(alice_pair["access_token"])) == 1
        # Bob's old access token still works until it expires, as Kit's does.
        assert await whose(http, server, bearer(bob_access)) == 2

    assert server.refreshes == {1: 1, 2: 1}
    assert (server.refreshes[1], server.refreshes[2], server.refreshes[3]) == (1, 1, 0)
    assert server.refreshes == 2  # the total, as the single-account counter read
    assert server.refused_refreshes == {2: 1, None: 1}


async def test_revoking_one_accounts_token_leaves_the_other_accounts_working(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2, client_secret="s3cret") as server:
        alice_access, alice_refresh = server.issue_tokens(account=1)
        bob_access, _ = server.issue_tokens(account=2)
        form = {"client_id": server.client_id, "client_secret": "s3cret", "token": alice_access}
        async with http.post(f"{server.url}/v4/oauth/revoke", data=form) as answer:
            assert answer.status == 200
        status, _ = await get(http, server, "/v4/account", bearer(alice_access))
        assert status == 401
        # The revoked token's pair: its refresh token is dead too.
        status, body = await refresh(http, server, alice_refresh, client_secret="s3cret")
        assert (status, body["error"]) == (400, "invalid_grant")
        assert await whose(http, server, bearer(bob_access)) == 2
    assert server.refused_refreshes[1] == 1


async def test_expire_tokens_for_one_account_or_all(http: aiohttp.ClientSession) -> None:
    async with FakeKit(accounts=3) as server:
        tokens = {
            account_id: server.issue_tokens(account=account_id)[0] for account_id in (1, 2, 3)
        }
        server.expire_tokens(account=2)
        status, body = await get(http, server, "/v4/account", bearer(tokens[2]))
        assert (status, body["errors"]) == (401, ["The access token expired"])
        assert await whose(http, server, bearer(tokens[1])) == 1
        assert await whose(http, server, bearer(tokens[3])) == 3
        server.expire_tokens(account=server.accounts[3])
        assert await whose(http, server, bearer(tokens[1])) == 1
        server.expire_tokens()
        for token in tokens.values():
            status, _ = await get(http, server, "/v4/account", bearer(token))
            assert status == 401


async def test_token_ttl_is_the_servers_default_and_each_accounts_own(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(token_ttl=3600) as server:
        bob = server.add_account(token_ttl=120)
        forever = server.add_account(token_ttl=None)
        lifetimes = {}
        for account in (server.account, bob, forever):
            _, refresh_token = server.issue_tokens(account=account)
            status, pair = await refresh(http, server, refresh_token)
            assert status == 200
            lifetimes[account.id] = pair["expires_in"]
    assert lifetimes == {1: 3600, bob.id: 120, forever.id: 7200}  # Kit's 2 hours when unset
    assert server.token_ttl == 3600


async def test_tokens_expire_on_the_wall_clock_not_on_an_event_loop(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(credentials_module, "time", types.SimpleNamespace(time=lambda: now[0]))
    async with FakeKit(accounts=2, token_ttl=60) as server:
        token, _ = server.issue_tokens(account=2)
        assert server.accounts[2].credentials.expiry(token) == now[0] + 60
        now[0] += 59.9
        assert await whose(http, server, bearer(token)) == 2
        now[0] += 0.1
        status, body = await get(http, server, "/v4/account", bearer(token))
    assert (status, body["errors"]) == (401, ["The access token expired"])


# -- a rate-limit budget per credential ----------------------------------------------------


async def test_each_accounts_credential_has_its_own_rate_limit_budget(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(accounts=2, rate_limit=(2, 60.0)) as server:
        alice, bob = (
            {"X-Kit-Api-Key": account.credentials.api_key} for account in server.accounts.values()
        )
        statuses = [(await get(http, server, "/v4/account", alice))[0] for _ in range(2)]
        async with http.get(f"{server.url}/v4/account", headers=alice) as answer:
            statuses.append(answer.status)
        assert statuses == [200, 200, 429]
        assert [(await get(http, server, "/v4/account", bob))[0] for _ in range(2)] == [200, 200]
        assert server.rate_limited == 1


async def test_token_rate_limit_sets_the_access_tokens_budget_apart_from_the_api_keys(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeKit(rate_limit=(1, 60.0), token_rate_limit=(3, 60.0)) as server:
        token, _ = server.issue_tokens()
        key = {"X-Kit-Api-Key": server.api_key}
        token_statuses, key_statuses = [], []
        for _ in range(4):
            async with http.get(f"{server.url}/v4/account", headers=bearer(token)) as answer:
                token_statuses.append(answer.status)
        for _ in range(2):
            async with http.get(f"{server.url}/v4/account", headers=key) as answer:
                key_statuses.append(answer.status)
    assert token_statuses == [200, 200, 200, 429]
    assert key_statuses == [200, 429]


# -- webhooks: each account's endpoints --------------------------------------------------


async def test_emit_for_an_account_reaches_its_endpoints_with_its_records() -> None:
    received: list[tuple[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/{who}", receive)
    async with TestServer(app) as receiver, FakeKit() as server:
        bob = server.add_account(name="Bob")
        server.add_webhook_endpoint(str(receiver.make_url("/alice")), ["subscriber.created"])
        bob.add_webhook_endpoint(str(receiver.make_url("/bob")), ["subscriber.created"])
        fan = bob.add_subscriber("fan@example.com")
        [delivery] = await server.emit("subscriber.created", account=bob, subscriber=fan)
        assert delivery.status == 204
        [first] = await server.emit("subscriber.created")
        assert first.status == 204
    assert [path for path, _ in received] == ["/bob", "/alice"]
    assert received[0][1]["events"][0]["data"]["subscriber"]["email_address"] == ("fan@example.com")
