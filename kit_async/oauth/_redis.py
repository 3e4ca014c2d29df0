"""A token store in Redis: for workers on many machines.

Each account is one hash (`kit-async:token-store:account:<id>`), and the set
`kit-async:token-store:connected` holds the connected ids; both change
together in Lua scripts, so a compare-and-swap is atomic. An account's lock
is a key set with `NX` and a time-to-live, holding a random owner token that
release compares before deleting. Its holder renews the time-to-live while it
holds the lock, so a slow refresh keeps it; a holder killed mid-refresh stops
renewing, and the lock is freed when the time-to-live runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from .._core.auth import TokenSet
from ..errors import TokenStoreError
from ..sync._target import Redacted
from ._sealed import Sealer, digest, translate_errors, wait_for_lock
from ._store import AccountStatus, OpenedAsContext

__all__ = ["RedisTokenStore"]

PREFIX = "kit-async:token-store"

_SAVE = """
if ARGV[6] ~= '' then
  if redis.call('HGET', KEYS[1], 'status') ~= 'connected'
     or redis.call('HGET', KEYS[1], 'digest') ~= ARGV[6] then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'pair', ARGV[2], 'digest', ARGV[3], 'expires_at', ARGV[4],
           'status', 'connected', 'updated_at', ARGV[5])
redis.call('HDEL', KEYS[1], 'reason')
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'name', ARGV[8]) end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
_DISCONNECT = """
redis.call('HSET', KEYS[1], 'status', 'disconnected', 'reason', ARGV[2], 'updated_at', ARGV[3])
redis.call('HDEL', KEYS[1], 'pair', 'digest', 'expires_at')
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class RedisTokenStore(OpenedAsContext):
    """A `TokenStore` in Redis, shared by processes on many machines.

    Made by `open_token_store("redis://host:6379/0", ...)`. Needs the
    `coredis` client that `kit-async[redis]` brings.
    """

    def __init__(
        self,
        url: str,
        redacted: Redacted,
        sealer: Sealer,
        *,
        lock_timeout: float,
        lock_ttl: float,
    ) -> None:
        import coredis.exceptions

        self._url = url
        self._redacted = redacted
        self._sealer = sealer
        self._lock_timeout = lock_timeout
        self._lock_ttl_ms = max(1, round(lock_ttl * 1000))
        self._client: Any = None
        self._failures: tuple[type[BaseException], ...] = (
            coredis.exceptions.RedisError,
            OSError,
            asyncio.TimeoutError,
        )

    def __repr__(self) -> str:
        return f"<RedisTokenStore {self._redacted.shown}>"

    async def open(self) -> None:
        """Connect, and check that Redis answers."""
        import coredis

        if self._client is not None:
            return
        with translate_errors(self._failures, self._redacted, "connect"):
            client = coredis.Redis.from_url(self._url, decode_responses=False)
            try:
                await client.ping()
            except BaseException:
                client.connection_pool.disconnect()
                raise
            self._client = client

    async def aclose(self) -> None:
        """Close the connections (idempotent)."""
        client, self._client = self._client, None
        if client is not None:
            client.connection_pool.disconnect()

    async def _call(self, doing: str, method: str, *arguments: Any, **options: Any) -> Any:
        if self._client is None:
            await self.open()
        with translate_errors(self._failures, self._redacted, doing):
            return await getattr(self._client, method)(*arguments, **options)

    @staticmethod
    def _account(account_id: int) -> str:
        return f"{PREFIX}:account:{int(account_id)}"

    async def save(
        self,
        account_id: int,
        tokens: TokenSet,
        *,
        name: str | None = None,
        replacing: str | None = None,
    ) -> bool:
        """Store the pair, marked connected (see `TokenStore.save`)."""
        expires_at = tokens.expires_at
        stored = await self._call(
            "save a token pair",
            "eval",
            _SAVE,
            keys=[self._account(account_id), f"{PREFIX}:connected"],
            args=[
                str(int(account_id)),
                self._sealer.seal(tokens),
                digest(tokens.refresh_token),
                "" if expires_at is None else repr(expires_at),
                repr(time.time()),
                "" if replacing is None else digest(replacing),
                "0" if name is None else "1",
                name or "",
            ],
        )
        return bool(stored)

    async def load(self, account_id: int) -> TokenSet | None:
        """The account's pair, `None` when unknown or disconnected."""
        status, sealed = await self._call(
            "load a token pair", "hmget", self._account(account_id), ["status", "pair"]
        )
        if status != b"connected" or not sealed:
            return None
        return self._sealer.unseal(sealed, account_id=account_id, store=self._redacted.shown)

    async def status(self, account_id: int) -> AccountStatus | None:
        """`"connected"`, `"disconnected"`, or `None` for an account never saved."""
        status = await self._call(
            "read an account's status", "hget", self._account(account_id), "status"
        )
        return None if status is None else status.decode()

    async def disconnect(self, account_id: int, *, reason: str) -> None:
        """Mark the account disconnected and forget its pair."""
        await self._call(
            "disconnect an account",
            "eval",
            _DISCONNECT,
            keys=[self._account(account_id), f"{PREFIX}:connected"],
            args=[str(int(account_id)), reason, repr(time.time())],
        )

    async def connected(self) -> Sequence[int]:
        """The ids of the connected accounts, ascending."""
        members = await self._call("list the connected accounts", "smembers", f"{PREFIX}:connected")
        return sorted(int(member) for member in members)

    @contextlib.asynccontextmanager
    async def lock(self, account_id: int) -> AsyncIterator[None]:
        """Hold the account's lock: a key with an owner token and a time-to-live."""
        import coredis

        key = f"{PREFIX}:lock:{int(account_id)}"
        owner = secrets.token_hex(16)

        async def take() -> bool:
            taken = await self._call(
                "take a lock",
                "set",
                key,
                owner,
                condition=coredis.PureToken.NX,
                px=self._lock_ttl_ms,
            )
            return bool(taken)

        await wait_for_lock(
            take, account_id=account_id, patience=self._lock_timeout, store=self._redacted.shown
        )
        released = asyncio.Event()
        renewing = asyncio.create_task(self._renew(key, owner, released))
        try:
            yield
        finally:
            # Not cancelled: a renewal under way finishes its round trip first.
            released.set()
            await renewing
            # Only our own lock: past its time-to-live, another worker may hold it.
            await self._call("release a lock", "eval", _RELEASE, keys=[key], args=[owner])

    async def _renew(self, key: str, owner: str, released: asyncio.Event) -> None:
        """Keep our lock alive while we hold it: a slow refresh must not lose it.

        Every third of the time-to-live, the key's time-to-live starts again
        (if the key is still ours). A holder that dies stops renewing, so its
        lock lives at most `lock_ttl` longer; one that is stopped (not dead)
        longer than that loses it, and the others go on.
        """
        while True:
            try:
                await asyncio.wait_for(released.wait(), timeout=self._lock_ttl_ms / 3000)
            except TimeoutError:
                pass
            else:
                return
            try:
                renewed = await self._call(
                    "renew a lock", "eval", _RENEW, keys=[key], args=[owner, str(self._lock_ttl_ms)]
                )
            except TokenStoreError:
                # Redis unreachable: the next renewal tries again; the save's
                # compare-and-swap still refuses to overwrite another's pair.
                continue
            if not renewed:
                return  # no longer ours: nothing to keep alive
