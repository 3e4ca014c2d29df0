"""The arq side of a fleet: the scheduler's tick, one account's sync job, the worker's life.

Each tick (an arq cron job, unique per tick, so one worker of the fleet runs
it), the scheduler enqueues one `sync_account` job per connected account of
the token store, under the account's own job id (`JOB_ID`): arq refuses a
second job of that id while the first is queued or running, so a slow sync
is never doubled, and whichever worker is free takes it. A disconnected
account is no longer listed, so no longer enqueued; a job of it queued
before runs once, and `sync_accounts` marks it disconnected. A worker killed
mid-sync loses nothing (each broadcast is written in one transaction): arq
hands the job to another worker when its in-progress mark expires
(`job_timeout` + 10 s), and that sync goes on where the rows are.
"""

from __future__ import annotations

import logging
from typing import Any

from .._accounts import KitAccounts
from ..oauth import open_token_store
from ..sync._accounts import prepare_database, sync_one
from ..sync._target import parse_database
from ._config import FleetConfig, cron_times

try:
    from arq import Retry, cron, func
    from arq.connections import RedisSettings, create_pool
except ImportError as exc:  # pragma: no cover - the [fleet] extra is missing
    msg = "kit_async.fleet needs arq: pip install 'kit-async[fleet]'"
    raise ImportError(msg) from exc

from ._stop import STOPPING

__all__ = ["JOB_ID", "enqueue_account_sync", "worker_settings"]

logger = logging.getLogger("kit_async")

#: The arq job id of an account's sync: one at a time per account, fleet-wide.
JOB_ID = "kit-async:sync:{account_id}"


def redis_settings(url: str) -> RedisSettings:
    """The settings of arq for the Redis at `url`, giving up after a few seconds."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 2
    return settings


async def _startup(ctx: dict[str, Any]) -> None:
    """Open the token store and the accounts' pool, once per worker."""
    config: FleetConfig = ctx["kit_async_config"]
    # The database is made (or migrated) once, not at each job.
    target = parse_database(config.database)
    await prepare_database(target)
    ctx["kit_async_target"] = target
    store = open_token_store(config.token_store, encryption_key=config.encryption_key)
    await store.open()
    ctx["kit_async_store"] = store
    ctx["kit_async_accounts"] = KitAccounts(
        token_store=store,
        client_id=config.client_id,
        client_secret=config.client_secret,
        base_url=config.base_url,
    )


async def _shutdown(ctx: dict[str, Any]) -> None:
    accounts: KitAccounts | None = ctx.get("kit_async_accounts")
    if accounts is not None:
        await accounts.aclose()
    store = ctx.get("kit_async_store")
    if store is not None:
        await store.aclose()


async def schedule_syncs(ctx: dict[str, Any]) -> int:
    """The tick: enqueue a sync of each connected account; how many were enqueued."""
    accounts: KitAccounts = ctx["kit_async_accounts"]
    enqueued = 0
    for account_id in await accounts.connected():
        job = await ctx["redis"].enqueue_job(
            "sync_account", account_id, _job_id=JOB_ID.format(account_id=account_id)
        )
        enqueued += job is not None
    logger.info("tick %s: %d account syncs enqueued", ctx.get("job_id"), enqueued)
    return enqueued


async def sync_account(ctx: dict[str, Any], account_id: int) -> str:
    """One account's sync (as `sync_accounts` syncs each); its outcome."""
    stopping = ctx.get(STOPPING)
    if stopping is not None and stopping.is_set():
        # Taken as its worker stops (see `FleetWorker`): back to the queue, for another one.
        raise Retry
    outcome = await sync_one(ctx["kit_async_accounts"], ctx["kit_async_target"], account_id)
    if outcome.error:
        logger.warning("account %d: %s: %s", account_id, outcome.outcome, outcome.error)
    return outcome.outcome


def worker_settings(config: FleetConfig) -> dict[str, Any]:
    """The keyword arguments of `arq.worker.Worker` for a fleet worker with `config`.

    ```python
    settings = worker_settings(FleetConfig.from_environment())
    await arq.worker.Worker(**settings).async_run()
    ```
    """
    return {
        "functions": [
            # No result kept: the account's job id is free again as soon as it ends.
            func(sync_account, name="sync_account", keep_result=0, max_tries=1000),
        ],
        "cron_jobs": [
            cron(
                schedule_syncs,
                name="kit-async:schedule",
                unique=True,
                # The tick's id stays taken until the next one: a slow worker
                # seeing the tick late schedules nothing twice.
                keep_result=config.every,
                **cron_times(config.every),  # type: ignore[arg-type]
            )
        ],
        "redis_settings": redis_settings(config.redis),
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "ctx": {"kit_async_config": config},
        "max_jobs": config.concurrency,
        "job_timeout": config.job_timeout,
        "keep_result": 0,
    }


async def enqueue_account_sync(redis_url: str, account_id: int) -> bool:
    """Ask the fleet to sync `account_id` now, rather than at the next tick.

    For the code that connects a creator (after `complete_connection` saved
    the pair): the account's first sync starts as soon as a worker is free.

    Returns:
        `True` if enqueued; `False` if a sync of the account is already
        queued or running (it is not doubled).
    """
    pool = await create_pool(redis_settings(redis_url))
    try:
        job = await pool.enqueue_job(
            "sync_account", account_id, _job_id=JOB_ID.format(account_id=account_id)
        )
    finally:
        await pool.aclose()
    return job is not None


async def _startup_from_environment(ctx: dict[str, Any]) -> None:
    ctx.setdefault("kit_async_config", FleetConfig.from_environment())
    await _startup(ctx)


def settings_from_environment() -> dict[str, Any]:
    """`worker_settings` of the environment's pace; the rest is read when the worker starts.

    What `WorkerSettings` holds: importing it needs no variable but those of
    the pace (`KIT_SYNC_EVERY`, `KIT_SYNC_CONCURRENCY`) and `KIT_REDIS_URL`.
    """
    unread = dict.fromkeys(("database", "token_store", "encryption_key", "client_id"), "-")
    placeholder = FleetConfig.from_environment(None, **unread)
    settings = worker_settings(placeholder)
    del settings["ctx"]
    settings["on_startup"] = _startup_from_environment
    return settings
