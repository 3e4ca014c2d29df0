"""Per-call options: a view of a transport with its own timeout, retries and headers.

`kit.with_options(...)` wraps a `TransportView`: it sends through the
methods of `Transport`, reading its own `timeout`, `retry` and
`extra_headers`, and everything else (the session and its loop, the auth,
the rate limiter, the closed flag, the tasks in flight) from the transport
it was made from, reads and writes alike. So a view shares one connection
pool, one rate limit and one token refresh with its parent, and closing the
parent fails the view's requests too; a view of a view has the same root.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NoReturn

import aiohttp
import attrs

from .retry import RetryPolicy
from .transport import Transport
from .validation import check_timeout, is_int

__all__ = ["TransportView", "check_extra_headers", "options_view"]

# Names that would send a credential beside (or instead of) the client's own.
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-kit-api-key", "cookie", "proxy-authorization"})
# Names that belong to the connection or to the body, which aiohttp and the
# transport set (RFC 9110, 7.6.1 for the hop-by-hop ones).
_TRANSPORT_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "accept",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# RFC 9110, 5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_extra_headers(headers: object) -> dict[str, str]:
    """`extra_headers` checked: plain names, no credential or transport header, one line each.

    Values are never shown in an error: one may be a secret of the caller's.
    """
    if not isinstance(headers, Mapping):
        msg = f"extra_headers must be a mapping of str to str, got {type(headers).__name__}"
        raise TypeError(msg)
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            msg = f"extra_headers: {name!r} is not a header name"
            raise ValueError(msg)
        lowered = name.lower()
        if lowered in _CREDENTIAL_HEADERS:
            msg = (
                f"extra_headers may not set {name}: it carries a credential, and the "
                "client sends its own (its value is not shown)"
            )
            raise ValueError(msg)
        if lowered in _TRANSPORT_HEADERS:
            msg = (
                f"extra_headers may not set {name}: kit-async and aiohttp set it for each "
                "request (the connection, the body and the JSON it accepts)"
            )
            raise ValueError(msg)
        if not isinstance(value, str):
            msg = f"extra_headers[{name!r}] must be a str, got {type(value).__name__}"
            raise TypeError(msg)
        if any(char in value for char in "\r\n\0"):
            msg = (
                f"extra_headers[{name!r}] contains a line break or a NUL, which could "
                "inject another header (its value is not shown)"
            )
            raise ValueError(msg)
        for earlier in [key for key in checked if key.lower() == lowered]:
            del checked[earlier]
        checked[name] = value
    return checked


def _retry_for(parent: RetryPolicy, retry: object, max_retries: object) -> RetryPolicy:
    if retry is not None and not isinstance(retry, RetryPolicy):
        msg = f"retry must be a RetryPolicy, got {type(retry).__name__}"
        raise TypeError(msg)
    policy = parent if retry is None else retry
    if max_retries is None:
        return policy
    if not is_int(max_retries) or max_retries < 0:
        msg = f"max_retries must be an int >= 0, got {max_retries!r}"
        raise ValueError(msg)
    return attrs.evolve(policy, max_retries=max_retries)


def options_view(
    parent: Transport,
    *,
    timeout: float | None = None,
    max_retries: int | None = None,
    retry: RetryPolicy | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> TransportView:
    """A view of `parent` with the options given changed and the others kept.

    `extra_headers` are added to the parent's (a name given again replaces
    the parent's value, whatever its case).
    """
    headers = dict(parent.extra_headers)
    if extra_headers is not None:
        added = check_extra_headers(extra_headers)
        for name in list(headers):
            if name.lower() in {key.lower() for key in added}:
                del headers[name]
        headers.update(added)
    return TransportView(
        parent,
        timeout=parent.timeout
        if timeout is None
        else aiohttp.ClientTimeout(total=check_timeout(timeout)),
        retry=_retry_for(parent.retry, retry, max_retries),
        extra_headers=headers,
    )


class TransportView(Transport):
    """A `Transport` with its own options over another's session, auth and limiter.

    Its own attributes are the options (`_OWN`); any other attribute is read
    from and written to the root transport, so the state the methods of
    `Transport` keep (the session made on first use, the event loop, the
    closed flag, the tasks `aclose()` fails) has one home, whatever view a
    request was sent through.
    """

    _OWN: ClassVar[frozenset[str]] = frozenset({"_root", "timeout", "retry", "extra_headers"})

    def __init__(  # the root's __init__ is not run: its state stays the root's
        self,
        parent: Transport,
        *,
        timeout: aiohttp.ClientTimeout,
        retry: RetryPolicy,
        extra_headers: Mapping[str, str],
    ) -> None:
        root = parent._root if isinstance(parent, TransportView) else parent
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "timeout", timeout)
        object.__setattr__(self, "retry", retry)
        object.__setattr__(self, "extra_headers", MappingProxyType(dict(extra_headers)))

    _root: Transport

    def __getattr__(self, name: str) -> Any:
        if name in self._OWN:  # not set yet: never ask the root for a view's own
            raise AttributeError(name)
        return getattr(self._root, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self._root, name, value)

    def __del__(self, _warn: Any = None) -> None:
        # The root warns about its own unclosed session; a view owns nothing.
        return

    def __repr__(self) -> str:
        return (
            f"{Transport.__repr__(self)[:-1]} view: timeout={self.timeout.total} s, "
            f"max_retries={self.retry.max_retries}>"
        )

    async def open(self) -> NoReturn:
        raise TypeError(_NOT_CLOSABLE)

    async def aclose(self) -> NoReturn:
        raise TypeError(_NOT_CLOSABLE)


_NOT_CLOSABLE = (
    "a client from kit.with_options() shares the session of the client it came "
    "from and is neither opened nor closed by itself: use it without 'async with', "
    "and close the client it came from ('await kit.aclose()')"
)
