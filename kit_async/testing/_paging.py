"""Cursor pagination over in-memory lists, the way Kit pages every list.

Kit's cursors are opaque base64 strings. FakeKit's encode a list offset
behind a salt whose base64 is `++//`, so every cursor carries `+` and `/`
(and usually `=`): a client that does not URL-encode them is caught at once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs
from aiohttp import web

from ._wire import errors

__all__ = ["MAX_PER_PAGE", "Window", "cursor", "offset_of", "page_of", "pagination", "window"]

T = TypeVar("T")

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 500
# Bytes whose base64 is "++//": every cursor starts with it.
_CURSOR_SALT = b"\xfb\xef\xff"


def cursor(offset: int) -> str:
    """The opaque cursor for a list offset (`++//` then base64 of `[offset]`)."""
    return base64.b64encode(_CURSOR_SALT + f"[{offset}]".encode()).decode()


def offset_of(value: str) -> int | None:
    """The offset a FakeKit cursor stands for; `None` for anything else."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_CURSOR_SALT):
        return None
    try:
        decoded = json.loads(raw[len(_CURSOR_SALT) :])
    except ValueError:
        return None
    if isinstance(decoded, list) and len(decoded) == 1 and isinstance(decoded[0], int):
        return decoded[0] if decoded[0] >= 0 else None
    return None


@attrs.frozen
class Window:
    """The slice `[start, end)` of a list one page shows."""

    start: int
    end: int
    per_page: int


def window(query: Mapping[str, str], total: int) -> Window | web.Response:
    """The page `after`/`before`/`per_page` ask for, or Kit's 422 for bad ones."""
    try:
        per_page = int(query.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        per_page = 0
    if not 1 <= per_page <= MAX_PER_PAGE:
        return errors(422, f"per_page must be between 1 and {MAX_PER_PAGE}")
    after, before = query.get("after"), query.get("before")
    if after is not None and before is not None:
        return errors(422, "Use either after or before, not both")
    given = after if after is not None else before
    if given is None:
        return Window(0, min(per_page, total), per_page)
    offset = offset_of(given)
    if offset is None:
        return errors(422, "Invalid cursor")
    if after is not None:
        return Window(offset, min(offset + per_page, total), per_page)
    end = min(offset, total)
    return Window(max(0, end - per_page), end, per_page)


def pagination(page: Window, total: int, *, total_count: bool = False) -> dict[str, Any]:
    """Kit's `pagination` object for a page of a list of `total` items."""
    result: dict[str, Any] = {
        "has_previous_page": page.start > 0,
        "has_next_page": page.end < total,
        "start_cursor": cursor(page.start),
        # Like Kit, the last page still has an end cursor.
        "end_cursor": cursor(page.end),
        "per_page": page.per_page,
    }
    if total_count:
        result["total_count"] = total
    return result


def page_of(
    query: Mapping[str, str], items: Sequence[T]
) -> tuple[Sequence[T], dict[str, Any]] | web.Response:
    """One page of `items` and its `pagination` (with `total_count` when asked)."""
    page = window(query, len(items))
    if isinstance(page, web.Response):
        return page
    wanted = query.get("include_total_count") == "true"
    return items[page.start : page.end], pagination(page, len(items), total_count=wanted)
