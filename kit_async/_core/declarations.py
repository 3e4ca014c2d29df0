"""What every resource module builds on: endpoint declarations and input checks.

A resource module declares each Kit operation once, as data (`Endpoint`,
`NoContent`, `Bulk`, or `ListEndpoint` from `_pagination`), and its methods
check their arguments and call the declaration. Nothing here knows a
namespace.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

import attrs

from .._converter import Envelope, decode_failures, decode_list, read_object
from .._models._write import BulkAccepted, BulkResult, Upserted
from .transport import json_of
from .values import NO_BODY, Reply, Request, compact

if TYPE_CHECKING:
    from .transport import Transport

T = TypeVar("T")

#: Kit processes up to this many bulk items at once (200); more are queued (202).
BULK_SYNC_LIMIT = 100


def check_id(name: str, value: object) -> int:
    """Refuse anything but a positive int: an id before it reaches a URL path, or a count."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value < 1:
        msg = f"{name} must be a positive int, got {value}"
        raise ValueError(msg)
    return value


def check_text(name: str, value: object, *, allow_empty: bool = False) -> str:
    """Refuse anything but a string (non-blank unless `allow_empty`)."""
    if not isinstance(value, str):
        msg = f"{name} must be a str, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if not allow_empty and not value.strip():
        msg = f"{name} must not be empty"
        raise ValueError(msg)
    return value


