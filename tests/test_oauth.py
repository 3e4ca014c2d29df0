"""OAuth: an expired access token is refreshed once, and the new pair handed over.

End to end against FakeKit's token endpoint (`/v4/oauth/token`), which
rotates refresh tokens like Kit: once a pair is issued, the old refresh
token stops working.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from kit_async import AuthenticationError, KitClient, TokenSet
from kit_async.testing import FakeKit

ACCESS, REFRESH, CLIENT_ID = "fake_at_original", "fake_rt_original", "client-123"
TOKEN_PATH = "/v4/oauth/token"


@pytest.fixture
async def oauth_kit() -> AsyncIterator[FakeKit]:
    # A little latency keeps ten concurrent requests in flight together.
    async with FakeKit(
        access_token=ACCESS, refresh_token=REFRESH, client_id=CLIENT_ID, latency=0.05
    ) as server:
        yield server


def client(server: FakeKit, **options: object) -> KitClient:
    settings: dict[str, object] = {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "base_url": server.url,
        "rate_limit": None,
    }
    settings.update(options)
    return KitClient(**settings)  # type: ignore[arg-type]


def token_requests(server: FakeKit) -> int:
    return sum(1 for r in server.requests if r.path == TOKEN_PATH)


async def test_an_expired_token_is_refreshed_once_for_ten_concurrent_requests(
    oauth_kit: FakeKit,
) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit) as kit:
        broadcasts = await asyncio.gather(*(kit.broadcasts.get(i) for i in range(1, 11)))
    assert [b.id for b in broadcasts] == list(range(1, 11))
    assert oauth_kit.refreshes == 1
    assert token_requests(oauth_kit) == 1
    statuses = [r.status for r in oauth_kit.requests if r.path != TOKEN_PATH]
    # All ten saw the expiry, and all ten then succeeded with the new token.
    assert sorted(statuses) == [200] * 10 + [401] * 10


async def test_after_a_refresh_later_requests_use_the_new_token(oauth_kit: FakeKit) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit) as kit:
        await kit.broadcasts.get(1)
        await kit.broadcasts.get(2)
    assert [r.status for r in oauth_kit.requests] == [401, 200, 200, 200]
    assert oauth_kit.refreshes == 1


def _plain(received: list[TokenSet]) -> Callable[[TokenSet], None]:
    def on_token_refresh(tokens: TokenSet) -> None:
        received.append(tokens)

    return on_token_refresh


def _coroutine(received: list[TokenSet]) -> Callable[[TokenSet], object]:
    async def on_token_refresh(tokens: TokenSet) -> None:
        await asyncio.sleep(0)
        received.append(tokens)

    return on_token_refresh


@pytest.mark.parametrize("make_callback", [_plain, _coroutine], ids=["function", "coroutine"])
async def test_the_callback_receives_the_new_access_and_refresh_token(
    oauth_kit: FakeKit, make_callback: Callable[[list[TokenSet]], Callable[[TokenSet], object]]
) -> None:
    received: list[TokenSet] = []
    oauth_kit.expire_tokens()
    async with client(oauth_kit, on_token_refresh=make_callback(received)) as kit:
        await kit.broadcasts.get(1)
    (tokens,) = received
    assert tokens.access_token.startswith("fake_at_")
    assert tokens.refresh_token.startswith("fake_rt_")
    assert (tokens.access_token, tokens.refresh_token) != (ACCESS, REFRESH)
    assert tokens.token_type == "Bearer"
    assert tokens.expires_in == 7200

    # The new access token works on its own ...
    async with client(oauth_kit, access_token=tokens.access_token) as kit:
        assert (await kit.broadcasts.get(1)).id == 1
    # ... and so does the new refresh token, once the new access token expires.
    oauth_kit.expire_tokens()
    async with client(
        oauth_kit, access_token=tokens.access_token, refresh_token=tokens.refresh_token
    ) as kit:
        assert (await kit.broadcasts.get(1)).id == 1
    assert oauth_kit.refreshes == 2


async def test_kit_rotates_so_the_old_refresh_token_no_longer_works(oauth_kit: FakeKit) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit) as kit:
        await kit.broadcasts.get(1)
    oauth_kit.expire_tokens()
    async with client(oauth_kit) as stale:  # still holds the original REFRESH
        with pytest.raises(AuthenticationError, match="authorization grant is invalid"):
            await stale.broadcasts.get(1)
    assert oauth_kit.refreshes == 1


async def test_a_failed_refresh_raises_authentication_error_with_kits_description(
    oauth_kit: FakeKit,
) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit, refresh_token="fake_rt_revoked") as kit:
        with pytest.raises(AuthenticationError) as caught:
            await kit.broadcasts.get(1)
    error = caught.value
    assert error.status_code == 400
    assert error.path == TOKEN_PATH
    assert error.errors == (
        "The provided authorization grant is invalid, expired, revoked, does not match "
        "the redirection URI used in the authorization request, or was issued to "
        "another client.",
    )
    assert str(error).startswith("POST /v4/oauth/token answered 400: The provided")
    assert oauth_kit.refreshes == 0


async def test_a_failed_refresh_is_sent_once_for_ten_concurrent_requests(
    oauth_kit: FakeKit,
) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit, refresh_token="fake_rt_revoked") as kit:
        results = await asyncio.gather(
            *(kit.broadcasts.get(i) for i in range(1, 11)), return_exceptions=True
        )
    assert all(isinstance(result, AuthenticationError) for result in results)
    assert {str(result) for result in results} == {str(results[0])}
    assert "authorization grant is invalid" in str(results[0])
    assert token_requests(oauth_kit) == 1


async def test_a_refresh_with_the_wrong_client_id_says_so(oauth_kit: FakeKit) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit, client_id="someone-else") as kit:
        with pytest.raises(AuthenticationError, match="Client authentication failed"):
            await kit.broadcasts.get(1)


async def test_a_failed_refresh_does_not_call_the_callback(oauth_kit: FakeKit) -> None:
    received: list[TokenSet] = []
    oauth_kit.expire_tokens()
    async with client(
        oauth_kit, refresh_token="fake_rt_revoked", on_token_refresh=received.append
    ) as kit:
        with pytest.raises(AuthenticationError):
            await kit.broadcasts.get(1)
    assert received == []


async def test_an_invalid_token_is_not_refreshed(oauth_kit: FakeKit) -> None:
    async with client(oauth_kit, access_token="fake_at_unknown") as kit:
        with pytest.raises(AuthenticationError, match="The access token is invalid"):
            await kit.broadcasts.get(1)
    assert token_requests(oauth_kit) == 0
    assert oauth_kit.refreshes == 0


async def test_an_expired_token_without_a_refresh_token_raises(oauth_kit: FakeKit) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit, refresh_token=None) as kit:
        with pytest.raises(AuthenticationError, match="The access token expired"):
            await kit.broadcasts.get(1)
    assert token_requests(oauth_kit) == 0


async def test_the_token_url_defaults_to_the_base_url(oauth_kit: FakeKit) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit) as kit:
        await kit.broadcasts.get(1)
    # FakeKit only knows the refresh token, so the refresh went to it.
    token_calls = [r for r in oauth_kit.requests if r.method == "POST"]
    assert [r.path for r in token_calls] == [TOKEN_PATH]


async def test_a_token_url_can_point_elsewhere(oauth_kit: FakeKit) -> None:
    # A second server, which knows the refresh token, answers the refresh.
    async with FakeKit(refresh_token=REFRESH, client_id=CLIENT_ID) as issuer:
        oauth_kit.expire_tokens()
        async with client(oauth_kit, token_url=f"{issuer.url}{TOKEN_PATH}") as kit:
            with pytest.raises(AuthenticationError, match="The access token is invalid"):
                await kit.broadcasts.get(1)  # the issuer's token is unknown to oauth_kit
        assert issuer.refreshes == 1
    assert token_requests(oauth_kit) == 0


async def test_a_mid_pagination_refresh_loses_no_click(oauth_kit: FakeKit) -> None:
    oauth_kit.latency = 0.0
    async with client(oauth_kit) as kit:
        seen = []
        async for click in kit.iter_broadcast_clicks(1, per_page=300):
            seen.append(click.url)
            if len(seen) == 300:
                oauth_kit.expire_tokens()
    assert seen == [c["url"] for c in oauth_kit.clicks_of(1)]
    assert oauth_kit.refreshes == 1
