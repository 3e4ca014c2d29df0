"""`KitClient(token_store=..., account_id=...)`: the options checked before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from kit_async import KitClient
from kit_async._core.store_auth import StoreAuth
from kit_async.oauth import MemoryTokenStore

STORE = MemoryTokenStore()


def build(**options: Any) -> KitClient:
    settings: dict[str, Any] = {"token_store": STORE, "account_id": 42, "client_id": "client-123"}
    settings.update(options)
    return KitClient(**settings)


async def test_a_client_from_a_store_has_kits_oauth_limit_and_a_store_auth() -> None:
    kit = build(client_secret="app-secret", base_url="http://127.0.0.1:9")
    auth = kit._transport.auth
    assert isinstance(auth, StoreAuth)
    assert auth.account_id == 42
    assert auth.token_url == "http://127.0.0.1:9/v4/oauth/token"
    assert kit.rate_limit is not None
    assert (kit.rate_limit.requests, kit.rate_limit.period) == (600, 60.0)
    assert "auth=oauth" in repr(kit)
    assert "app-secret" not in repr(kit)
    await kit.aclose()


async def test_the_environment_credential_is_not_read_with_a_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_API_KEY", "kit_from_the_environment")
    kit = build()
    assert isinstance(kit._transport.auth, StoreAuth)
    await kit.aclose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"account_id": None}, "without account_id"),
        ({"client_id": None}, "without client_id"),
        ({"api_key": "kit_key"}, "api_key is not used with token_store"),
        ({"access_token": "at"}, "access_token is not used with token_store"),
        ({"refresh_token": "rt"}, "refresh_token is not used"),
        ({"on_token_refresh": print}, "on_token_refresh is not used"),
        ({"token_expires_at": 1.0}, "token_expires_at is not used"),
        (
            {"access_token": "at", "refresh_token": "rt"},
            "access_token and refresh_token are not used",
        ),
        ({"account_id": 0}, "positive"),
        ({"account_id": -3}, "positive"),
        ({"token_store": None}, "account_id is given without token_store"),
        (
            {"token_store": None, "account_id": None, "on_disconnected": print},
            "without token_store",
        ),
        ({"client_secret": ""}, "client_secret must be a non-empty string"),
    ],
)
def test_a_set_up_that_cannot_work_is_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(**options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"account_id": True}, "account_id must be an int, got bool"),
        ({"account_id": "42"}, "account_id must be an int, got str"),
        ({"token_store": {"42": "pair"}}, "token_store must be a kit_async.oauth.TokenStore"),
        ({"on_disconnected": "email me"}, "on_disconnected must be a function"),
    ],
)
def test_an_argument_of_the_wrong_type_is_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        build(**options)
