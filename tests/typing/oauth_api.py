"""`kit_async.oauth` (connecting a creator) used the way users will, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from typing import assert_type

from aiohttp import web

from kit_async import (
    AccountDisconnectedError,
    AuthorizationDeniedError,
    KitClient,
    OAuthError,
    TokenSet,
)
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


async def callback(request: web.Request, pending: AuthorizationRequest) -> str:
    store: TokenStore = MemoryTokenStore()
    try:
        account = await connect(
            request.query, pending=pending, client_id="app", client_secret="s", token_store=store
        )
    except AuthorizationDeniedError as denied:
        assert_type(denied.error, str | None)
        return "/"
    except OAuthError as failed:
        assert_type(failed.error_description, str | None)
        raise
    assert_type(account, ConnectedAccount)
    assert_type(account.account_id, int)
    assert_type(account.tokens, TokenSet)
    assert_type(account.app_store_redirect, str | None)
    await revoke(
        account.tokens.access_token,
        client_id="app",
        client_secret="s",
        account_id=account.account_id,
        token_store=store,
    )
    return account.app_store_redirect or "/connected"


def start(server: FakeKit) -> str:
    pending = authorization_request(client_id="app", redirect_uri="https://app.example/cb")
    assert_type(pending.url, str)
    assert_type(pending.app_store_redirect, str | None)
    authorization_request("app", "https://app.example/cb")  # type: ignore[call-arg]
    return server.approve(pending.url) + server.deny(pending.url)


async def saving(store: MemoryTokenStore, tokens: TokenSet) -> bool:
    async with store.lock(1):
        return await store.save(1, tokens, replacing=tokens.refresh_token)


async def client_from_a_store(store: TokenStore) -> None:
    async def on_disconnected(account_id: int, reason: str) -> None:
        print(account_id, reason)

    async with KitClient(
        token_store=store,
        account_id=42,
        client_id="app",
        client_secret="s",
        on_disconnected=on_disconnected,
    ) as kit:
        try:
            await kit.account.get()
        except AccountDisconnectedError as gone:
            assert_type(gone.account_id, int)
            assert_type(gone.reason, str)
    KitClient(token_store=store, account_id="42", client_id="app")  # type: ignore[arg-type]
    KitClient(token_store={}, account_id=42, client_id="app")  # type: ignore[arg-type]
