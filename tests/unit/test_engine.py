"""The engine every endpoint shares: one request value, one reply value, retry safety.

A write goes through the same transport as the clicks path. These tests send
writes with `kit.request()` (the escape hatch, which is how any endpoint
reaches the transport) to a real aiohttp server on loopback that records
what arrives and answers as scripted, so "sent exactly once" is counted where
it matters: at the server.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

import kit_async
from kit_async import (
    InternalServerError,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    RateLimitError,
    TokenSet,
)
from kit_async._core.values import Request, fill_path
from kit_async.testing import FakeKit

API_KEY = "kit_engine_secret_0123456789"


def client(server: Scripted, **options: Any) -> KitClient:
    options.setdefault("rate_limit", None)
    return KitClient(API_KEY, base_url=server.url, **options)


# -- the request value ------------------------------------------------------------------------


def test_path_parameters_are_quoted_into_the_path() -> None:
    assert fill_path("/v4/tags/{tag_id}/subscribers", {"tag_id": "a/b?c d#"}) == (
        "/v4/tags/a%2Fb%3Fc%20d%23/subscribers"
    )
    request = Request.to("GET", "/v4/broadcasts/{broadcast_id}", {"broadcast_id": 7})
    assert (request.path, dict(request.path_params)) == ("/v4/broadcasts/7", {"broadcast_id": 7})


@pytest.mark.parametrize(
    ("method", "retry_safe", "may_resend"),
    [
        ("GET", None, True),
        ("PUT", None, True),
        ("PATCH", None, True),
        ("DELETE", None, True),
        ("POST", None, False),
        ("POST", True, True),
        ("DELETE", False, False),
    ],
)
def test_retry_safety_follows_the_method_unless_the_endpoint_says(
    method: str, retry_safe: bool | None, may_resend: bool
) -> None:
    assert Request(method, "/v4/x", retry_safe=retry_safe).may_resend is may_resend


# -- writes through kit.request ---------------------------------------------------------------


async def test_a_json_body_is_sent_once_encoded_with_its_content_type(scripted: Scripted) -> None:
    when = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    async with client(scripted) as kit:
        answer = await kit.request(
            "post", "/v4/broadcasts", json={"subject": "Hi", "send_at": when, "public": False}
        )

    assert answer == {"ok": True}
    ((method, path, query, body, headers),) = scripted.received
    assert (method, path, query) == ("POST", "/v4/broadcasts", "")
    assert json.loads(body) == {
        "subject": "Hi",
        "send_at": "2026-11-27T12:00:00+00:00",
        "public": False,
    }
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Kit-Api-Key"] == API_KEY


async def test_a_204_answer_is_an_empty_reply_returned_as_none(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        assert await kit.request("DELETE", "/v4/broadcasts/9") is None
    assert [r[0] for r in scripted.received] == ["DELETE"]


async def test_a_delete_can_carry_a_body(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.request("DELETE", "/v4/bulk/tags/subscribers", json={"taggings": [{"tag_id": 1}]})
    assert json.loads(scripted.received[0][3]) == {"taggings": [{"tag_id": 1}]}


async def test_params_are_encoded_once_and_none_is_left_out(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        await kit.request(
            "GET", "/v4/subscribers", params={"email_address": "a+b@x.io", "slim": True, "x": None}
        )
    # "+" encoded (or Kit would read a space), each value once, None left out.
    assert parse_qsl(scripted.received[0][2]) == [("email_address", "a+b@x.io"), ("slim", "true")]


async def test_a_create_post_is_sent_exactly_once_after_a_500_that_reached_kit(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.Response(status=500))
    async with client(scripted, max_retries=6) as kit:
        with pytest.raises(InternalServerError) as info:
            await kit.request("POST", "/v4/broadcasts", json={"subject": "Once"})

    assert len(scripted.received) == 1  # a retry would have made a second broadcast
    assert (info.value.attempts, info.value.method, info.value.path) == (
        1,
        "POST",
        "/v4/broadcasts",
    )


async def test_a_retry_safe_post_goes_through_500_and_503(scripted: Scripted) -> None:
    scripted.answers += [web.Response(status=500), web.Response(status=503)]
    async with client(scripted, max_retries=6) as kit:
        answer = await kit.request(
            "POST", "/v4/subscribers", json={"email_address": "a@x.io"}, retry_safe=True
        )

    assert answer == {"ok": True}
    assert len(scripted.received) == 3
    assert {r[3] for r in scripted.received} == {b'{"email_address":"a@x.io"}'}


async def test_a_create_post_is_sent_again_after_a_429(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=429, text="Retry later"))
    async with client(scripted, max_retries=6) as kit:
        assert await kit.request("POST", "/v4/broadcasts", json={"subject": "Hi"}) == {"ok": True}
    assert len(scripted.received) == 2  # Kit refused the first: nothing was created


async def test_a_429_that_outlasts_the_retries_is_raised_with_its_attempts(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=429, text="Retry later") for _ in range(3)]
    async with client(scripted, max_retries=2) as kit:
        with pytest.raises(RateLimitError) as info:
            await kit.request("POST", "/v4/broadcasts", json={})
    assert info.value.attempts == 3


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("FETCH", "/v4/account", "method must be one of"),
        ("GET", "https://evil.example/v4/account", "path must be Kit's path"),
        ("GET", "//evil.example/v4", "path must be Kit's path"),
        ("GET", "v4/account", "path must be Kit's path"),
        ("GET", "/v4/subscribers?email_address=a", "use params="),
        ("GET", "/v4/sub scribers", "use params="),
    ],
)
async def test_the_escape_hatch_refuses_what_would_leave_kit_or_encode_twice(
    scripted: Scripted, method: str, path: str, message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(ValueError, match=message):
            await kit.request(method, path)
    assert scripted.received == []


async def test_an_error_names_the_request_and_its_ids(fake_kit: FakeKit, kit: KitClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await kit.broadcasts.get(999)

    error = info.value
    assert (error.method, error.path) == ("GET", "/v4/broadcasts/999")
    assert (dict(error.path_params), error.resource_id) == ({"id": 999}, 999)


# -- OAuth-only endpoints ---------------------------------------------------------------------


async def test_an_oauth_only_request_is_refused_to_an_api_key_before_sending(
    scripted: Scripted,
) -> None:
    request = Request("POST", "/v4/bulk/tags", json={"tags": []}, oauth_only=True)
    async with client(scripted) as kit:
        with pytest.raises(OAuthRequiredError, match="accepts only an OAuth access token") as info:
            await kit._transport.send(request)

    assert scripted.received == []
    assert isinstance(info.value, kit_async.KitError)
    assert API_KEY not in str(info.value)


async def test_an_oauth_only_request_is_sent_with_a_token(scripted: Scripted) -> None:
    request = Request("POST", "/v4/bulk/tags", json={"tags": []}, oauth_only=True)
    async with KitClient(access_token="tok_123", base_url=scripted.url, rate_limit=None) as kit:
        reply = await kit._transport.send(request)

    assert reply.status == 201
    assert scripted.received[0][4]["Authorization"] == "Bearer tok_123"


# -- OAuth: refresh before the token runs out -------------------------------------------------

ACCESS, REFRESH, CLIENT_ID = "fake_at_original", "fake_rt_original", "client-123"


async def test_a_token_past_its_expiry_is_refreshed_before_the_request_not_after_a_401() -> None:
    received: list[TokenSet] = []
    async with FakeKit(access_token=ACCESS, refresh_token=REFRESH, client_id=CLIENT_ID) as server:
        async with KitClient(
            access_token=ACCESS,
            refresh_token=REFRESH,
            client_id=CLIENT_ID,
            on_token_refresh=received.append,
            token_expires_at=time.time() + 5,  # inside the one-minute margin
            base_url=server.url,
            rate_limit=None,
        ) as kit:
            await kit.broadcasts.get(1)
            await kit.broadcasts.get(2)

        calls = [(r.method, r.path, r.status) for r in server.requests]

    assert calls == [
        ("POST", "/v4/oauth/token", 200),
        ("GET", "/v4/broadcasts/1", 200),
        ("GET", "/v4/broadcasts/2", 200),
    ]
    (tokens,) = received
    assert tokens.expires_at is not None
    assert tokens.expires_at > time.time() + 3600


async def test_a_token_far_from_its_expiry_is_not_refreshed() -> None:
    async with FakeKit(access_token=ACCESS, refresh_token=REFRESH, client_id=CLIENT_ID) as server:
        async with KitClient(
            access_token=ACCESS,
            refresh_token=REFRESH,
            client_id=CLIENT_ID,
            token_expires_at=datetime.fromtimestamp(time.time() + 3600, UTC),
            base_url=server.url,
            rate_limit=None,
        ) as kit:
            await asyncio.gather(kit.broadcasts.get(1), kit.broadcasts.get(2))
        assert server.refreshes == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [(datetime(2030, 1, 1), ValueError), ("2030-01-01", TypeError), (True, TypeError)],
)
def test_token_expires_at_must_be_unix_seconds_or_an_aware_datetime(
    value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="token_expires_at"):
        KitClient(access_token="tok", token_expires_at=value)


def test_a_token_set_knows_when_it_expires() -> None:
    tokens = TokenSet("a", "r", expires_in=7200, created_at=1_700_000_000)
    assert tokens.expires_at == 1_700_007_200.0
    assert TokenSet("a", "r").expires_at is None
