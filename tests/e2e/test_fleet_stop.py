"""A fleet worker's stop hands its jobs back to the queue at once (`FleetWorker`).

In-process workers on a real redis-server, FakeKit and a SQLite database.
The stop comes at the two moments arq's own stop mishandles: just after
Redis marked a job in progress (before the job's task exists), and in the
middle of a sync. Each time the job must be back in the queue, with no
in-progress mark left, so that another worker takes it at once (not
`job_timeout` + 10 s later).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fleet_support import CLIENT_SECRET, WAIT
from sync_db import assert_mirrors, read
from token_store_support import redis_server

from kit_async import TokenSet
from kit_async.oauth import open_token_store
from kit_async.testing import FakeKit

pytestmark = [
    pytest.mark.requires_extra("fleet"),
    pytest.mark.requires_extra("sync"),
    pytest.mark.requires_extra("apps"),
    # arq 0.28's Worker.close() calls redis-py's deprecated close().
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

JOB = "kit-async:sync:1"
IN_PROGRESS = f"arq:in-progress:{JOB}"
QUEUE = "arq:queue"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(
        accounts=1, broadcasts=6, clicks=2, drafts=0, client_secret=CLIENT_SECRET
    ) as fake:
        yield fake


@pytest.fixture
async def settings(server: FakeKit, redis_url: str, tmp_path: Path) -> dict[str, Any]:
    """A worker's settings: one connected account, no tick during the test, a long timeout."""
    from cryptography.fernet import Fernet

    from kit_async.fleet import FleetConfig, worker_settings

    key = Fernet.generate_key().decode()
    store = f"sqlite:///{tmp_path / 'tokens.db'}"
    async with open_token_store(store, encryption_key=key) as tokens:
        access, refresh = server.issue_tokens(account=1)
        await tokens.save(1, TokenSet(access, refresh, expires_in=7200))
    config = FleetConfig(
        database=str(tmp_path / "clicks.sqlite"),
        token_store=store,
        encryption_key=key,
        client_id=server.client_id,
        client_secret=CLIENT_SECRET,
        redis=redis_url,
        every=3600,
        # A mark left behind would hold the job this long (plus 10 s).
        job_timeout=600,
        base_url=server.url,
    )
    return worker_settings(config)


async def _queue_state(redis_url: str) -> tuple[int, float | None]:
    """(whether the job's in-progress mark exists, its score in the queue or `None`)."""
    from arq.connections import create_pool

    from kit_async.fleet._worker import redis_settings

    pool = await create_pool(redis_settings(redis_url))
    try:
        marked = await pool.exists(IN_PROGRESS)
        score = await pool.zscore(QUEUE, JOB)
    finally:
        await pool.aclose()
    return int(marked), score


async def _next_worker_syncs_it(settings: dict[str, Any], server: FakeKit) -> None:
    """A second worker (burst: it ends once the queue is empty) takes the job and syncs it."""
    from kit_async.fleet._stop import FleetWorker

    await asyncio.wait_for(FleetWorker(**settings, burst=True).serve(), WAIT)
    assert_mirrors(await read(settings["ctx"]["kit_async_config"].database, 1), server)


async def test_a_stop_as_redis_marks_a_job_in_progress_hands_the_job_back(
    settings: dict[str, Any],
    server: FakeKit,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from redis.asyncio.client import Pipeline

    from kit_async.fleet import enqueue_account_sync
    from kit_async.fleet._stop import FleetWorker

    caplog.set_level(logging.INFO)
    worker = FleetWorker(**settings)
    execute = Pipeline.execute
    stops: list[int] = []

    async def stopping_after_the_mark(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        marking = any(
            command[0] == "PSETEX" and str(command[1]) == IN_PROGRESS
            for command, _ in self.command_stack
        )
        result = await execute(self, *args, **kwargs)
        if marking and not stops:
            # SIGTERM arrives while the worker awaits Redis's answer: the job
            # is marked in progress, its task not made yet.
            stops.append(1)
            worker.handle_sig(signal.SIGTERM)
            await asyncio.sleep(0)
        return result

    monkeypatch.setattr(Pipeline, "execute", stopping_after_the_mark)
    assert await enqueue_account_sync(redis_url, 1)

    await asyncio.wait_for(worker.serve(), WAIT)

    assert stops, "the worker never marked the job in progress"
    marked, score = await _queue_state(redis_url)
    assert marked == 0
    assert score is not None
    assert "shutdown on SIGTERM" in caplog.text
    # No request was made: the job went back before its sync began.
    assert server.requests == []
    monkeypatch.undo()
    await _next_worker_syncs_it(settings, server)


async def test_a_stop_mid_sync_hands_the_job_back(
    settings: dict[str, Any],
    server: FakeKit,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kit_async.fleet import enqueue_account_sync
    from kit_async.fleet._stop import FleetWorker
    from kit_async.sync._accounts import sync_one

    caplog.set_level(logging.INFO)
    server.latency = 0.05
    syncing = asyncio.Event()

    async def noted(*args: Any, **kwargs: Any) -> Any:
        syncing.set()
        return await sync_one(*args, **kwargs)

    monkeypatch.setattr("kit_async.fleet._worker.sync_one", noted)
    worker = FleetWorker(**settings)
    assert await enqueue_account_sync(redis_url, 1)
    serving = asyncio.ensure_future(worker.serve())
    await asyncio.wait_for(syncing.wait(), WAIT)
    worker.handle_sig(signal.SIGTERM)
    await asyncio.wait_for(serving, WAIT)

    marked, score = await _queue_state(redis_url)
    assert marked == 0
    assert score is not None
    assert f"{JOB}:sync_account cancelled, will be run again" in caplog.text
    server.latency = 0.0
    await _next_worker_syncs_it(settings, server)
