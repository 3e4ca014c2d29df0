"""`kit-async sync --account ID`: one account of a Kit App's token store, synced once."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from ..errors import KitError
from ..sync import SyncError
from ..sync._report import AccountSync
from ._errors import (
    EXIT_API,
    EXIT_CONFIG,
    EXIT_LOCAL,
    EXIT_NOT_FOUND,
    EXIT_OK,
    _CommandError,
    _run,
)
from ._fleet_checks import check_database, where
from ._options import sync_options
from ._stdio import _writing

if TYPE_CHECKING:
    from ..oauth import SharedTokenStore


def _setting(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise _CommandError(EXIT_CONFIG, f"--account needs {variable} set")
    return value


async def _check_account(store: SharedTokenStore, url: str, account_id: int) -> None:
    """The account is connected in the store (opened), or the command ends."""
    try:
        connected = sorted(await store.connected())
        status = await store.status(account_id)
    except (KitError, OSError) as exc:
        msg = f"cannot use the token store at {where(url)}: {exc}"
        raise _CommandError(EXIT_LOCAL, msg) from None
    if not connected and status is None:
        raise _CommandError(EXIT_NOT_FOUND, f"the token store at {where(url)} holds no account")
    if status is None:
        msg = f"account {account_id} is not in the token store (it holds {len(connected)})"
        raise _CommandError(EXIT_NOT_FOUND, msg)
    if status != "connected":
        msg = f"account {account_id} is {status}: its creator must connect the app again"
        raise _CommandError(EXIT_CONFIG, msg)


async def _sync(args: argparse.Namespace, url: str, keys: list[str]) -> AccountSync:
    from .._accounts import KitAccounts
    from ..oauth import open_token_store
    from ..sync import sync_accounts

    try:
        store = open_token_store(url, encryption_key=keys)
    except (ValueError, ImportError) as exc:
        raise _CommandError(EXIT_CONFIG, f"--token-store: {exc}") from None
    try:
        try:
            await store.open()
        except (KitError, OSError) as exc:
            msg = f"cannot use the token store at {where(url)}: {exc}"
            raise _CommandError(EXIT_LOCAL, msg) from None
        # Checked before the database is touched: nothing is written.
        await _check_account(store, url, args.account)
        await check_database(args.database)
        async with KitAccounts(
            token_store=store,
            client_id=_setting("KIT_CLIENT_ID"),
            client_secret=os.environ.get("KIT_CLIENT_SECRET") or None,
        ) as accounts:
            report = await sync_accounts(
                accounts,
                args.database,
                account_ids=[args.account],
                fetch_concurrency=args.concurrency,
                **sync_options(args),
            )
    finally:
        await store.aclose()
    return report.accounts[args.account]


def run_account(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Sync `args.account` from `args.token_store`; print its report; the exit code."""
    if args.account is None:
        parser.error("--token-store needs --account ID")
    url = args.token_store or os.environ.get("KIT_TOKEN_STORE_URL")
    if not url:
        parser.error("--account needs --token-store URL (or KIT_TOKEN_STORE_URL)")
    _setting("KIT_CLIENT_ID")
    keys = [part.strip() for part in _setting("KIT_TOKEN_STORE_KEY").split(",")]
    try:
        outcome = _run(_sync(args, url, keys))
    except SyncError as exc:
        raise _CommandError(EXIT_LOCAL, str(exc)) from None
    if outcome.outcome == "locked":
        raise _CommandError(EXIT_LOCAL, f"{outcome.error}; give --wait SECONDS to wait for it")
    if outcome.outcome == "disconnected":
        raise _CommandError(EXIT_CONFIG, f"account {args.account}: {outcome.error}")
    if outcome.outcome == "failed":
        raise _CommandError(EXIT_API, f"account {args.account}: {outcome.error}")
    with _writing("stdout"):
        sys.stdout.write(f"{outcome.report}\n")
        sys.stdout.flush()
    return EXIT_OK