def check_url(name: str, value: object) -> str:
    """Refuse anything but an absolute `http://` or `https://` URL (a webhook's target)."""
    url = check_text(name, value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"{name} must be an absolute http:// or https:// URL, got {url!r}"
        raise ValueError(msg)
    return url


def check_choice(name: str, value: object, choices: Iterable[str]) -> str | None:
    """`None`, or one of Kit's documented values for a filter."""
    if value is None:
        return None
    allowed = tuple(choices)
    if value not in allowed:
        msg = f"{name} must be one of {', '.join(allowed)}, got {value!r}"
        raise ValueError(msg)
    return str(value)


#: A date or time Kit filters or schedules by: a `date`, an aware `datetime`,
#: or ISO 8601 text of either (see `check_when`).
When = datetime | date | str
#: A whole day (growth stats, subscriber stats, filter conditions): a `date`
#: or ISO 8601 date text.
Day = date | str


def _utc(moment: datetime, name: str, value: object) -> str:
    """An aware datetime in UTC, as Kit's own examples write it (`...T11:43:55Z`)."""
    if moment.utcoffset() is None:
        # Kit's description does not say which zone it reads a time without
        # one in (UTC, or the account's?): the caller knows, so they say.
        msg = (
            f"{name} has no time zone ({value!r}): pass an aware datetime "
            f"(e.g. with tzinfo=UTC), text with an offset or Z, or a date"
        )
        raise ValueError(msg)
    return moment.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def check_when(name: str, value: object, *, day: bool = False) -> str | None:
    """A date or time for Kit, checked and normalized before any request.

    Every date and time a resource method sends goes through here: the list
    filters (`created_after`, `sent_before`, ...), the whole-day bounds
    (`starting`, `email_sent_after`, a filter condition's `after`) and the
    body fields (`send_at`, `transaction_time`). Kit's description gives the
    filters as `yyyy-mm-dd` with examples such as `2023-01-17T11:43:55Z`, so:

    - `None` is `None` (not sent);
    - a `date`, or date text (`date.fromisoformat`), is sent as `YYYY-MM-DD`;
    - an aware `datetime`, or date-time text with an offset or `Z`
      (`datetime.fromisoformat`), is sent in UTC as `YYYY-MM-DDTHH:MM:SSZ`
      (fractions of a second kept);
    - with `day=True` (Kit counts whole days), only a date or date text.

    Raises:
        TypeError: not a `date`, `datetime` or `str`; or a `datetime` where
            Kit takes a whole day.
        ValueError: text that is not an ISO 8601 date or date-time (such as
            `"yesterday"`), a date-time without a time zone, or a date-time
            text where Kit takes a whole day.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if day:
            msg = (
                f"{name} must be a date (Kit counts whole days), got the datetime "
                f"{value.isoformat()}: pass {name}=value.date()"
            )
            raise TypeError(msg)
        return _utc(value, name, value)
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        wanted = "a date or ISO 8601 date text" if day else "a datetime, a date or ISO 8601 text"
        msg = f"{name} must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or day:
        wanted = (
            "an ISO 8601 date such as 2026-01-31 (Kit counts whole days)"
            if day
            else "ISO 8601 text such as 2026-01-31 or 2026-01-31T09:30:00Z"
        )
        msg = f"{name} must be {wanted}, got {value!r}"
        raise ValueError(msg)
    return _utc(moment, name, value)


def check_bool(name: str, value: object) -> bool:
    """Refuse anything but `True` or `False` (not `1`, not `"false"`)."""
    if not isinstance(value, bool):
        msg = f"{name} must be True or False, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    return value


def one_subscriber(subscriber_id: object, email_address: object) -> tuple[int | None, str | None]:
    """Exactly one of `subscriber_id=` or `email_address=`, checked."""
    if (subscriber_id is None) == (email_address is None):
        msg = "pass exactly one of subscriber_id= or email_address="
        raise TypeError(msg)
    if subscriber_id is not None:
        return check_id("subscriber_id", subscriber_id), None
    return None, check_text("email_address", email_address)


def check_fields(
    call: str,
    fields: Mapping[str, Any],
    known: Iterable[str],
    *,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """Kit's body fields passed as keywords (`**fields`), as the JSON body to send.

    A name Kit does not document is refused, so that a typo cannot vanish
    silently; a `required` field must be given, and not as `None`. Other
    `None` values are sent as JSON `null`, which Kit's updates read as "clear"
    or "reset" (`send_days=None`, `email_template_id=None`).
    """
    names = tuple(known)
    for name in fields:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            msg = (
                f"{call} got an unknown field {name!r}{hint}; Kit's fields are: {', '.join(names)}"
            )
            raise TypeError(msg)
    missing = [name for name in required if fields.get(name) is None]
    if missing:
        msg = f"{call} needs {', '.join(missing)} (Kit requires {'them' if len(missing) > 1 else 'it'})"
        raise TypeError(msg)
    return dict(fields)


@attrs.frozen
class Endpoint(Generic[T]):
    """A Kit operation that answers with one object, declared in a resource module.

    Attributes:
        method: The HTTP method.
        path: The path template, e.g. `/v4/broadcasts/{broadcast_id}`.
        model: The attrs class the answer decodes into.
        envelope: Where the object sits in the body (and fields taken from it).
        retry_safe: Whether sending it twice is harmless (`None`: by method;
            see `Request.retry_safe`).
        oauth_only: Kit serves it to OAuth apps only.
    """

    method: str
    path: str
    model: type[T]
    envelope: Envelope
    retry_safe: bool | None = None
    oauth_only: bool = False

    def request(
        self,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> Request:
        """The `Request` for one call (`None` query values left out)."""
        return Request.to(
            self.method,
            self.path,
            path_params,
            params=compact(params),
            json=json,
            retry_safe=self.retry_safe,
            oauth_only=self.oauth_only,
        )

    async def send(
        self,
        transport: Transport,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> tuple[T, Reply]:
        """Send one call; return the decoded object and Kit's reply (for its status)."""
        request = self.request(path_params, params=params, json=json)
        return await transport.call(request, self._decode)

    def _decode(self, request: Request, reply: Reply) -> tuple[T, Reply]:
        value = read_object(
            reply.body, self.model, self.envelope, method=request.method, path=request.path
        )
        return value, reply

    async def call(
        self,
        transport: Transport,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> T:
        """Send one call and return the decoded object."""
        value, _ = await self.send(transport, path_params, params=params, json=json)
        return value

    async def upsert(
        self,
        transport: Transport,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> Upserted[T]:
        """Send a create-or-find call: the object, and whether Kit created it (201)."""
        value, reply = await self.send(transport, path_params, params=params, json=json)
        return Upserted(value, reply.status)


@attrs.frozen
class NoContent:
    """A Kit operation that answers `204 No Content` (deletes, unsubscribe)."""

    method: str
    path: str
    retry_safe: bool | None = None
    oauth_only: bool = False

    async def call(
        self,
        transport: Transport,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> None:
        """Send one call; Kit's answer carries nothing to decode."""
        request = Request.to(
            self.method,
            self.path,
            path_params,
            params=compact(params),
            json=json,
            retry_safe=self.retry_safe,
            oauth_only=self.oauth_only,
        )
        await transport.send(request)


@attrs.frozen
class Bulk(Generic[T]):
    """A `/v4/bulk/...` operation: OAuth only, 200 with results or 202 queued.

    Attributes:
        method: The HTTP method.
        path: The path.
        model: What each result item decodes into.
        items_at: The key of the result list in a 200 body (`"tags"`);
            `None` where Kit returns only the failures (bulk deletes).
        retry_safe: Whether sending the batch twice is harmless.
    """

    method: str
    path: str
    model: type[T]
    items_at: str | None
    retry_safe: bool | None = None

    async def call(
        self, transport: Transport, body: Mapping[str, Any]
    ) -> BulkResult[T] | BulkAccepted:
        """Send the batch; decode Kit's synchronous results, or note it was queued."""
        request = Request(
            self.method,
            self.path,
            json=dict(body),
            retry_safe=self.retry_safe,
            oauth_only=True,
        )
        return await transport.call(request, self._decode)

    def _decode(self, request: Request, reply: Reply) -> BulkResult[T] | BulkAccepted:
        if reply.status == 202:
            callback_url = request.json.get("callback_url")
            return BulkAccepted(callback_url)
        document = json_of(request, reply)
        items: tuple[T, ...] = ()
        if self.items_at is not None:
            items = decode_list(
                document,
                self.model,
                Envelope(at=(self.items_at,)),
                method=request.method,
                path=request.path,
            )
        failures = decode_failures(document, method=request.method, path=request.path)
        return BulkResult(items, failures)


def check_batch(name: str, items: object, *, limit: int | None = None) -> list[Any]:
    """A non-empty list of items for a bulk call (Kit answers 422 to an empty one)."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        msg = f"{name} must be a list, got {type(items).__name__}"
        raise TypeError(msg)
    batch = list(items)
    if not batch:
        msg = f"{name} must not be empty (Kit refuses an empty batch)"
        raise ValueError(msg)
    if limit is not None and len(batch) > limit:
        msg = f"{name} has {len(batch)} items; Kit takes at most {limit:,} in one call"
        raise ValueError(msg)
    return batch


class Resource:
    """Base of the resource namespaces (`kit.broadcasts`, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"
