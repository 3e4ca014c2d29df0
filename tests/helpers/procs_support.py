"""The test's side of tests/procs: worker OS processes (procs_worker.py) started, told, read.

Each `Worker` is a process of its own running `procs_worker.serve`, forked by
multiprocessing's forkserver (which imported kit_async once, so that eight
workers start in a moment rather than importing aiohttp eight times). It
shares nothing with the test but the token store and FakeKit's URL, and
talks over a socket pair: commands in, JSON lines out (`events`), read as
they come. Every wait is bounded by `WAIT`: a worker that hangs fails the
test, it never hangs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from procs_worker import fingerprint, serve

from kit_async import TokenSet
from kit_async.oauth import open_token_store

__all__ = [
    "CLIENT_SECRET",
    "LOCK_TIMEOUT",
    "LOCK_TTL",
    "WAIT",
    "Worker",
    "fingerprint",
    "finish",
    "go",
    "refreshed",
    "running",
    "seed",
    "stored_fingerprint",
    "stored_fingerprints",
    "wait_rounds",
    "worker_config",
]

#: The bound on every wait of the test for its workers (seconds).
WAIT = 60.0
# A fork of a process that imported kit_async and the stores' drivers, and
# started no thread and no event loop: nothing of the test's state is in it.
_PROCESSES = multiprocessing.get_context("forkserver")
_PROCESSES.set_forkserver_preload(
    ["procs_worker", "asyncpg", "coredis", "aiosqlite", "cryptography.fernet"]
)


class Worker:
    """One worker process and what it reported so far."""

    def __init__(
        self,
        process: Any,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        name: str,
    ) -> None:
        self.process = process
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.closed = False
        self._writer = writer
        self._changed = asyncio.Condition()
        self._reading = asyncio.create_task(self._read(reader))

    def __repr__(self) -> str:
        return f"<Worker {self.name} pid={self.process.pid}>"

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            async for line in reader:
                async with self._changed:
                    self.events.append(json.loads(line))
                    self._changed.notify_all()
        finally:
            async with self._changed:
                self.closed = True
                self._changed.notify_all()

    @property
    def rounds(self) -> int:
        """How many rounds of requests it finished."""
        return sum(1 for event in self.events if event["event"] == "round")

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Every failed request it reported: `{"account": id, "error": "..."}`."""
        return [f for event in self.events if event["event"] == "round" for f in event["failed"]]

    @property
    def requests(self) -> int:
        """How many requests it made."""
        return sum(
            event["ok"] + len(event["failed"]) for event in self.events if event["event"] == "round"
        )

    def named(self, event: str) -> list[dict[str, Any]]:
        """Its events called `event`."""
        return [one for one in self.events if one["event"] == event]

    def _crash(self) -> str:
        crashed = self.named("crashed")
        return crashed[0]["traceback"] if crashed else "(no traceback)"

    async def until(self, done: Callable[[Worker], bool], what: str) -> None:
        """Wait (at most `WAIT`) until `done(self)`; fail naming `what` and its traceback."""

        async def waiting() -> None:
            async with self._changed:
                while not done(self):
                    if self.closed:
                        msg = f"{self.name} ended before {what}: {self._crash()}"
                        raise AssertionError(msg)
                    await self._changed.wait()

        try:
            await asyncio.wait_for(waiting(), timeout=WAIT)
        except TimeoutError:
            msg = f"{self.name} did not get to {what} within {WAIT:g} s"
            raise AssertionError(msg) from None

    async def event(self, name: str) -> dict[str, Any]:
        """Wait for its first event called `name`, and return it."""
        await self.until(lambda worker: bool(worker.named(name)), f"say {name!r}")
        return self.named(name)[0]

    async def send(self, command: str) -> None:
        """Send it one command."""
        self._writer.write(f"{command}\n".encode())
        await self._writer.drain()

    async def _exited(self) -> int:
        """Wait (at most `WAIT`) until the process ended; its exit code."""
        if self.process.exitcode is None:
            loop = asyncio.get_running_loop()
            ended: asyncio.Future[None] = loop.create_future()
            sentinel = self.process.sentinel

            def readable() -> None:
                if not ended.done():
                    ended.set_result(None)

            loop.add_reader(sentinel, readable)
            try:
                await asyncio.wait_for(ended, timeout=WAIT)
            finally:
                loop.remove_reader(sentinel)
        self.process.join(WAIT)
        code: int = self.process.exitcode
        return code

    async def finish(self) -> dict[str, dict[str, str | None]]:
        """Tell it to finish, wait for its exit (status 0), return its pairs' fingerprints."""
        await self.send("finish")
        return await self.finished()

    async def finished(self) -> dict[str, dict[str, str | None]]:
        """Wait for its exit (status 0) once told to finish; its pairs' fingerprints."""
        await self.until(lambda worker: worker.closed, "exit")
        assert await self._exited() == 0, self._crash()
        (pairs,) = self.named("pairs")
        reported: dict[str, dict[str, str | None]] = pairs["pairs"]
        return reported

    async def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the worker (a no-op once it was killed)."""
        if self._writer.is_closing():
            return
        if self.process.exitcode is None:
            self.process.kill()
        await self._exited()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reading, timeout=WAIT)
        self._writer.close()
        self.process.close()


async def start(config: dict[str, Any], name: str) -> Worker:
    """Start a worker with `config` (see procs_worker.serve); it says `ready` when it can go."""
    ours, theirs = socket.socketpair()
    process = _PROCESSES.Process(target=serve, args=(config, theirs), name=name, daemon=True)
    try:
        process.start()
    finally:
        theirs.close()
    # A worker's lines are long only when every request failed.
    reader, writer = await asyncio.open_connection(sock=ours, limit=2**22)
    return Worker(process, reader, writer, name)


@contextlib.asynccontextmanager
async def running(configs: Iterable[dict[str, Any]]) -> AsyncIterator[list[Worker]]:
    """Workers, one per config, each ready; any still alive at the end is killed."""
    workers: list[Worker] = []
    try:
        for number, config in enumerate(configs, 1):
            workers.append(await start(config, f"worker {number}"))
        await asyncio.gather(*(worker.event("ready") for worker in workers))
        yield workers
    finally:
        await asyncio.gather(*(worker.kill() for worker in workers), return_exceptions=True)


async def finish(workers: list[Worker]) -> list[dict[str, dict[str, str | None]]]:
    """Tell every worker to finish at once; each one's pairs (see `Worker.finish`)."""
    for worker in workers:
        await worker.send("finish")
    return list(await asyncio.gather(*(worker.finished() for worker in workers)))


