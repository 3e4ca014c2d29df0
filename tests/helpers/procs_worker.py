"""One worker process of a Kit App, for tests/procs: requests for accounts, pairs from one store.

The test starts it with `serve(config, sock)` in a process of its own
(multiprocessing's forkserver: a fresh process forked from a server that
imported kit_async once), `sock` its end of a socket pair (the channel). It opens the
token store, says `ready`, and waits on the channel for a command:

- `go`: make requests (`GET /v4/account`) for each of its accounts, round
  after round, reporting each round; on `finish` (or when the channel closes) it
  makes one last round, reports each account's pair as its client holds it
  and as the store holds it (as fingerprints: never a token), and exits.
- `hold`: take the lock of the first account, say `held`, and hang there
  (the test kills it while it holds the lock).

With `"hang_before_save": true` in the config, the store's compare-and-swap
save (the one a refresh makes, after Kit answered) says `saving` and hangs:
the test kills the worker there, between Kit's answer and the save. With
`"late_token_answer": seconds`, Kit's answers to its refreshes reach it that
much later (it says `answered` when Kit has answered).

Each line it writes on the channel is one JSON object with an `event`;
nothing secret is written (a pair is shown as a truncated SHA-256 of both
tokens). Should the worker fail, its last event is `crashed`, with the
traceback (kit-async's errors name no token).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import traceback
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import kit_async
from kit_async import TokenSet
from kit_async.oauth import open_token_store

__all__ = ["fingerprint", "serve"]


def fingerprint(tokens: TokenSet | None) -> str | None:
    """A pair's fingerprint: enough to compare pairs, never enough to use one."""
    if tokens is None:
        return None
    both = f"{tokens.access_token}\0{tokens.refresh_token}".encode()
    return hashlib.sha256(both).hexdigest()[:16]


