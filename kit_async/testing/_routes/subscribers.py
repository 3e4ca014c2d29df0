"""Subscribers: list, upsert, update, unsubscribe, their tags and stats, the pinned location."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..._kit import (
    PINNED_LOCATION_FIELDS,
    SORT_ORDERS,
    SUBSCRIBER_INCLUDES,
    SUBSCRIBER_SORT_FIELDS,
    SUBSCRIBER_STATES,
)
from .. import _paging
from .._account import FakeAccount
from .._account_data import RETENTION
from .._records import SubscriberRecord
from .._wire import Refused, json_response, no_content
from ._input import (
    between,
    choice,
    flag,
    get_or_404,
    includes,
    json_body,
    moment,
    path_id,
    text,
)
from ._members import with_status
from ._route import Route
from ._shapes import iso, subscriber

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ENGAGEMENT = {
    "engagement__sent": "sent",
    "engagement__opens": "opened",
    "engagement__clicks": "clicked",
    "engagement__open_rate": "open_rate",
    "engagement__click_rate": "click_rate",
}
_ATTRIBUTION = (
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "source_type",
    "source_name",
    "source_mechanism",
    "source_mechanism_id",
)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
MAX_FIELDS = 140
ASYNC_FIELDS = 10  # more custom fields than this: 202, written in the background


def check_email(value: Any) -> str:
    """A valid email address, or Kit's 422 "Email address is invalid"."""
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise Refused("Email address is invalid")
    return value.strip()


def field_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The `fields` of a subscriber body (at most 140)."""
    fields = body.get("fields")
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise Refused("fields must be an object of custom field keys and values")
    if len(fields) > MAX_FIELDS:
        raise Refused(f"A maximum of {MAX_FIELDS} custom fields can be created or updated at once")
    return fields


def _warnings(unknown: list[str]) -> list[str]:
    return [f"Custom field does not exist and was ignored: {name}" for name in unknown]


def location(pin: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A pinned location as a subscriber shows it (`state` and `country`, not the pin's names)."""
    if pin is None:
        return None
    return {
        "city": pin.get("city"),
        "state": pin.get("state_province"),
        "country": pin.get("country_code"),
        "latitude": pin.get("latitude"),
        "longitude": pin.get("longitude"),
        "timezone": pin.get("timezone"),
    }


