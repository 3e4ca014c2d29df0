"""OAuth: an expired access token is refreshed once, and the new pair handed over.

End to end against FakeKit's token endpoint (`/v4/oauth/token`), which
rotates refresh tokens like Kit: once a pair is issued, the old refresh
token stops working.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import pickle
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from kit_async import AuthenticationError, KitClient, KitError, TokenSaveError, TokenSet
from kit_async._core.auth import OAuthAuth
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
    async with client(oauth_kit, refresh_token=None, client_id=None) as kit:
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


# -- a refresh set-up that cannot work is refused at construction -----------------------------


def test_a_refresh_token_without_a_client_id_is_refused() -> None:
    with pytest.raises(ValueError, match="refresh_token is given without client_id") as caught:
        KitClient(access_token=ACCESS, refresh_token=REFRESH)
    assert "Pass client_id=" in str(caught.value)
    assert REFRESH not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"client_id": CLIENT_ID}, "client_id is only used to refresh"),
        ({"client_secret": "s3cret"}, "client_secret is only used to refresh"),
        ({"on_token_refresh": print}, "on_token_refresh is only used to refresh"),
        ({"token_url": "https://api.kit.com/v4/oauth/token"}, "token_url is only used"),
        (
            {"client_id": CLIENT_ID, "client_secret": "s3cret"},
            "client_id and client_secret are only used to refresh",
        ),
    ],
)
def test_refresh_options_without_a_refresh_token_are_refused(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named) as caught:
        KitClient(access_token=ACCESS, **options)
    assert "no refresh_token is given" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"refresh_token": REFRESH, "client_id": CLIENT_ID}, "refresh_token and client_id are"),
        ({"token_expires_at": 2_000_000_000}, "token_expires_at is for an OAuth"),
        ({"on_token_refresh": print}, "on_token_refresh is for an OAuth"),
    ],
)
def test_oauth_options_with_an_api_key_are_refused(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named) as caught:
        KitClient("kit_the_key", **options)
    assert "this client has an API key; pass access_token=" in str(caught.value)
    assert "kit_the_key" not in str(caught.value)
    assert REFRESH not in str(caught.value)


def test_oauth_options_with_an_api_key_from_the_environment_say_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_from_env")
    with pytest.raises(ValueError, match=r"API key \(from KIT_API_KEY\)"):
        KitClient(refresh_token=REFRESH, client_id=CLIENT_ID)


@pytest.mark.parametrize("name", ["refresh_token", "client_id", "client_secret"])
def test_an_empty_refresh_credential_is_refused(name: str) -> None:
    options: dict[str, Any] = {"refresh_token": REFRESH, "client_id": CLIENT_ID, name: "  "}
    with pytest.raises(ValueError, match=f"{name} must be a non-empty string"):
        KitClient(access_token=ACCESS, **options)


def test_a_callback_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="on_token_refresh must be a function"):
        KitClient(
            access_token=ACCESS,
            refresh_token=REFRESH,
            client_id=CLIENT_ID,
            on_token_refresh="save_tokens",  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"token_expires_at": 2_000_000_000},
        {"refresh_token": REFRESH, "client_id": CLIENT_ID},
        {
            "refresh_token": REFRESH,
            "client_id": CLIENT_ID,
            "client_secret": "s3cret",
            "on_token_refresh": print,
            "token_expires_at": 2_000_000_000,
            "token_url": "https://api.kit.com/v4/oauth/token",
        },
    ],
    ids=["token-only", "token-with-expiry", "refreshable", "everything"],
)
def test_working_oauth_set_ups_are_accepted(options: dict[str, Any]) -> None:
    assert "auth=oauth" in repr(KitClient(access_token=ACCESS, **options))


# -- one refresh, one log line ----------------------------------------------------------------


async def test_one_refresh_for_fifty_concurrent_calls_logs_one_line(
    oauth_kit: FakeKit, caplog: pytest.LogCaptureFixture
) -> None:
    oauth_kit.expire_tokens()
    caplog.set_level(logging.INFO, logger="kit_async")
    async with client(oauth_kit) as kit:
        await asyncio.gather(*(kit.broadcasts.get(1 + i % 10) for i in range(50)))
    assert oauth_kit.refreshes == 1
    refreshing = [r for r in caplog.records if "refreshing" in r.getMessage()]
    assert [r.getMessage() for r in refreshing] == ["access token expired; refreshing it"]


async def test_one_early_refresh_for_fifty_concurrent_calls_logs_one_line(
    oauth_kit: FakeKit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kit_async")
    async with client(oauth_kit, token_expires_at=0) as kit:
        await asyncio.gather(*(kit.broadcasts.get(1 + i % 10) for i in range(50)))
    assert oauth_kit.refreshes == 1
    refreshing = [r for r in caplog.records if "refreshing" in r.getMessage()]
    assert len(refreshing) == 1


# -- a refused refresh describes the token request ---------------------------------------------


async def test_a_refused_refresh_describes_the_token_request_not_the_call(
    oauth_kit: FakeKit,
) -> None:
    oauth_kit.expire_tokens()
    async with client(oauth_kit, refresh_token="fake_rt_revoked") as kit:
        with pytest.raises(AuthenticationError) as caught:
            await kit.broadcasts.get(7)
        with pytest.raises(AuthenticationError) as queued:  # the shared failure, raised again
            await kit.broadcasts.get(7)
    for error in (caught.value, queued.value):
        assert (error.method, error.path) == ("POST", TOKEN_PATH)
        assert dict(error.path_params) == {}
        assert error.resource_id is None
        assert str(error).startswith("POST /v4/oauth/token answered 400")


async def test_a_refused_refresh_during_a_page_carries_no_page_cursor(oauth_kit: FakeKit) -> None:
    oauth_kit.latency = 0.0
    async with client(oauth_kit, refresh_token="fake_rt_revoked") as kit:
        first = await kit.broadcasts.clicks(1, per_page=100)
        oauth_kit.expire_tokens()
        with pytest.raises(AuthenticationError) as caught:
            await kit.broadcasts.clicks(1, per_page=100, after=first.pagination.end_cursor)
    assert caught.value.path == TOKEN_PATH
    assert caught.value.cursor is None
    assert dict(caught.value.path_params) == {}


# -- a callback that cannot save the new pair -------------------------------------------------


class FlakyStore:
    """An `on_token_refresh` whose store is down for the first `failures` calls."""

    def __init__(self, failures: int, *, coroutine: bool = False) -> None:
        self.failures = failures
        self.calls = 0
        self.saved: list[TokenSet] = []
        self.coroutine = coroutine

    def _save(self, tokens: TokenSet) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            # The store's message quotes the token, as some databases' errors do.
            msg = f"token store unreachable while writing {tokens.refresh_token}"
            raise ConnectionError(msg)
        self.saved.append(tokens)

    def callback(self) -> Callable[[TokenSet], object]:
        if not self.coroutine:
            return self._save

        async def save(tokens: TokenSet) -> None:
            await asyncio.sleep(0)
            self._save(tokens)

        return save


@pytest.mark.parametrize("coroutine", [False, True], ids=["function", "coroutine"])
async def test_a_failing_callback_raises_token_save_error_and_is_called_again(
    oauth_kit: FakeKit, coroutine: bool
) -> None:
    store = FlakyStore(failures=1, coroutine=coroutine)
    oauth_kit.expire_tokens()
    async with client(oauth_kit, on_token_refresh=store.callback()) as kit:
        with pytest.raises(TokenSaveError) as caught:
            await kit.broadcasts.get(1)
        assert store.calls == 1
        assert store.saved == []
        # The next call offers the pair again, then goes on with the new token.
        assert (await kit.broadcasts.get(2)).id == 2
    error = caught.value
    assert isinstance(error, KitError)
    assert isinstance(error.__cause__, ConnectionError)
    assert "on_token_refresh raised ConnectionError" in str(error)
    assert (error.method, error.path, error.resource_id) == ("GET", "/v4/broadcasts/1", 1)
    (tokens,) = store.saved
    assert store.calls == 2
    assert tokens.refresh_token not in str(error)
    assert oauth_kit.refreshes == 1
    # The saved pair is the one in use, and the one Kit holds as valid.
    sent = [r for r in oauth_kit.requests if r.path == "/v4/broadcasts/2"]
    assert [r.status for r in sent] == [200]
    oauth_kit.expire_tokens()
    async with client(
        oauth_kit, access_token=tokens.access_token, refresh_token=tokens.refresh_token
    ) as again:
        assert (await again.broadcasts.get(1)).id == 1
    assert oauth_kit.refreshes == 2


async def test_calls_fail_unsent_while_the_callback_keeps_failing(oauth_kit: FakeKit) -> None:
    store = FlakyStore(failures=3)
    oauth_kit.expire_tokens()
    async with client(oauth_kit, on_token_refresh=store.callback()) as kit:
        for _ in range(3):
            with pytest.raises(TokenSaveError):
                await kit.broadcasts.get(1)
        sent_while_unsaved = len(oauth_kit.requests)
        await kit.broadcasts.get(1)
    assert store.calls == 4
    assert len(store.saved) == 1
    # One 401, one token request; the two calls after it were not sent.
    assert sent_while_unsaved == 2
    assert oauth_kit.refreshes == 1


async def test_a_failed_save_is_logged_at_error_without_any_token(
    oauth_kit: FakeKit, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore(failures=1)
    oauth_kit.expire_tokens()
    caplog.set_level(logging.DEBUG, logger="kit_async")
    async with client(oauth_kit, on_token_refresh=store.callback()) as kit:
        with pytest.raises(TokenSaveError):
            await kit.broadcasts.get(1)
        await kit.broadcasts.get(1)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "saved the refreshed token pair after all" in caplog.records[-1].getMessage()
    assert "on_token_refresh raised ConnectionError" in errors[0].getMessage()
    (tokens,) = store.saved
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (tokens.access_token, tokens.refresh_token, REFRESH, ACCESS):
        assert secret not in text
    assert errors[0].exc_info is None  # a traceback would print the store's message


async def test_concurrent_calls_behind_a_failed_save_share_its_error(oauth_kit: FakeKit) -> None:
    store = FlakyStore(failures=1)
    oauth_kit.expire_tokens()
    async with client(oauth_kit, on_token_refresh=store.callback()) as kit:
        results = await asyncio.gather(
            *(kit.broadcasts.get(i) for i in range(1, 11)), return_exceptions=True
        )
        assert all(isinstance(result, TokenSaveError) for result in results)
        assert store.calls == 1  # not once per waiting call
        await kit.broadcasts.get(1)
    assert store.calls == 2
    assert oauth_kit.refreshes == 1


async def test_closing_the_client_offers_an_unsaved_pair_once_more(oauth_kit: FakeKit) -> None:
    store = FlakyStore(failures=1)
    oauth_kit.expire_tokens()
    kit = client(oauth_kit, on_token_refresh=store.callback())
    with pytest.raises(TokenSaveError):
        await kit.broadcasts.get(1)
    await kit.aclose()
    assert kit.closed
    assert len(store.saved) == 1


async def test_closing_with_a_pair_that_still_cannot_be_saved_raises(oauth_kit: FakeKit) -> None:
    store = FlakyStore(failures=2)
    oauth_kit.expire_tokens()
    kit = client(oauth_kit, on_token_refresh=store.callback())
    with pytest.raises(TokenSaveError):
        await kit.broadcasts.get(1)
    with pytest.raises(TokenSaveError, match="the client is closed all the same"):
        await kit.aclose()
    assert kit.closed
    assert store.calls == 2


# -- auth objects hold credentials: no pickle, no copy ----------------------------------------


def test_the_oauth_auth_refuses_to_pickle_or_copy() -> None:
    auth = OAuthAuth(
        ACCESS,
        refresh_token=REFRESH,
        client_id=CLIENT_ID,
        client_secret="s3cret",
        token_url="https://api.kit.com/v4/oauth/token",
        on_token_refresh=None,
    )
    for clone in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="OAuthAuth holds a Kit credential"):
            clone(auth)


def test_a_token_set_still_pickles_and_copies() -> None:
    tokens = TokenSet(ACCESS, REFRESH, expires_in=7200, created_at=1_700_000_000)
    assert pickle.loads(pickle.dumps(tokens)) == tokens  # noqa: S301 - our own bytes
    assert copy.deepcopy(tokens) == tokens
