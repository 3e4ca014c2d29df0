"""The cursor-pagination engine shared by every list endpoint.

Kit's rules, which this module follows (see KIT_API.md in the project docs):
stop on `has_next_page == false` even when `end_cursor` is set; keep going
through empty pages; never loop on a missing or repeated cursor.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._converter import Envelope, read_items
from .._models import Page, Pagination
from ..errors import PaginationError
from .values import NO_BODY, Reply, Request, compact

if TYPE_CHECKING:
    from .transport import Transport

T = TypeVar("T")

__all__ = ["MAX_PER_PAGE", "AsyncPaginator", "ListEndpoint"]

#: Kit's largest page. Fewer, larger pages spend less of the rate limit.
MAX_PER_PAGE = 1000


def _check_cursor(name: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        msg = f"{name} must be a cursor string from a previous page, got {type(value).__name__}"
        raise TypeError(msg)
    if not value:
        msg = f"{name} must not be empty"
        raise ValueError(msg)


def _check_per_page(per_page: int) -> None:
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        msg = f"per_page must be an int, got {type(per_page).__name__} {per_page!r}"
        raise TypeError(msg)
    if not 1 <= per_page <= MAX_PER_PAGE:
        msg = f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}"
        raise ValueError(msg)


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
        _check_per_page(per_page)
        _check_cursor("after", after)
        _check_cursor("before", before)
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


class AsyncPaginator(Generic[T]):
    """Iterates a cursor-paginated list, fetching pages lazily.

    - `async for item in paginator` yields every item across pages;
    - `async for page in paginator.pages()` yields `Page` objects;
    - `await paginator` returns the first `Page` only.

    Each iteration starts again from the cursor the paginator was made with.
    When a request fails for good, the raised `KitError` carries the `cursor`
    of the failed page, so `after=err.cursor` resumes exactly there.

    ```python
    async for click in kit.broadcasts.clicks(147):
        print(click.url, click.unique_clicks)
    ```
    """

    def __init__(
        self,
        transport: Transport,
        endpoint: ListEndpoint[T],
        request: Request,
        *,
        per_page: int,
        after: str | None,
        before: str | None,
    ) -> None:
        self._transport = transport
        self._endpoint = endpoint
        self._request = request
        self.path = request.path
        self.per_page = per_page
        self._backwards = before is not None
        self._start = before if self._backwards else after

    def __repr__(self) -> str:
        method = self._request.method
        return f"AsyncPaginator({method} {self.path}, per_page={self.per_page})"

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            items = page.items
            del page
            for item in items:
                yield item
            # Let go of this page before the next one is fetched and decoded:
            # two pages of objects alive at once give the garbage collector
            # more to walk and to promote (docs/performance.md, by version).
            del items

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._start, first=True).__await__()

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Yield each page in turn, following the cursors until the last one."""
        cursor = self._start
        first = True
        while True:
            page = await self._fetch(cursor, first=first)
            info = page.pagination
            yield page
            del page  # not kept alive here while the next page is fetched
            more = info.has_previous_page if self._backwards else info.has_next_page
            if not more:
                return
            following = info.start_cursor if self._backwards else info.end_cursor
            if not following:
                msg = "the server says there is another page but sent no cursor for it"
                raise self._broken(msg, cursor)
            if following == cursor:
                msg = f"the server sent cursor {following!r} again; stopping instead of looping"
                raise self._broken(msg, cursor)
            cursor = following
            first = False

    def _decode(self, request: Request, reply: Reply) -> tuple[tuple[T, ...], Pagination]:
        endpoint = self._endpoint
        return read_items(
            reply.body, endpoint.model, endpoint.envelope, method=request.method, path=request.path
        )

    def _broken(self, message: str, cursor: str | None) -> PaginationError:
        error = PaginationError(message, path=self.path, cursor=cursor, method=self._request.method)
        error.path_params = dict(self._request.path_params)
        return error

    async def _fetch(self, cursor: str | None, *, first: bool) -> Page[T]:
        endpoint = self._endpoint
        # A GET list pages in its query, a POST listing in its JSON body.
        in_body = self._request.has_body
        values = dict(self._request.json if in_body else self._request.params)
        if not first:
            for name in endpoint.first_page_only:
                values.pop(name, None)
        values["per_page"] = self.per_page
        if cursor is not None:
            values["before" if self._backwards else "after"] = cursor
        if in_body:
            request = attrs.evolve(self._request, json=values, cursor=cursor)
        else:
            request = attrs.evolve(self._request, params=values, cursor=cursor)
        items, pagination = await self._transport.call(request, self._decode)
        return Page(items=items, pagination=pagination, cursor=cursor)
