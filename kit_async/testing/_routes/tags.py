"""Tags: list, create or find, rename; (un)tagging by id or address; a tag's subscribers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import _paging
from .._account import FakeAccount
from .._records import SubscriberRecord, TagRecord
from .._wire import NotFound, Refused, json_response, no_content
from ._input import get_or_404, includes, json_body, path_id, text
from ._members import members
from ._route import Route
from ._shapes import iso, subscriber, tag

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_BLANK = "Name can't be blank"


def _with_count(account: FakeAccount, record: TagRecord, count: bool) -> dict[str, Any]:
    shown = tag(record)
    if count:
        shown["subscriber_count"] = sum(
            1
            for subscriber_id in account.taggings.get(record.id, {})
            if subscriber_id in account.subscribers
        )
    return shown


async def list_tags(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/tags`: newest first; `include=subscriber_count`."""
    count = "subscriber_count" in includes(request.query, ("subscriber_count",))
    account = kit.account
    tags = [account.tags[tag_id] for tag_id in sorted(account.tags, reverse=True)]
    page = _paging.page_of(request.query, tags)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [_with_count(account, record, count) for record in shown]
    return json_response({"tags": items, "pagination": pagination})


async def create_tag(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/tags`: 201 for a new name, 200 and the tag for an existing one."""
    name = text(await json_body(request), "name", required=_BLANK)
    assert name is not None
    existing = kit.account.tag_named(name)
    if existing is not None:
        return json_response({"tag": tag(existing)}, 200)
    return json_response({"tag": tag(kit.account.add_tag(name))}, 201)


async def update_tag(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/tags/{id}`: rename (422 for a name another tag has)."""
    record = get_or_404(kit.account.tags, path_id(request))
    name = text(await json_body(request), "name", required=_BLANK)
    assert name is not None
    other = kit.account.tag_named(name)
    if other is not None and other is not record:
        raise Refused("Name has already been taken")
    record.name = name
    return json_response({"tag": tag(record)})


async def subscribers_of_tag(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/tags/{tag_id}/subscribers`: status, created and tagged filters, `slim`."""
    record = get_or_404(kit.account.tags, path_id(request, "tag_id"))
    return members(
        kit,
        request,
        kit.account.taggings.get(record.id, {}),
        moment_of=lambda at: at,
        bound="tagged",
        shown=lambda at: {"tagged_at": iso(at)},
    )


def tagging(
    account: FakeAccount, record: TagRecord, who: SubscriberRecord
) -> tuple[dict[str, Any], int]:
    """Tag `who` (once): the subscriber as Kit answers, and 201 (new) or 200 (already)."""
    tagged = account.taggings.setdefault(record.id, {})
    status = 200 if who.id in tagged else 201
    at = tagged.setdefault(who.id, account.clock())
    return {**subscriber(account, who), "tagged_at": iso(at)}, status


def _by_email(kit: FakeKit, body: dict[str, Any], required: str) -> SubscriberRecord:
    email = text(body, "email_address", required=required)
    assert email is not None
    who = kit.account.subscriber_by_email(email)
    if who is None:
        raise NotFound
    return who


async def tag_by_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/tags/{tag_id}/subscribers`: tag an existing subscriber by address."""
    record = get_or_404(kit.account.tags, path_id(request, "tag_id"))
    body = await json_body(request)
    who = _by_email(
        kit, body, "Either subscriber id or email address is required to tag subscriber"
    )
    shown, status = tagging(kit.account, record, who)
    return json_response({"subscriber": shown}, status)


async def tag_by_id(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/tags/{tag_id}/subscribers/{id}`: tag an existing subscriber."""
    record = get_or_404(kit.account.tags, path_id(request, "tag_id"))
    who = get_or_404(kit.account.subscribers, path_id(request))
    shown, status = tagging(kit.account, record, who)
    return json_response({"subscriber": shown}, status)


def _untag(account: FakeAccount, record: TagRecord, who: SubscriberRecord) -> web.Response:
    # Untagging a subscriber without the tag is a success too: a repeated
    # DELETE (a retry after a lost answer) must not fail.
    account.taggings.get(record.id, {}).pop(who.id, None)
    return no_content()


async def untag_by_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/tags/{tag_id}/subscribers`: the address in the query (or a body)."""
    record = get_or_404(kit.account.tags, path_id(request, "tag_id"))
    body: dict[str, Any] = {}
    if "email_address" in request.query:
        body = {"email_address": request.query["email_address"]}
    elif request.content_type == "application/x-www-form-urlencoded":
        body = dict(await request.post())
    elif request.can_read_body:
        body = await json_body(request)
    required = "Either subscriber id or email address is required to remove tag from subscriber"
    return _untag(kit.account, record, _by_email(kit, body, required))


async def untag_by_id(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/tags/{tag_id}/subscribers/{id}` (204)."""
    record = get_or_404(kit.account.tags, path_id(request, "tag_id"))
    who = get_or_404(kit.account.subscribers, path_id(request))
    return _untag(kit.account, record, who)


ROUTES = (
    Route("GET", "/v4/tags", list_tags),
    Route("POST", "/v4/tags", create_tag),
    Route("PUT", "/v4/tags/{id}", update_tag),
    Route("GET", "/v4/tags/{tag_id}/subscribers", subscribers_of_tag),
    Route("POST", "/v4/tags/{tag_id}/subscribers", tag_by_email),
    Route("DELETE", "/v4/tags/{tag_id}/subscribers", untag_by_email),
    Route("POST", "/v4/tags/{tag_id}/subscribers/{id}", tag_by_id),
    Route("DELETE", "/v4/tags/{tag_id}/subscribers/{id}", untag_by_id),
)
