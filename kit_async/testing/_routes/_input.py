"""Reading a request the way Kit does: ids, JSON bodies, query filters; 422 when wrong."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from aiohttp import web

from .._wire import NotFound, Refused

__all__ = [
    "boolean",
    "choice",
    "flag",
    "get_or_404",
    "includes",
    "integer",
    "json_body",
    "moment",
    "path_id",
    "text",
    "uses_oauth",
]

T = TypeVar("T")


def path_id(request: web.Request, name: str = "id") -> int:
    """The integer path parameter `name` (the route only matches digits)."""
    return int(request.match_info[name])


def get_or_404(collection: Mapping[int, T], item_id: int) -> T:
    """`collection[item_id]`, or Kit's 404."""
    item = collection.get(item_id)
    if item is None:
        raise NotFound
    return item


def uses_oauth(request: web.Request) -> bool:
    """Whether the request came with an OAuth access token (not an API key)."""
    return "X-Kit-Api-Key" not in request.headers


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent (`{}` for no body); 400 for broken JSON, 422 for a non-object."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Refused("The request body is not valid JSON", status=400) from None
    if not isinstance(body, dict):
        raise Refused("The request body must be a JSON object")
    return body


def text(
    body: Mapping[str, Any], name: str, *, required: str | None = None, strip: bool = True
) -> str | None:
    """`body[name]` as text; `required` is the message when it is missing or blank."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required is not None:
            raise Refused(required)
        return None if value is None else value
    if not isinstance(value, str):
        raise Refused(f"{name} must be a string")
    return value.strip() if strip else value


def integer(
    body: Mapping[str, Any], name: str, *, required: str | None = None, minimum: int | None = None
) -> int | None:
    """`body[name]` as an integer (a bool is not one)."""
    value = body.get(name)
    if value is None:
        if required is not None:
            raise Refused(required)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(f"{name} must be an integer")
    if minimum is not None and value < minimum:
        raise Refused(f"{name} must be greater than or equal to {minimum}")
    return value


def boolean(body: Mapping[str, Any], name: str) -> bool | None:
    """`body[name]` as a JSON boolean."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise Refused(f"{name} must be true or false")
    return value


def choice(value: str | None, name: str, allowed: Sequence[str]) -> str | None:
    """`value` if it is one of `allowed` (or absent), else Kit's 422 listing them."""
    if value is not None and value not in allowed:
        raise Refused(f"{name} must be one of: {', '.join(allowed)}")
    return value


def flag(query: Mapping[str, str], name: str) -> bool:
    """A boolean query parameter (`true`/`false`; absent is false)."""
    value = query.get(name)
    if value is None:
        return False
    if value.lower() not in {"true", "false", "1", "0"}:
        raise Refused(f"{name} must be true or false")
    return value.lower() in {"true", "1"}


def includes(query: Mapping[str, str], allowed: Sequence[str]) -> set[str]:
    """The comma-separated `include` values, each one of `allowed`."""
    wanted = {part.strip() for part in query.get("include", "").split(",") if part.strip()}
    unknown = sorted(wanted - set(allowed))
    if unknown:
        raise Refused(f"include must be one of: {', '.join(allowed)} (got {', '.join(unknown)})")
    return wanted


def moment(value: Any, name: str) -> datetime | None:
    """A date (`YYYY-MM-DD`, midnight UTC) or an ISO 8601 date-time, as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    raise Refused(f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got {value!r}")


def between(when: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    """Whether `when` is on or after `after` and strictly before `before` (bounds optional)."""
    if after is None and before is None:
        return True
    if when is None:
        return False
    return (after is None or when >= after) and (before is None or when < before)
