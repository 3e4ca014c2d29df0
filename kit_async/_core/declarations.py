"""What every resource module builds on: the declarations of Kit's operations.

A resource module declares each Kit operation once, as data: a
`ListEndpoint` (a cursor-paginated list), an `Endpoint` (one object back), a
`NoContent` (a 204) or a `Bulk` (`/v4/bulk/...`). Its methods check their
arguments (`validation`) and call the declaration, which builds the `Request`
and hands the transport the function that decodes Kit's reply. Nothing here
knows a namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._converter import Envelope, decode_failures, decode_list, read_object
from ..models._write import BulkAccepted, BulkResult, Upserted
from .pagination import AsyncPaginator
from .transport import json_of
from .validation import MAX_PER_PAGE, check_cursor, check_per_page
from .values import NO_BODY, Reply, Request, compact

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["BULK_SYNC_LIMIT", "Bulk", "Endpoint", "ListEndpoint", "NoContent", "Resource"]

T = TypeVar("T")

#: Kit processes up to this many bulk items at once (200); more are queued (202).
BULK_SYNC_LIMIT = 100


@attrs.frozen
class ListEndpoint(Generic[T]):
    """A cursor-paginated Kit endpoint, declared in a resource module.

    Most of Kit's lists are a `GET` with the filters and the paging in the
    query. A listing done by `POST` (Kit's subscriber filter, whose criteria
    are a JSON body and which declares no query parameters) sends its paging
    (`per_page`, `after` or `before`, and the first-page-only options) in
    that JSON body instead, beside the criteria given to `paginate(json=)`,
    and follows `pagination.end_cursor` like any other list.

    Attributes:
        path: The path template, e.g. `/v4/broadcasts/{broadcast_id}/clicks`.
        model: The attrs class each item decodes into.
        envelope: Where the items sit in the body (and fields taken from it).
        first_page_only: Parameters sent with the first request only
            (`include_total_count` costs Kit an extra query per page).
        oauth_only: Kit serves it to OAuth apps only.
        method: `GET` (paging in the query) or `POST` (paging in the body).
        retry_safe: Whether sending a page request twice is harmless (`None`:
            by method; a `POST` listing that only reads says `True`).
    """

    path: str
    model: type[T]
    envelope: Envelope
    first_page_only: frozenset[str] = frozenset({"include_total_count"})
    oauth_only: bool = False
    method: str = attrs.field(default="GET", validator=attrs.validators.in_(("GET", "POST")))
    retry_safe: bool | None = None

    def paginate(
        self,
        transport: Transport,
        *,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[T]:
        """Validate the arguments (before any request) and return a paginator.

        `json` is the body of a `POST` listing (its `None` values left out);
        a `GET` list takes none.
        """
        check_per_page(per_page)
        check_cursor("after", after)
        check_cursor("before", before)
        if after is not None and before is not None:
            msg = "pass either after= or before=, not both"
            raise ValueError(msg)
        if self.method == "GET" and json is not None:
            msg = f"GET {self.path} is a list without a body; pass params= instead of json="
            raise TypeError(msg)
        request = Request.to(
            self.method,
            self.path,
            path_params,
            params=compact(params),
            json=NO_BODY if self.method == "GET" else compact(json),
            retry_safe=self.retry_safe,
            oauth_only=self.oauth_only,
        )
        return AsyncPaginator(
            transport, self, request, per_page=per_page, after=after, before=before
        )


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
            return BulkAccepted(request.json.get("callback_url"))
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


class Resource:
    """Base of the resource namespaces (`kit.broadcasts`, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"
