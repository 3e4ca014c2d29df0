"""Broadcasts: list, create, get, update, delete; one's clicks and stats; stats of many."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ..._kit import BROADCAST_FILTER_GROUPS, BROADCAST_STATUSES
from .. import _paging
from .._account import FakeAccount
from .._account_data import RETENTION
from .._generated import generated_click
from .._records import BroadcastRecord
from .._wire import NotFound, Refused, json_response, no_content
from ._input import between, boolean, choice, flag, get_or_404, json_body, moment, path_id, text
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_SLIM_DROPS = ("content", "public_url", "email_address", "email_template", "subscriber_filter")
_SINGLE_GROUP = "Only a single filter group is supported. Use one of `all`, `any`, or `none`."
_TEXT_FIELDS = ("content", "description", "preview_text", "subject", "thumbnail_alt")


def render(
    account: FakeAccount, broadcast: BroadcastRecord, *, slim: bool = False
) -> dict[str, Any]:
    """A broadcast as Kit shows it (`slim`: without content, URL, sender, template, filter)."""
    template = account.email_templates.get(broadcast.email_template_id or 0)
    public_url = (
        f"https://fakekit.example.com/posts/broadcast-{broadcast.id}"
        if broadcast.public and broadcast.sent
        else None
    )
    shown: dict[str, Any] = {
        "id": broadcast.id,
        "publication_id": broadcast.id,
        "created_at": iso(broadcast.created_at),
        "subject": broadcast.subject,
        "preview_text": broadcast.preview_text,
        "description": broadcast.description,
        "content": broadcast.content,
        "public": broadcast.public,
        "published_at": iso(broadcast.published_at),
        "send_at": iso(broadcast.send_at),
        "thumbnail_alt": broadcast.thumbnail_alt,
        "thumbnail_url": broadcast.thumbnail_url,
        "email_address": broadcast.email_address,
        "email_template": None if template is None else {"id": template.id, "name": template.name},
        "subscriber_filter": broadcast.subscriber_filter,
        "status": broadcast.status,
        "public_url": public_url,
    }
    if slim:
        for name in _SLIM_DROPS:
            del shown[name]
    return shown


def _sent_at(broadcast: BroadcastRecord) -> Any:
    return (broadcast.send_at or broadcast.published_at) if broadcast.sent else None


def _filtered(kit: FakeKit, query: Any) -> list[BroadcastRecord]:
    """The broadcasts the list filters keep, newest first."""
    status = choice(query.get("status"), "status", BROADCAST_STATUSES)
    after = moment(query.get("sent_after"), "sent_after")
    before = moment(query.get("sent_before"), "sent_before")
    chosen = []
    for broadcast_id in sorted(kit.account.broadcasts, reverse=True):
        broadcast = kit.account.broadcasts[broadcast_id]
        if status is not None and kit.status_filter and broadcast.status != status:
            continue
        if between(_sent_at(broadcast), after, before):
            chosen.append(broadcast)
    return chosen


async def list_broadcasts(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts`: newest first; `status`, `sent_after`/`_before`, `slim`."""
    slim = flag(request.query, "slim")
    page = _paging.page_of(request.query, _filtered(kit, request.query))
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(kit.account, broadcast, slim=slim) for broadcast in shown]
    return json_response({"broadcasts": items, "pagination": pagination})


