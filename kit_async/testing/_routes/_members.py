"""The subscribers of a tag, a form or a sequence: one list with Kit's filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from ..._kit import SUBSCRIBER_STATUSES
from .. import _paging
from .._records import SubscriberRecord
from .._wire import json_response
from ._input import between, choice, flag, moment
from ._shapes import subscriber

if TYPE_CHECKING:
    from .._fakekit import FakeKit

__all__ = ["members", "with_status"]

L = TypeVar("L")


def with_status(query: Mapping[str, str]) -> Callable[[SubscriberRecord], bool]:
    """Kit's `status` filter of subscriber lists (`active` unless told otherwise)."""
    status = choice(query.get("status", "active"), "status", SUBSCRIBER_STATUSES)
    return lambda record: status in {"all", record.state}


def members(
    kit: FakeKit,
    request: web.Request,
    links: Mapping[int, L],
    *,
    moment_of: Callable[[L], datetime],
    bound: str,
    shown: Callable[[L], dict[str, Any]],
) -> web.Response:
    """A page of the subscribers in `links` (subscriber id -> link), newest link first.

    Filters: `status`, `created_after`/`_before`, and `{bound}_after`/`_before`
    on the link's time (`tagged`, `added`); `slim` leaves out `fields`.
    """
    query = request.query
    keep = with_status(query)
    created = (
        moment(query.get("created_after"), "created_after"),
        moment(query.get("created_before"), "created_before"),
    )
    linked = (
        moment(query.get(f"{bound}_after"), f"{bound}_after"),
        moment(query.get(f"{bound}_before"), f"{bound}_before"),
    )
    slim = flag(query, "slim")
    account = kit.account
    chosen = [
        (account.subscribers[subscriber_id], link)
        for subscriber_id, link in links.items()
        if subscriber_id in account.subscribers
        and keep(account.subscribers[subscriber_id])
        and between(account.subscribers[subscriber_id].created_at, *created)
        and between(moment_of(link), *linked)
    ]
    chosen.sort(key=lambda pair: (moment_of(pair[1]), pair[0].id), reverse=True)
    page = _paging.page_of(query, chosen)
    if isinstance(page, web.Response):
        return page
    items, pagination = page
    body = [{**subscriber(account, record, slim=slim), **shown(link)} for record, link in items]
    return json_response({"subscribers": body, "pagination": pagination})