class Channel:
    """The worker's end of the socket pair: commands in, events out (JSON lines)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def emit(self, event: str, **fields: Any) -> None:
        """Send one event, and wait until the socket took it."""
        self.writer.write(json.dumps({"event": event, **fields}).encode() + b"\n")
        await self.writer.drain()


class HangBeforeSave:
    """A store whose refresh save (`replacing=`) hangs: Kit answered, the pair is not saved."""

    def __init__(self, store: Any, channel: Channel) -> None:
        self._store = store
        self._channel = channel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        if replacing is not None:
            await self._channel.emit("saving", account=account_id)
            await asyncio.Event().wait()
        result: bool = await self._store.save(account_id, tokens, name=name, replacing=replacing)
        return result

    async def load(self, account_id: int) -> TokenSet | None:
        result: TokenSet | None = await self._store.load(account_id)
        return result

    async def status(self, account_id: int) -> Any:
        return await self._store.status(account_id)

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        await self._store.disconnect(account_id, reason=reason)

    async def connected(self) -> Sequence[int]:
        result: Sequence[int] = await self._store.connected()
        return result

    def lock(self, account_id: int) -> AbstractAsyncContextManager[None]:
        result: AbstractAsyncContextManager[None] = self._store.lock(account_id)
        return result

    async def aclose(self) -> None:
        await self._store.aclose()


@asynccontextmanager
async def clients_for(
    store: Any, config: dict[str, Any], channel: Channel
) -> AsyncIterator[Callable[[int], kit_async.KitClient]]:
    """What gives this worker a client per account: its own `KitAccounts` on the shared store.

    A new client for each request, as a web app's request handler would take one.
    """

    async def on_disconnected(account_id: int, reason: str) -> None:
        await channel.emit("disconnected", account=account_id, reason=reason)

    async with kit_async.KitAccounts(
        token_store=store,
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        base_url=config["kit_url"],
        on_disconnected=on_disconnected,
    ) as accounts:

        def client(account_id: int) -> kit_async.KitClient:
            made = accounts.client(account_id)
            late = config.get("late_token_answer")
            if late:
                answer_late(made, late, channel)
            return made

        yield client


def answer_late(client: kit_async.KitClient, seconds: float, channel: Channel) -> None:
    """Kit's answers to this client's token requests reach it `seconds` late.

    Kit has rotated the pair by then, as when its answer is slow to come
    back. (FakeKit's faults leave its token endpoint alone, so the delay is
    put on the client's side of the wire.)
    """
    transport: Any = client._transport
    exchange = transport._exchange_token

    async def late(url: str, form: Any) -> Any:
        reply = await exchange(url, form)
        await channel.emit("answered", late=seconds)
        await asyncio.sleep(seconds)
        return reply

    transport._exchange_token = late


def held_pair(client: kit_async.KitClient) -> TokenSet | None:
    """The pair the client holds in memory now."""
    return client._transport.auth._tokens  # type: ignore[attr-defined,no-any-return]


async def one_request(client: kit_async.KitClient, account_id: int) -> str | None:
    """`GET /v4/account` for the account: `None` when it answered as that account, else why not."""
    try:
        answer = await client.account.get()
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
        return f"{type(exc).__name__}: {exc}"
    if answer.id != account_id:
        return f"answered as account {answer.id}, not {account_id}"
    return None


async def rounds(
    client: Callable[[int], kit_async.KitClient],
    config: dict[str, Any],
    channel: Channel,
    finish: asyncio.Event,
) -> None:
    """Rounds of one request per account until `finish`, then one last round; each reported."""
    gate = asyncio.Semaphore(config["concurrency"])

    async def one(account_id: int) -> tuple[int, str | None]:
        async with gate:
            return account_id, await one_request(client(account_id), account_id)

    number = 0
    while True:
        last = finish.is_set()
        number += 1
        outcomes = await asyncio.gather(*(one(account_id) for account_id in config["accounts"]))
        failed = [{"account": a, "error": e} for a, e in outcomes if e is not None]
        await channel.emit("round", number=number, ok=len(outcomes) - len(failed), failed=failed)
        if last:
            return
        # Paced: each account's requests stay far below Kit's 600 a minute, which
        # the pool's rate limit would otherwise make the worker wait for.
        await asyncio.sleep(config["pause"])


async def commands(channel: Channel, finish: asyncio.Event, started: asyncio.Queue[str]) -> None:
    """Read commands: the first goes to `started`; `finish` or the end of input sets `finish`."""
    while True:
        line = (await channel.reader.readline()).decode().strip()
        if line in {"", "finish"}:
            finish.set()
            started.put_nowait("finish")
            return
        started.put_nowait(line)


async def work(config: dict[str, Any], channel: Channel) -> None:
    """The worker's life (the config: see `serve`)."""
    async with open_token_store(
        config["store_url"],
        encryption_key=config["key"],
        lock_timeout=config["lock_timeout"],
        lock_ttl=config["lock_ttl"],
    ) as opened:
        store: Any = HangBeforeSave(opened, channel) if config.get("hang_before_save") else opened
        accounts: list[int] = config["accounts"]
        finish = asyncio.Event()
        started: asyncio.Queue[str] = asyncio.Queue()
        reading = asyncio.create_task(commands(channel, finish, started))
        await channel.emit("ready")
        if await started.get() == "hold":
            async with store.lock(accounts[0]):
                await channel.emit("held", account=accounts[0])
                await asyncio.Event().wait()
        async with clients_for(store, config, channel) as client:
            await rounds(client, config, channel, finish)
            pairs = {
                str(account_id): {
                    "held": fingerprint(held_pair(client(account_id))),
                    "stored": fingerprint(await store.load(account_id)),
                }
                for account_id in accounts
            }
        await channel.emit("pairs", pairs=pairs)
        reading.cancel()


async def main(config: dict[str, Any], sock: socket.socket) -> None:
    """Connect the channel, work, and report a crash on it rather than lose it."""
    reader, writer = await asyncio.open_connection(sock=sock)
    channel = Channel(reader, writer)
    try:
        await work(config, channel)
    except Exception:
        await channel.emit("crashed", traceback=traceback.format_exc())
        raise
    finally:
        writer.close()


def serve(config: dict[str, Any], sock: socket.socket) -> None:
    """A worker process's entry point.

    `config` holds `store_url`, `key` (the encryption key), `kit_url`,
    `client_id`, `client_secret`, `accounts` (ids), `concurrency` (requests
    at once), `pause` (seconds between rounds), `lock_ttl` and
    `lock_timeout` (the store's), and optionally `hang_before_save` and
    `late_token_answer`. `sock` is the worker's end of its socket pair.
    """
    asyncio.run(main(config, sock))
