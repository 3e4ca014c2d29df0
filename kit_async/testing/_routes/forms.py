"""Forms and landing pages: the list, a form's subscribers, adding one by id or address."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..._kit import FORM_STATUSES, FORM_TYPES
from .. import _paging
from .._account import FakeAccount
from .._records import FormRecord, FormSubscriptionRecord, SubscriberRecord
from .._wire import NotFound, json_response
from ._input import choice, get_or_404, includes, json_body, path_id, text
from ._members import members
from ._route import Route
from ._shapes import iso, referrer_utm, subscriber

if TYPE_CHECKING:
    from .._fakekit import FakeKit


def render(account: FakeAccount, form: FormRecord, *, count: bool = False) -> dict[str, Any]:
    """A form as Kit lists it (`count`: with its `subscriber_count`)."""
    shown: dict[str, Any] = {
        "id": form.id,
        "name": form.name,
        "created_at": iso(form.created_at),
        "type": form.type,
        "format": form.format,
        "embed_js": f"https://fakekit.example.com/{form.uid}/index.js",
        "embed_url": f"https://fakekit.example.com/{form.uid}",
        "archived": form.archived,
        "uid": form.uid,
    }
    if count:
        shown["subscriber_count"] = len(account.form_subscriptions.get(form.id, {}))
    return shown


def subscription(link: FormSubscriptionRecord) -> dict[str, Any]:
    """What a form subscription adds to a subscriber: when, and from which page."""
    return {
        "added_at": iso(link.added_at),
        "referrer": link.referrer,
        "referrer_utm_parameters": referrer_utm(link.referrer),
    }


async def list_forms(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/forms`: active ones by default; `status`, `type`, `include=subscriber_count`."""
    query = request.query
    status = choice(query.get("status", "active"), "status", FORM_STATUSES)
    kind = choice(query.get("type"), "type", FORM_TYPES)
    count = "subscriber_count" in includes(query, ("subscriber_count",))
    account = kit.account
    forms = [
        account.forms[form_id]
        for form_id in sorted(account.forms, reverse=True)
        if status in {"all", account.forms[form_id].status}
        and kind in {None, account.forms[form_id].type}
    ]
    page = _paging.page_of(query, forms)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(account, form, count=count) for form in shown]
    return json_response({"forms": items, "pagination": pagination})


async def subscribers_of_form(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/forms/{form_id}/subscribers`: with `added_at` and the referrer."""
    form = get_or_404(kit.account.forms, path_id(request, "form_id"))
    return members(
        kit,
        request,
        kit.account.form_subscriptions.get(form.id, {}),
        moment_of=lambda link: link.added_at,
        bound="added",
        shown=subscription,
    )


def _add(
    kit: FakeKit, form: FormRecord, who: SubscriberRecord, referrer: str | None
) -> web.Response:
    account = kit.account
    added = account.form_subscriptions.setdefault(form.id, {})
    status = 200 if who.id in added else 201
    link = added.setdefault(
        who.id, FormSubscriptionRecord(added_at=account.clock(), referrer=referrer)
    )
    shown = {**subscriber(account, who), **subscription(link)}
    return json_response({"subscriber": shown}, status)


async def add_by_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/forms/{form_id}/subscribers`: an existing subscriber, by address."""
    form = get_or_404(kit.account.forms, path_id(request, "form_id"))
    body = await json_body(request)
    email = text(
        body,
        "email_address",
        required="Either subscriber id or email address is required to add subscriber to form",
    )
    assert email is not None
    who = kit.account.subscriber_by_email(email)
    if who is None:
        raise NotFound
    return _add(kit, form, who, text(body, "referrer"))


async def add_by_id(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/forms/{form_id}/subscribers/{id}`: an existing subscriber."""
    form = get_or_404(kit.account.forms, path_id(request, "form_id"))
    who = get_or_404(kit.account.subscribers, path_id(request))
    body = await json_body(request)
    return _add(kit, form, who, text(body, "referrer"))


ROUTES = (
    Route("GET", "/v4/forms", list_forms),
    Route("GET", "/v4/forms/{form_id}/subscribers", subscribers_of_form),
    Route("POST", "/v4/forms/{form_id}/subscribers", add_by_email),
    Route("POST", "/v4/forms/{form_id}/subscribers/{id}", add_by_id),
)