async def wait_rounds(workers: Iterable[Worker], more: int) -> None:
    """Wait until each worker finished `more` rounds beyond those finished now."""

    async def more_rounds(worker: Worker) -> None:
        target = worker.rounds + more
        await worker.until(lambda w: w.rounds >= target, f"round {target}")

    await asyncio.gather(*(more_rounds(worker) for worker in workers))


async def refreshed(server: Any, at_least: dict[int, int]) -> None:
    """Wait (at most `WAIT`) until FakeKit refreshed each account at least so many times."""

    async def waiting() -> None:
        # FakeKit counts; it has no event to wait on.
        while any(server.refreshes[a] < n for a, n in at_least.items()):  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(waiting(), timeout=WAIT)
    except TimeoutError:
        msg = f"not refreshed within {WAIT:g} s: wanted {at_least}, FakeKit counted {server.refreshes!r}"
        raise AssertionError(msg) from None


async def stored_fingerprints(url: str, key: str, accounts: Iterable[int]) -> dict[int, str | None]:
    """The fingerprints of the pairs the store holds for the accounts now."""
    async with open_token_store(url, encryption_key=key) as store:
        return {account: fingerprint(await store.load(account)) for account in accounts}


async def stored_fingerprint(url: str, key: str, account_id: int) -> str | None:
    """The fingerprint of the pair the store holds for the account now."""
    async with open_token_store(url, encryption_key=key) as store:
        tokens: TokenSet | None = await store.load(account_id)
    return fingerprint(tokens)


#: The app's client secret, as FakeKit is told to require it.
CLIENT_SECRET = "procs-app-secret"
#: Each worker's lock settings: a Redis lock lives `LOCK_TTL` s after its
#: holder dies; a worker waits `LOCK_TIMEOUT` s for a lock before it fails.
LOCK_TTL = 3.0
LOCK_TIMEOUT = 45.0


def worker_config(
    url: str, key: str, server: Any, accounts: Iterable[int], **extra: Any
) -> dict[str, Any]:
    """A worker's CONFIG: the store, FakeKit, its accounts (`extra` adds or overrides)."""
    return {
        "store_url": url,
        "key": key,
        "kit_url": server.url,
        "client_id": server.client_id,
        "client_secret": CLIENT_SECRET,
        "accounts": list(accounts),
        "concurrency": 10,
        "pause": 0.1,
        "lock_ttl": LOCK_TTL,
        "lock_timeout": LOCK_TIMEOUT,
        **extra,
    }


async def seed(url: str, key: str, server: Any, expires_at: dict[int, int]) -> None:
    """Connect each account: a pair FakeKit issued, saved, expiring (to the client) then."""
    now = int(time.time())
    async with open_token_store(url, encryption_key=key) as store:
        for account_id, when in expires_at.items():
            access, refresh = server.issue_tokens(account=account_id)
            pair = TokenSet(access, refresh, expires_in=when - now, created_at=now)
            await store.save(account_id, pair, name=f"Creator {account_id}")


async def go(workers: Iterable[Worker]) -> None:
    """Tell each worker to start its requests."""
    for worker in workers:
        await worker.send("go")