def _subscriber_filter(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return [{"all": [{"type": "all_subscribers"}]}]
    if not isinstance(value, list) or not all(isinstance(group, dict) for group in value):
        raise Refused("subscriber_filter must be a list of filter groups")
    groups = [
        {kind: conditions}
        for group in value
        for kind, conditions in group.items()
        if conditions is not None
    ]
    if len(groups) != 1 or next(iter(groups[0])) not in BROADCAST_FILTER_GROUPS:
        raise Refused(_SINGLE_GROUP)
    return groups


def _apply(kit: FakeKit, broadcast: BroadcastRecord, body: dict[str, Any]) -> None:
    """Set the fields `body` gives, with Kit's checks; the status follows `send_at`."""
    _set_references(kit, broadcast, body)
    for name in _TEXT_FIELDS:
        if name in body:
            setattr(broadcast, name, text(body, name, strip=False))
    for name in ("email_address", "thumbnail_url"):
        if name in body:
            setattr(broadcast, name, text(body, name))
    if "public" in body:
        broadcast.public = bool(boolean(body, "public"))
    for name in ("published_at", "send_at"):
        if name in body:
            setattr(broadcast, name, moment(body[name], name))
    if broadcast.send_at is not None:
        missing = [
            f"{label} can't be blank when scheduling a broadcast"
            for name, label in (("subject", "Subject"), ("content", "Content"))
            if not getattr(broadcast, name)
        ]
        if missing:
            raise Refused(*missing)
    broadcast.status = "scheduled" if broadcast.send_at is not None else "draft"


def _set_references(kit: FakeKit, broadcast: BroadcastRecord, body: dict[str, Any]) -> None:
    """The email template and the subscriber filter, every problem reported at once."""
    problems = []
    if body.get("email_template_id") is not None:
        template = kit.account.email_templates.get(body["email_template_id"])
        if template is None:
            problems.append("Email template not found")
        elif template.category == "Starting point":
            problems.append("Starting point email template is not supported")
        else:
            broadcast.email_template_id = template.id
    if "subscriber_filter" in body:
        try:
            broadcast.subscriber_filter = _subscriber_filter(body["subscriber_filter"])
        except Refused as refusal:
            problems.extend(refusal.messages)
    if problems:
        raise Refused(*problems)


async def create_broadcast(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/broadcasts`: a draft (`send_at` null) or a scheduled broadcast (201)."""
    body = await json_body(request)
    account = kit.account
    default = next((t.id for t in account.email_templates.values() if t.is_default), None)
    draft = BroadcastRecord(id=0, created_at=account.clock(), email_template_id=default)
    _apply(kit, draft, body)
    fields = attrs.asdict(draft, recurse=False)
    del fields["id"]
    broadcast = account.add_broadcast(**fields)
    return json_response({"broadcast": render(account, broadcast)}, 201)


def _unsent(broadcast: BroadcastRecord) -> None:
    if broadcast.status == "sending":
        raise Refused("Broadcast is already sending.")
    if broadcast.sent:
        raise Refused("Broadcast has already been sent.")


async def get_broadcast(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts/{id}`."""
    broadcast = get_or_404(kit.account.broadcasts, path_id(request))
    return json_response({"broadcast": render(kit.account, broadcast)})


async def update_broadcast(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/broadcasts/{id}`: only a draft or a scheduled broadcast (else 422)."""
    broadcast = get_or_404(kit.account.broadcasts, path_id(request))
    body = await json_body(request)
    _unsent(broadcast)
    # Checked on a copy: a refused update changes nothing.
    edited = attrs.evolve(broadcast)
    _apply(kit, edited, body)
    kit.account.broadcasts[broadcast.id] = edited
    return json_response({"broadcast": render(kit.account, edited)})


async def delete_broadcast(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/broadcasts/{id}`: 204 for a draft or scheduled one, 422 once sending."""
    broadcast = get_or_404(kit.account.broadcasts, path_id(request))
    _unsent(broadcast)
    kit.account.delete_broadcast(broadcast.id)
    return no_content()


def _retained(account: FakeAccount, broadcast: BroadcastRecord) -> None:
    if not account.within_retention(broadcast):
        since = (account.clock() - RETENTION).date().isoformat()
        raise Refused(
            f"Email stats are only available for the last 5 years (since {since})", status=400
        )


async def clicks(kit: FakeKit, request: web.Request) -> web.StreamResponse:
    """`GET /v4/broadcasts/{broadcast_id}/clicks`, through `FakeKit._clicks`."""
    # A method of FakeKit, so that a subclass can wrap the hot path (bench/_server.py).
    return await kit._clicks(request)


async def clicks_page(kit: FakeKit, request: web.Request) -> web.Response:
    """One page of a sent broadcast's clicks; 404 for a draft or scheduled one, like Kit."""
    account = kit.account
    broadcast_id = path_id(request, "broadcast_id")
    broadcast = account.broadcasts.get(broadcast_id)
    if broadcast is None or not broadcast.sent:
        raise NotFound
    _retained(account, broadcast)
    total = account.click_count(broadcast_id)
    page = _paging.window(request.query, total)
    if isinstance(page, web.Response):
        return page
    if broadcast.generated:
        items = [generated_click(broadcast_id, i) for i in range(page.start, page.end)]
    else:
        items = broadcast.clicks[page.start : page.end]
    body = {
        "broadcast": {"id": broadcast_id, "clicks": items},
        # Kit has no total count for clicks.
        "pagination": _paging.pagination(page, total),
    }
    return json_response(body)


async def broadcast_stats(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts/{broadcast_id}/stats` (400 beyond the 5-year retention)."""
    broadcast_id = path_id(request, "broadcast_id")
    broadcast = get_or_404(kit.account.broadcasts, broadcast_id)
    _retained(kit.account, broadcast)
    stats = kit.account.stats(broadcast_id)
    return json_response({"broadcast": {"id": broadcast_id, "stats": stats}})


async def stats_of_many(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/broadcasts/stats`: paged, filtered; 403 `{}` with `stats_forbidden`."""
    if kit.stats_forbidden:
        return json_response({}, 403)
    account = kit.account
    chosen = [b for b in _filtered(kit, request.query) if account.within_retention(b)]
    page = _paging.page_of(request.query, chosen)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [
        {
            "id": broadcast.id,
            "subject": broadcast.subject,
            "send_at": iso(broadcast.send_at),
            "stats": account.stats(broadcast.id),
        }
        for broadcast in shown
    ]
    return json_response({"broadcasts": items, "pagination": pagination})


ROUTES = (
    Route("GET", "/v4/broadcasts", list_broadcasts),
    Route("POST", "/v4/broadcasts", create_broadcast),
    Route("GET", "/v4/broadcasts/stats", stats_of_many),
    Route("GET", "/v4/broadcasts/{broadcast_id}/clicks", clicks),
    Route("GET", "/v4/broadcasts/{broadcast_id}/stats", broadcast_stats),
    Route("GET", "/v4/broadcasts/{id}", get_broadcast),
    Route("PUT", "/v4/broadcasts/{id}", update_broadcast),
    Route("DELETE", "/v4/broadcasts/{id}", delete_broadcast),
)
