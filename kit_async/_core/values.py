"""The request and reply values that travel through the transport.

A resource builds one `Request` (method, path with its parameters quoted,
query, JSON body, whether a retry is safe) and the transport answers with one
`Reply` (status, headers, body). Everything the transport, the retry policy,
the auth and the error messages need to know about a call is in these two
values, so adding an endpoint never adds an argument anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import quote

import attrs

__all__ = [
    "NO_BODY",
    "Reply",
    "Request",
    "compact",
    "encode_json",
    "fill_path",
    "query_value",
    "quoted",
]

#: Methods that a repeat cannot turn into a second effect. PATCH is among them
#: for Kit: both of its PATCH endpoints set fields to given values.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class _NoBody:
    """The JSON body of a request that sends none (distinct from JSON `null`)."""

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Final = _NoBody()


def compact(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """`values` without the keys whose value is `None` (arguments not given)."""
    return {name: value for name, value in (values or {}).items() if value is not None}


# What `quote(text, safe="")` makes of each ASCII character: itself for
# letters, digits and `_.-~`, `%XX` for the rest.
_QUOTE_ASCII = {code: quote(chr(code), safe="") for code in range(128)}


def quoted(text: str) -> str:
    """`text` percent-encoded for a path segment or a query: `quote(text, safe="")`."""
    # `quote` is pure Python and runs for every page (the cursor); an ASCII
    # text, as names, ids and Kit's base64 cursors are, is mapped in C instead.
    if text.isascii():
        return text.translate(_QUOTE_ASCII)
    return quote(text, safe="")


def fill_path(template: str, path_params: Mapping[str, Any]) -> str:
    """`/v4/tags/{tag_id}` with each parameter quoted (`/` and `?` included)."""
    return template.format_map({name: quoted(str(value)) for name, value in path_params.items()})


@attrs.frozen
class Request:
    """One logical call to Kit, however many attempts it takes.

    Attributes:
        method: The HTTP method, upper case.
        path: The path, parameters already quoted, without the query.
        params: The query; `None` values are left out.
        json: The JSON body, or `NO_BODY`.
        retry_safe: Whether sending it twice is harmless. `None`: decided by
            the method (GET, PUT, PATCH and DELETE are safe; POST is not). An
            unsafe request is retried only when it certainly did not reach
            Kit (a refused connection, a 429).
        oauth_only: Kit accepts only OAuth for it (bulk, purchases); an API-key
            client refuses it before sending.
        path_params: The ids in the path, named by the errors the transport
            raises for it.
        cursor: The page cursor sent with it (list calls), named by those
            errors so that `after=error.cursor` resumes there.
        template: The operation's path template (`/v4/tags/{tag_id}`), which
            names it in spans, metrics, hooks and log lines; `None`: matched
            among Kit's operations, else unknown.
    """

    method: str
    path: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    json: Any = NO_BODY
    retry_safe: bool | None = None
    oauth_only: bool = False
    path_params: Mapping[str, Any] = attrs.field(factory=dict)
    cursor: str | None = None
    template: str | None = None

    @classmethod
    def to(
        cls,
        method: str,
        template: str,
        path_params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Request:
        """A request for a path template, its parameters quoted into it."""
        params = dict(path_params or {})
        return cls(
            method, fill_path(template, params), path_params=params, template=template, **options
        )

    @property
    def may_resend(self) -> bool:
        """Whether a retry is allowed after the request may have reached Kit."""
        if self.retry_safe is not None:
            return self.retry_safe
        return self.method in IDEMPOTENT_METHODS

    @property
    def has_body(self) -> bool:
        """Whether a JSON body is sent."""
        return self.json is not NO_BODY


@attrs.frozen
class Reply:
    """Kit's answer to a `Request`: any 2xx (3xx, 4xx and 5xx are raised).

    Attributes:
        status: The HTTP status: 200, 201 and 202 mean different things on
            some writes; 204 comes with an empty body.
        headers: The response headers.
        body: The raw body (empty for 204).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


def encode_json(request: Request) -> bytes | None:
    """The request's JSON body as sent (compact; datetimes in ISO 8601), `None` without one."""
    if not request.has_body:
        return None
    return json.dumps(request.json, separators=(",", ":"), default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    msg = f"{type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


def query_value(value: Any) -> str:
    """A query parameter's value as sent: booleans as Kit's `true` and `false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
