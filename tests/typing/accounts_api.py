"""`kit_async.KitAccounts` used the way users will, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_type

from kit_async import KitAccounts, KitClient
from kit_async.models import Account
from kit_async.oauth import MemoryTokenStore


async def on_disconnected(account_id: int, reason: str) -> None:
    print(account_id, reason)


async def serve() -> None:
    async with KitAccounts(
        token_store=MemoryTokenStore(),
        client_id="app",
        client_secret="secret",
        rate_limit_storage="redis://localhost:6379/0",
        on_disconnected=on_disconnected,
        connection_limit=50,
        idle_after=30.0,
    ) as accounts:
        assert_type(await accounts.connected(), Sequence[int])
        kit = accounts.client(7)
        assert_type(kit, KitClient)
        assert_type(await kit.account.get(), Account)
        assert_type(accounts.held_accounts, int)
        accounts.client("7")  # type: ignore[arg-type]
    KitAccounts(client_id="app")  # type: ignore[call-arg]
