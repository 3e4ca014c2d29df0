"""A RateLimit backed by Redis: one budget for several OS processes.

The fixture starts a real `redis-server` on a free loopback port; where the
binary is missing the tests are skipped with that reason, never passed.
Each worker is a separate Python process with its own `KitClient`, all of
them sending to one `FakeKit` started here, which records arrival times.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from kit_async import KitClient, KitError, RateLimit, RateLimitStorageError, RetryPolicy
from kit_async.testing import FakeKit

# The shared window counts whole seconds: ceil(1 s + margin) = 2 s, stricter
# than the server's 1 s, so the two must never disagree.
N, PERIOD = 4, 1.0
PER_WORKER = 4

WORKER = textwrap.dedent(
    """
    import asyncio, json, sys

    import kit_async

    async def main(url, api_key, storage, requests, period, count):
        limit = kit_async.RateLimit(requests, period, storage=storage)
        refused = 0
        async with kit_async.KitClient(
            api_key, base_url=url, rate_limit=limit, max_retries=0, timeout=10.0
        ) as kit:
            async def one():
                nonlocal refused
                try:
                    await kit.broadcasts.get(1)
                except kit_async.RateLimitError:
                    refused += 1
            await asyncio.gather(*(one() for _ in range(count)))
        print(json.dumps({"refused": refused}))

    url, api_key, storage, requests, period, count = sys.argv[1:]
    asyncio.run(main(url, api_key, storage or None, int(requests), float(period), int(count)))
    """
)


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of `times` inside any window (t - period, t]."""
    times = sorted(times)
    most = start = 0
    for end, now in enumerate(times):
        while times[start] <= now - period:
            start += 1
        most = max(most, end - start + 1)
    return most


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server process on one loopback port, which a test may stop and restart."""

    def __init__(self, binary: str, directory: Path) -> None:
        self._binary = binary
        self._directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
            [
                *[self._binary, "--port", str(self.port), "--bind", "127.0.0.1"],
                *["--save", "", "--appendonly", "no", "--dir", str(self._directory)],
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5.0
        while not _answers_ping(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=5)
            self._process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A throwaway redis-server on loopback, stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server not installed (apt-get install redis-server); .ci/run installs it"
        )
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


async def _run_workers(server: FakeKit, storage: str, workers: int = 2) -> list[dict[str, int]]:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            server.url,
            server.api_key,
            storage,
            str(N),
            str(PERIOD),
            str(PER_WORKER),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    reports = []
    for process in processes:
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, err.decode()
        reports.append(json.loads(out))
    return reports


@pytest.mark.redis
@pytest.mark.requires_extra("redis")
async def test_two_processes_sharing_a_redis_limiter_never_exceed_the_budget(
    redis_url: str,
) -> None:
    async with FakeKit(rate_limit=(N, PERIOD)) as server:
        reports = await _run_workers(server, redis_url)
    assert [r["refused"] for r in reports] == [0, 0]
    assert server.rate_limited == 0
    times = [r.at for r in server.requests]
    assert len(times) == 2 * PER_WORKER
    assert most_in_any_window(times, PERIOD) <= N


async def test_two_processes_with_in_memory_limiters_do_exceed_the_budget() -> None:
    # The contrast: without shared storage each process spends its own N.
    async with FakeKit(rate_limit=(N, PERIOD)) as server:
        reports = await _run_workers(server, "")
    assert sum(r["refused"] for r in reports) > 0
    assert server.rate_limited > 0


@pytest.mark.requires_extra("redis")
def test_a_redis_limiter_counts_whole_seconds_rounded_up() -> None:
    # Built without connecting: nothing listens on port 1.
    limit = RateLimit(N, PERIOD, storage="redis://127.0.0.1:1/0")
    assert limit._window._item.get_expiry() == 2  # type: ignore[attr-defined]
    assert repr(limit) == "RateLimit(4, 1.0, in shared storage)"


@pytest.mark.requires_extra("redis")
def test_an_unknown_storage_scheme_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported rate-limit storage scheme 'nosuch'"):
        RateLimit(N, PERIOD, storage="nosuch://127.0.0.1/0")


# -- a Redis outage ---------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.requires_extra("redis")
async def test_a_redis_outage_raises_rate_limit_storage_error_and_sends_nothing(
    redis_server: RedisServer, fake_kit: FakeKit
) -> None:
    limit = RateLimit(10, 1.0, storage=redis_server.url)
    try:
        async with KitClient(
            fake_kit.api_key, base_url=fake_kit.url, rate_limit=limit, max_retries=2
        ) as kit:
            await kit.broadcasts.get(1)
            redis_server.stop()
            with pytest.raises(RateLimitStorageError) as info:
                await kit.broadcasts.get(2)
    finally:
        await limit.aclose()

    error = info.value
    assert isinstance(error, KitError)
    assert (error.method, error.path, error.attempts) == ("GET", "/v4/broadcasts/2", 3)
    assert error.storage == redis_server.url
    assert "not sent" in str(error)
    assert [request.path for request in fake_kit.requests] == ["/v4/broadcasts/1"]


@pytest.mark.redis
@pytest.mark.requires_extra("redis")
async def test_requests_wait_out_a_short_redis_outage_then_go_through(
    redis_server: RedisServer, fake_kit: FakeKit
) -> None:
    limit = RateLimit(10, 1.0, storage=redis_server.url)
    policy = RetryPolicy(max_retries=50, backoff_initial=0.05, backoff_max=0.1)
    try:
        with stamina.set_testing(False):  # real waits: the outage must outlast some retries
            async with KitClient(
                fake_kit.api_key, base_url=fake_kit.url, rate_limit=limit, retry=policy
            ) as kit:
                await kit.broadcasts.get(1)
                redis_server.stop()
                pending = asyncio.create_task(kit.broadcasts.get(2))
                await asyncio.sleep(0.5)
                assert not pending.done()
                assert len(fake_kit.requests) == 1
                await asyncio.to_thread(redis_server.start)
                broadcast = await asyncio.wait_for(pending, 20)
    finally:
        await limit.aclose()

    assert broadcast.id == 2
    assert [request.path for request in fake_kit.requests] == [
        "/v4/broadcasts/1",
        "/v4/broadcasts/2",
    ]


@pytest.mark.requires_extra("redis")
async def test_a_storage_error_never_shows_the_storage_password(fake_kit: FakeKit) -> None:
    url = f"redis://:hunter2-secret@127.0.0.1:{_free_port()}/0"  # nothing listens there
    limit = RateLimit(10, 1.0, storage=url)
    try:
        async with KitClient(
            fake_kit.api_key, base_url=fake_kit.url, rate_limit=limit, max_retries=0
        ) as kit:
            with pytest.raises(RateLimitStorageError) as info:
                await kit.broadcasts.get(1)
    finally:
        await limit.aclose()

    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert "hunter2-secret" not in text
    assert info.value.storage.startswith("redis://127.0.0.1:")
    assert not fake_kit.requests
