"""What the StoreAuth unit tests share: a scripted Kit token endpoint, pairs, stores.

Each `StoreAuth` stands for one worker process: two of them on one
`MemoryTokenStore` are two workers sharing a store. Kit's token endpoint is a
scripted `exchange` that rotates refresh tokens as Kit does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

from kit_async import AuthenticationError, TokenSet
from kit_async._core.store_auth import StoreAuth
from kit_async._core.values import Reply, Request
from kit_async.errors import BadRequestError
from kit_async.oauth import MemoryTokenStore

__all__ = [
    "ACCOUNT",
    "REQUEST",
    "TOKEN_URL",
    "ScriptedKit",
    "auth_for",
    "expired_401",
    "expired_pair",
    "fresh_pair",
    "invalid_401",
    "no_exchange",
    "stored",
]

ACCOUNT = 42
TOKEN_URL = "http://127.0.0.1:1/v4/oauth/token"
REQUEST = Request("GET", "/v4/account")


def expired_pair(name: str = "first") -> TokenSet:
    return TokenSet(
        access_token=f"at-{name}",
        refresh_token=f"rt-{name}",
        expires_in=7200,
        created_at=int(time.time()) - 8000,
    )


def fresh_pair(name: str) -> TokenSet:
    return TokenSet(
        access_token=f"at-{name}",
        refresh_token=f"rt-{name}",
        expires_in=7200,
        created_at=int(time.time()),
    )


class ScriptedKit:
    """Kit's token endpoint: each refresh token works once, then a new pair is issued."""

    def __init__(self, valid_refresh: str = "rt-first", *, status: int = 400) -> None:
        self.valid = {valid_refresh}
        self.refreshes = 0
        self.status = status
        self.forms: list[Mapping[str, str]] = []

    async def exchange(self, url: str, form: Mapping[str, str]) -> Reply:
        assert url == TOKEN_URL
        self.forms.append(dict(form))
        await asyncio.sleep(0.01)  # concurrent requests pile up meanwhile
        if form["refresh_token"] not in self.valid:
            raise BadRequestError(
                method="POST",
                path="/v4/oauth/token",
                status_code=self.status,
                errors=["The provided authorization grant is invalid"],
            )
        self.valid.discard(form["refresh_token"])
        self.refreshes += 1
        access, refresh = f"at-new{self.refreshes}", f"rt-new{self.refreshes}"
        self.valid.add(refresh)
        body = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 7200,
            "created_at": int(time.time()),
            "token_type": "Bearer",
        }
        return Reply(200, {}, json.dumps(body).encode())


def auth_for(store: Any, **options: Any) -> StoreAuth:
    settings: dict[str, Any] = {
        "client_id": "client-123",
        "client_secret": "app-secret",
        "token_url": TOKEN_URL,
    }
    settings.update(options)
    return StoreAuth(store, ACCOUNT, **settings)


async def stored(store: MemoryTokenStore, tokens: TokenSet) -> MemoryTokenStore:
    await store.save(ACCOUNT, tokens)
    return store


def expired_401() -> AuthenticationError:
    return AuthenticationError(
        method="GET", path="/v4/account", status_code=401, errors=["The access token expired"]
    )


def invalid_401() -> AuthenticationError:
    return AuthenticationError(
        method="GET", path="/v4/account", status_code=401, errors=["The access token is invalid"]
    )


async def no_exchange(url: str, form: Mapping[str, str]) -> Reply:
    raise AssertionError("Kit was asked")
