"""What the fleet's commands check before they start: the database, Redis, the token store.

Each failure is one `_CommandError` naming what cannot be used (never a
URL's password) with the exit code `EXIT_CODES` lists, before any job runs
or any row is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import KitError
from ..sync import DatabaseError
from ..sync._accounts import prepare_database
from ..sync._sync import open_store
from ..sync._target import parse_database
from ._errors import EXIT_CONFIG, EXIT_LOCAL, _CommandError

if TYPE_CHECKING:
    from ..fleet import FleetConfig

logger = logging.getLogger("kit_async")


def where(url: str) -> str:
    """`url`'s scheme, host and port only: no user, password or path."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


async def check_database(url: str) -> None:
    """The sync database opens (made and migrated if need be), or `EXIT_LOCAL`/`EXIT_CONFIG`."""
    try:
        target = parse_database(url)
    except ValueError as exc:
        raise _CommandError(EXIT_CONFIG, f"--database: {exc}") from None
    try:
        open_store(target)
    except DatabaseError as exc:  # a missing driver
        raise _CommandError(EXIT_CONFIG, str(exc)) from None
    try:
        await prepare_database(target)
    except DatabaseError as exc:
        raise _CommandError(EXIT_LOCAL, str(exc)) from None


async def connected_accounts(url: str, key: str | list[str] | None) -> Sequence[int]:
    """The token store's connected accounts, or `EXIT_LOCAL`/`EXIT_CONFIG`."""
    from ..oauth import open_token_store

    try:
        store = open_token_store(url, encryption_key=key)
    except (ValueError, ImportError) as exc:
        raise _CommandError(EXIT_CONFIG, f"--token-store: {exc}") from None
    try:
        async with store:
            return sorted(await store.connected())
    except (KitError, OSError) as exc:
        msg = f"cannot use the token store at {where(url)}: {exc}"
        raise _CommandError(EXIT_LOCAL, msg) from None


async def check_redis(url: str) -> None:
    """The Redis of arq answers, or `EXIT_LOCAL`."""
    from arq.connections import create_pool

    from ..fleet._worker import redis_settings

    try:
        settings = redis_settings(url)
    except ValueError as exc:
        raise _CommandError(EXIT_CONFIG, f"--redis: {exc}") from None
    try:
        pool = await create_pool(settings)
    except Exception as exc:  # noqa: BLE001 - redis-py's errors, whatever their class
        msg = f"cannot reach Redis at {where(url)}: {type(exc).__name__}"
        raise _CommandError(EXIT_LOCAL, msg) from None
    await pool.aclose()


async def check_ready(config: FleetConfig) -> None:
    """Everything a worker needs answers; a warning if no account is connected yet.

    The database last: its check makes it (or its tables), so a worker that
    cannot start for want of Redis or the token store leaves nothing written.
    """
    await check_redis(config.redis)
    accounts = await connected_accounts(config.token_store, config.encryption_key)
    await check_database(config.database)
    if not accounts:
        logger.warning(
            "the token store has no connected account yet: "
            "each tick looks again (kit-async worker keeps running)"
        )
    else:
        logger.info("%d connected accounts", len(accounts))
