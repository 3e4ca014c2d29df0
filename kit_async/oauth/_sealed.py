"""What the shared token stores have in common: the sealed pair, its digest, errors, lock waits.

A store keeps each account's pair as one Fernet token (the access and the
refresh token encrypted together) and, beside it, the SHA-256 digest of the
refresh token, so that a compare-and-swap (`save(..., replacing=r)`) compares
digests without decrypting anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeAlias

from .._core.auth import TokenSet
from ..errors import TokenStoreError
from ..sync._target import Redacted

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_LOCK_TTL",
    "EncryptionKey",
    "Sealer",
    "digest",
    "translate_errors",
    "wait_for_lock",
]

#: A Fernet key (as `Fernet.generate_key()` returns it), or several: the
#: first encrypts, every one decrypts (`MultiFernet`), so keys rotate.
EncryptionKey: TypeAlias = str | bytes | Sequence[str | bytes]

#: How long `lock()` waits for an account's lock before raising `TokenStoreError`.
DEFAULT_LOCK_TIMEOUT = 60.0
#: How long a Redis lock lives when its holder dies without releasing it (its
#: holder renews it while it lives).
DEFAULT_LOCK_TTL = 30.0


def digest(refresh_token: str) -> str:
    """The SHA-256 digest of a refresh token (hex): what a compare-and-swap compares."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class Sealer:
    """Encrypts a token pair into one Fernet token, and back.

    `key=None` stores the pair as plain JSON: for tests only.
    """

    def __init__(self, key: EncryptionKey | None) -> None:
        self._fernet: Any = None
        if key is None:
            return
        try:
            from cryptography.fernet import Fernet, MultiFernet
        except ImportError as exc:
            msg = (
                "an encrypted token store needs the 'cryptography' package: "
                "pip install 'kit-async[apps]'"
            )
            raise ImportError(msg) from exc
        keys = [key] if isinstance(key, str | bytes) else list(key)
        if not keys:
            msg = "encryption_key is an empty list: give at least one Fernet key"
            raise ValueError(msg)
        fernets = []
        for position, one in enumerate(keys, 1):
            try:
                fernets.append(Fernet(one))
            except (ValueError, TypeError):
                which = "encryption_key" if len(keys) == 1 else f"key {position} of encryption_key"
                msg = (
                    f"{which} is not a Fernet key (32 url-safe base64-encoded bytes, "
                    "as cryptography's Fernet.generate_key() makes)"
                )
                raise ValueError(msg) from None
        self._fernet = MultiFernet(fernets)

    def seal(self, tokens: TokenSet) -> bytes:
        """The pair and its metadata as one encrypted token (plain JSON without a key)."""
        plain = json.dumps(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_in": tokens.expires_in,
                "created_at": tokens.created_at,
                "token_type": tokens.token_type,
                "scope": tokens.scope,
            }
        ).encode()
        if self._fernet is None:
            return plain
        sealed: bytes = self._fernet.encrypt(plain)
        return sealed

    def unseal(self, sealed: bytes, *, account_id: int, store: str) -> TokenSet:
        """The pair back; `TokenStoreError` when the key(s) cannot decrypt it."""
        plain = sealed
        if self._fernet is not None:
            from cryptography.fernet import InvalidToken

            try:
                plain = self._fernet.decrypt(sealed)
            except InvalidToken:
                msg = (
                    f"cannot decrypt the token pair of account {account_id} in {store} "
                    "with the given key(s): was it written under another encryption_key?"
                )
                raise TokenStoreError(msg, store=store) from None
        try:
            fields = json.loads(plain)
            return TokenSet(**fields)
        except (ValueError, TypeError):
            msg = (
                f"cannot read the token pair of account {account_id} in {store}: "
                "it is encrypted, and the store was opened with encryption_key=None"
            )
            raise TokenStoreError(msg, store=store) from None


@contextlib.contextmanager
def translate_errors(
    failures: tuple[type[BaseException], ...], redacted: Redacted, doing: str
) -> Iterator[None]:
    """Turn a driver's failure into `TokenStoreError`, the URL's secrets masked."""
    try:
        yield
    except failures as exc:
        detail = redacted.mask(str(exc) or type(exc).__name__)
        msg = f"token store {redacted.shown}: cannot {doing}: {detail}"
        raise TokenStoreError(msg, store=redacted.shown) from None


async def wait_for_lock(
    take: Callable[[], Awaitable[bool]], *, account_id: int, patience: float, store: str
) -> None:
    """Call `take` until it takes the lock, backing off up to 0.05 s; give up after `patience` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    delay = 0.005
    while not await take():
        if loop.time() >= deadline:
            msg = (
                f"the lock of account {account_id} in {store} stayed taken "
                f"for {patience:g} s (lock_timeout)"
            )
            raise TokenStoreError(msg, store=store)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
