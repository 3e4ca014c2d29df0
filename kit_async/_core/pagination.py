"""The cursor-pagination engine shared by every list endpoint.

Kit's rules, which this module follows (see KIT_API.md in the project docs):
stop on `has_next_page == false` even when `end_cursor` is set; keep going
through empty pages; never loop on a missing or repeated cursor.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._converter import read_items
from ..errors import PaginationError
from ..models import Page, Pagination
from .values import Reply, Request

if TYPE_CHECKING:
    from .declarations import ListEndpoint
    from .transport import Transport

T = TypeVar("T")

__all__ = ["AsyncPaginator"]


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