def _included(account: FakeAccount, record: SubscriberRecord, wanted: set[str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if "attribution" in wanted:
        extra["attribution"] = {name: (record.attribution or {}).get(name) for name in _ATTRIBUTION}
    if "tags" in wanted:
        extra["tags"] = [{"id": tag.id, "name": tag.name} for tag, _ in account.tags_of(record.id)]
    if "location" in wanted:
        extra["location"] = location(record.location)
    if "canceled_at" in wanted:
        extra["canceled_at"] = iso(record.canceled_at)
    return extra


def _sort_key(field: str) -> Callable[[SubscriberRecord], Any]:
    if field in _ENGAGEMENT:
        stat = _ENGAGEMENT[field]
        return lambda record: (record.stats.get(stat) or 0, record.id)
    if field == "id":
        return lambda record: record.id
    attribute = "canceled_at" if field in {"cancelled_at", "canceled_at"} else field
    # A subscriber whose state was set by hand may have no canceled_at: it sorts first.
    return lambda record: (getattr(record, attribute) or _EARLIEST, record.id)


async def list_subscribers(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/subscribers`: Kit's filters, sorts, `include` and `slim`."""
    query = request.query
    keep = with_status(query)
    status = query.get("status", "active")
    sort_field = choice(query.get("sort_field", "id"), "sort_field", SUBSCRIBER_SORT_FIELDS) or "id"
    order = choice(query.get("sort_order", "desc"), "sort_order", SORT_ORDERS)
    wanted = includes(query, SUBSCRIBER_INCLUDES)
    emails = {e.strip().lower() for e in query.get("email_address", "").split(",") if e.strip()}
    if sort_field in {"cancelled_at", "canceled_at"} and status != "cancelled":
        raise Refused(f"The status param must be `cancelled` if sort_field is `{sort_field}`")
    if "canceled_at" in wanted and status != "cancelled":
        raise Refused("The status param must be `cancelled` to include canceled_at")
    if sort_field in _ENGAGEMENT and emails:
        raise Refused("Engagement sorts cannot be combined with email_address")
    created = (
        moment(query.get("created_after"), "created_after"),
        moment(query.get("created_before"), "created_before"),
    )
    updated = (
        moment(query.get("updated_after"), "updated_after"),
        moment(query.get("updated_before"), "updated_before"),
    )
    slim = flag(query, "slim")
    account = kit.account
    chosen = [
        record
        for record in account.subscribers.values()
        if keep(record)
        and (not emails or record.email_address.lower() in emails)
        and between(record.created_at, *created)
        and between(record.updated_at, *updated)
    ]
    chosen.sort(key=_sort_key(sort_field), reverse=order == "desc")
    page = _paging.page_of(query, chosen)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [
        {**subscriber(account, record, slim=slim), **_included(account, record, wanted)}
        for record in shown
    ]
    return json_response({"subscribers": items, "pagination": pagination})


async def create_subscriber(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/subscribers`: an upsert by address (201 new, 200 existing, 202 many fields)."""
    body = await json_body(request)
    account = kit.account
    email = check_email(body.get("email_address"))
    first_name = text(body, "first_name")
    state = choice(body.get("state"), "state", SUBSCRIBER_STATES) or "active"
    fields = field_values(body)
    existing = account.subscriber_by_email(email)
    if existing is not None:
        # Kit updates the first name only; neither the state nor the fields.
        if "first_name" in body:
            existing.first_name = first_name
            existing.updated_at = account.clock()
        shown = subscriber(account, existing)
        return json_response({"subscriber": shown, "warnings": []}, 200)
    record = account.add_subscriber(email, first_name=first_name, state=state)
    shown = subscriber(account, record)  # before the fields, as Kit's 202 shows it
    unknown = account.set_fields(record, fields)
    if len(fields) > ASYNC_FIELDS:
        return json_response({"subscriber": shown, "warnings": _warnings(unknown)}, 202)
    shown = subscriber(account, record)
    return json_response({"subscriber": shown, "warnings": _warnings(unknown)}, 201)


async def get_subscriber(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/subscribers/{id}`, with `canceled_at` and `location`."""
    record = get_or_404(kit.account.subscribers, path_id(request))
    shown = {
        **subscriber(kit.account, record),
        "canceled_at": iso(record.canceled_at),
        "location": location(record.location),
    }
    return json_response({"subscriber": shown})


async def update_subscriber(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/subscribers/{id}`: address, first name, custom fields (202 for many)."""
    account = kit.account
    record = get_or_404(account.subscribers, path_id(request))
    body = await json_body(request)
    fields = field_values(body)
    email = check_email(body["email_address"]) if "email_address" in body else None
    if email is not None:
        other = account.subscriber_by_email(email)
        if other is not None and other is not record:
            raise Refused("Email address has already been taken")
        record.email_address = email
    if "first_name" in body:
        record.first_name = text(body, "first_name")
    shown = subscriber(account, record)
    unknown = account.set_fields(record, fields)
    record.updated_at = account.clock()
    status = 202 if len(fields) > ASYNC_FIELDS else 200
    if status == 200:
        shown = subscriber(account, record)
    return json_response({"subscriber": shown, "warnings": _warnings(unknown)}, status)


async def unsubscribe(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/subscribers/{id}/unsubscribe`: cancelled now (204)."""
    account = kit.account
    record = get_or_404(account.subscribers, path_id(request))
    if record.state != "cancelled":
        record.state = "cancelled"
        record.canceled_at = record.updated_at = account.clock()
    return no_content()


async def tags_of_subscriber(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/subscribers/{subscriber_id}/tags`: with when each was added."""
    account = kit.account
    record = get_or_404(account.subscribers, path_id(request, "subscriber_id"))
    tagged = sorted(
        account.tags_of(record.id), key=lambda pair: (pair[1], pair[0].id), reverse=True
    )
    page = _paging.page_of(request.query, tagged)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [{"id": tag.id, "name": tag.name, "tagged_at": iso(at)} for tag, at in shown]
    return json_response({"tags": items, "pagination": pagination})


def _retained_since(kit: FakeKit, value: Any, name: str) -> None:
    when = moment(value, name)
    earliest = kit.account.clock() - RETENTION
    if when is not None and when < earliest:
        raise Refused(
            f"{name} is outside the 5-year data retention window: "
            f"the earliest available date is {earliest.date().isoformat()}",
            status=400,
        )


async def stats_of_subscriber(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/subscribers/{subscriber_id}/stats` (400 before the 5-year window)."""
    record = get_or_404(kit.account.subscribers, path_id(request, "subscriber_id"))
    for name in ("email_sent_after", "email_sent_before"):
        _retained_since(kit, request.query.get(name), name)
    return json_response({"subscriber": {"id": record.id, "stats": dict(record.stats)}})


# -- the pinned location --------------------------------------------------------------------

# Each field, and its name in Kit's "... can't be blank" ("State province").
_PIN: dict[str, str] = {
    name: name.replace("_", " ").capitalize() for name in PINNED_LOCATION_FIELDS
}


def _pin(body: Mapping[str, Any], *, every_field: bool) -> dict[str, Any]:
    given = body.get("location")
    if not isinstance(given, dict):
        raise Refused("location must be an object")
    required = _PIN if every_field else {"country_code": _PIN["country_code"]}
    blank = [
        f"{label} can't be blank"
        for name, label in required.items()
        if given.get(name) is None or given.get(name) == ""
    ]
    if blank:
        raise Refused(*blank)
    code = given["country_code"]
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2}", code):
        raise Refused("Country code must be an ISO 3166-1 alpha-2 code, such as US")
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = given.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit
        ):
            raise Refused(f"{_PIN[name]} must be a number between -{limit} and {limit}")
    return {name: given.get(name) for name in _PIN} | {"country_code": code.upper()}


async def _set_location(kit: FakeKit, request: web.Request, *, every_field: bool) -> web.Response:
    account = kit.account
    record = get_or_404(account.subscribers, path_id(request, "subscriber_id"))
    record.location = _pin(await json_body(request), every_field=every_field)
    record.updated_at = account.clock()
    return json_response({"subscriber": {"id": record.id, "location": dict(record.location)}})


async def pin_location(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/subscribers/{subscriber_id}/location`: pin (replacing any pin)."""
    return await _set_location(kit, request, every_field=False)


async def replace_location(kit: FakeKit, request: web.Request) -> web.Response:
    """`PATCH /v4/subscribers/{subscriber_id}/location`: a full replacement (all six fields)."""
    return await _set_location(kit, request, every_field=True)


async def delete_location(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/subscribers/{subscriber_id}/location`: no pin any more (204)."""
    record = get_or_404(kit.account.subscribers, path_id(request, "subscriber_id"))
    record.location = None
    return no_content()


ROUTES = (
    Route("GET", "/v4/subscribers", list_subscribers),
    Route("POST", "/v4/subscribers", create_subscriber),
    Route("GET", "/v4/subscribers/{id}", get_subscriber),
    Route("PUT", "/v4/subscribers/{id}", update_subscriber),
    Route("POST", "/v4/subscribers/{id}/unsubscribe", unsubscribe),
    Route("GET", "/v4/subscribers/{subscriber_id}/tags", tags_of_subscriber),
    Route("GET", "/v4/subscribers/{subscriber_id}/stats", stats_of_subscriber),
    Route("POST", "/v4/subscribers/{subscriber_id}/location", pin_location),
    Route("PATCH", "/v4/subscribers/{subscriber_id}/location", replace_location),
    Route("DELETE", "/v4/subscribers/{subscriber_id}/location", delete_location),
)
