"""`kit_async.sync` used the way users will, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from typing import assert_type

from kit_async import KitAccounts, KitClient
from kit_async.oauth import MemoryTokenStore
from kit_async.sync import AccountsReport, AccountSync, SyncReport, sync_accounts, sync_clicks


async def one(kit: KitClient) -> None:
    report = await sync_clicks(kit, "kit-clicks.sqlite", wait=5.0)
    assert_type(report, SyncReport)
    assert_type(report.account_id, int | None)


async def many() -> None:
    async with KitAccounts(token_store=MemoryTokenStore(), client_id="app") as accounts:
        report = await sync_accounts(
            accounts, "postgresql://kit@db/clicks", account_ids=[1, 2], concurrency=8, wait=1.0
        )
        assert_type(report, AccountsReport)
        assert_type(report.accounts[1], AccountSync)
        assert_type(report.accounts[1].report, SyncReport | None)
        assert_type(report.by_outcome("failed"), list[int])
        assert_type(report.requests, int)
        report.by_outcome("broken")  # type: ignore[arg-type]
        await sync_accounts(accounts, "kit.sqlite", concurrency="8")  # type: ignore[arg-type]
