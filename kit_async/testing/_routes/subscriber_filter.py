"""`POST /v4/subscribers/filter`: subscribers matching every condition of `all`.

FakeKit keeps no per-email history, only each subscriber's stats totals: the
engagement conditions (opens, clicks, sent, delivered) compare those totals
with the count thresholds, and their date bounds and `any` lists are accepted
but not applied. Every other condition is applied as Kit describes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..._kit import (
    COUNTING_MODES,
    FILTER_COMPARISONS,
    FILTER_CONDITION_TYPES,
    FILTER_INCLUDES,
    FILTER_SORT_FIELDS,
    SORT_ORDERS,
)
from .. import _paging
from .._account import FakeAccount
from .._account_data import RETENTION
from .._records import SubscriberRecord
from .._wire import Refused, json_response
from ._input import between, choice, json_body, moment
from ._route import Route
from ._shapes import iso
from .subscribers import location

if TYPE_CHECKING:
    from .._fakekit import FakeKit

Condition = Callable[[SubscriberRecord], bool]

_ENGAGEMENT = ("opens", "clicks", "sent", "delivered")
_MILES_PER_DEGREE = 69.0


def _count(record: SubscriberRecord, kind: str) -> float:
    stats = record.stats
    if kind == "opens":
        return float(stats.get("opened") or 0)
    if kind == "clicks":
        return float(stats.get("clicked") or 0)
    if kind == "sent":
        return float(stats.get("sent") or 0)
    return float((stats.get("sent") or 0) - (stats.get("bounced") or 0))


_THRESHOLDS: dict[str, Callable[[float, float], bool]] = {
    "count_greater_than": lambda count, bound: count > bound,
    "count_greater_than_or_equal": lambda count, bound: count >= bound,
    "count_less_than": lambda count, bound: count < bound,
    "count_less_than_or_equal": lambda count, bound: count <= bound,
}


def _thresholds(condition: Mapping[str, Any]) -> Callable[[float], bool]:
    bounds: list[tuple[Callable[[float, float], bool], float]] = []
    for name, test in _THRESHOLDS.items():
        bound = condition.get(name)
        if bound is not None:
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise Refused(f"{name} must be a number")
            bounds.append((test, float(bound)))
    return lambda count: all(test(count, bound) for test, bound in bounds)


def _ids(values: Any, name: str) -> set[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise Refused(f"{name} must be a list of ids")
    return set(values)


def _any_of(condition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = condition.get("any") or []
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise Refused("any must be a list of objects")
    return found


def _tags(account: FakeAccount, condition: Mapping[str, Any]) -> Condition:
    wanted: set[int] = set()
    for item in _any_of(condition):
        wanted |= _ids(item.get("matching"), "tags any[].matching")
    tagged = {
        subscriber_id
        for tag_id, links in account.taggings.items()
        if not wanted or tag_id in wanted
        for subscriber_id in links
    }
    return lambda record: record.id in tagged


def _attribution(account: FakeAccount, condition: Mapping[str, Any]) -> Condition:
    forms: set[int] = set()
    sources: list[Mapping[str, Any]] = []
    for item in _any_of(condition):
        if item.get("type") == "forms":
            forms |= _ids(item.get("ids"), "attribution any[].ids")
        elif item.get("type") == "kit_source":
            sources.append(item)
        else:
            raise Refused("attribution any[].type must be forms or kit_source")
    subscribed = {
        subscriber_id
        for form_id, links in account.form_subscriptions.items()
        if form_id in forms
        for subscriber_id in links
    }

    def matches(record: SubscriberRecord) -> bool:
        source_type = (record.attribution or {}).get("source_type")
        return record.id in subscribed or any(
            source.get("source_type") in {None, source_type} and source_type is not None
            for source in sources
        )

    return matches


def _custom_field(condition: Mapping[str, Any]) -> Condition:
    # An unknown field matches nobody (no subscriber has a value for it).
    field_id: Any = condition.get("subscriber_custom_field_id")
    comparison = choice(condition.get("comparison", "is"), "comparison", FILTER_COMPARISONS)
    wanted = condition.get("value")

    def matches(record: SubscriberRecord) -> bool:
        value = record.fields.get(field_id)
        if comparison == "has_value":
            return value not in {None, ""}
        if value is None:
            return False
        if comparison == "is":
            return bool(value == str(wanted))
        if comparison == "contains":
            return str(wanted).lower() in value.lower()
        try:
            number, bound = float(value), float(str(wanted))
        except ValueError:
            return False
        return {
            "greater_than": number > bound,
            "greater_than_or_equal": number >= bound,
            "less_than": number < bound,
            "less_than_or_equal": number <= bound,
        }[comparison or "is"]

    return matches


def _location(condition: Mapping[str, Any]) -> Condition:
    try:
        latitude = float(condition["latitude"])
        longitude = float(condition["longitude"])
        radius = float(condition["radius"])
    except (KeyError, TypeError, ValueError):
        raise Refused("location needs latitude, longitude and radius (in miles)") from None
    # Kit treats the area as a bounding box.
    across = radius / _MILES_PER_DEGREE
    wide = across / max(math.cos(math.radians(latitude)), 1e-6)

    def matches(record: SubscriberRecord) -> bool:
        pin = record.location or {}
        if pin.get("latitude") is None or pin.get("longitude") is None:
            return False
        north, east = float(pin["latitude"]), float(pin["longitude"])
        return abs(north - latitude) <= across and abs(east - longitude) <= wide

    return matches


def _condition(account: FakeAccount, condition: Any) -> Condition:
    if not isinstance(condition, dict):
        raise Refused("each condition of all must be an object")
    kind = choice(condition.get("type"), "type", FILTER_CONDITION_TYPES)
    if kind is None:
        raise Refused(f"each condition needs a type, one of: {', '.join(FILTER_CONDITION_TYPES)}")
    if kind in _ENGAGEMENT:
        for name in ("after", "before"):
            moment(condition.get(name), name)
        within = _thresholds(condition)
        return lambda record: within(_count(record, kind))
    if kind == "subscribed":
        after = moment(condition.get("after"), "after")
        before = moment(condition.get("before"), "before")
        return lambda record: between(record.created_at, after, before)
    if kind == "subscriber_state":
        states = condition.get("states")
        if not isinstance(states, list) or not states:
            raise Refused("states is required for a subscriber_state condition")
        return lambda record: record.state in states
    if kind == "tags":
        return _tags(account, condition)
    if kind == "attribution":
        return _attribution(account, condition)
    if kind == "custom_field":
        return _custom_field(condition)
    return _location(condition)


def _included(
    kit: FakeKit, record: SubscriberRecord, wanted: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    account = kit.account
    extra: dict[str, Any] = {}
    if "attribution" in wanted:
        extra["attribution"] = record.attribution
    if "tags" in wanted:
        extra["tags"] = [{"id": tag.id, "name": tag.name} for tag, _ in account.tags_of(record.id)]
    if "location" in wanted:
        extra["location"] = location(record.location)
    if "canceled_at" in wanted:
        extra["canceled_at"] = iso(record.canceled_at)
    if "custom_fields" in wanted:
        extra["custom_fields"] = account.fields_of(record)
    if "stats" in wanted:
        stats = dict(record.stats)
        for name in ("open_rate", "click_rate"):
            stats[name] = round(float(stats.get(name) or 0), 3)
        extra["stats"] = stats
    return extra


def _includes(kit: FakeKit, body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    given = body.get("include") or []
    if not isinstance(given, list) or not all(isinstance(item, dict) for item in given):
        raise Refused('include must be a list of objects such as {"type": "tags"}')
    wanted = {}
    for item in given:
        kind = choice(item.get("type"), "include[].type", FILTER_INCLUDES)
        if kind == "stats" and isinstance(item.get("range"), dict):
            earliest = kit.account.clock() - RETENTION
            for name in ("start", "end"):
                when = moment(item["range"].get(name), f"range.{name}")
                if when is not None and when < earliest:
                    raise Refused(
                        "The stats range is outside the 5-year data retention window: "
                        f"the earliest available date is {earliest.date().isoformat()}",
                        status=400,
                    )
        wanted[str(kind)] = item
    return wanted


def _sort_key(field: str) -> Callable[[SubscriberRecord], Any]:
    if field.startswith("engagement__"):
        stat = {"opens": "opened", "clicks": "clicked"}.get(field[12:], field[12:])
        return lambda record: (record.stats.get(stat) or 0, record.id)
    if field in {"first_name", "email_address"}:
        return lambda record: ((getattr(record, field) or "").lower(), record.id)
    if field == "created_at":
        return lambda record: (record.created_at, record.id)
    return lambda record: record.id


async def filter_subscribers(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/subscribers/filter` (pages with `after`/`per_page`, in the query or the body)."""
    body = await json_body(request)
    conditions = body.get("all")
    if not isinstance(conditions, list):
        raise Refused("all must be a list of conditions")
    account = kit.account
    checks = [_condition(account, condition) for condition in conditions]
    choice(body.get("counting_mode"), "counting_mode", COUNTING_MODES)
    wanted = _includes(kit, body)
    sort_field = choice(body.get("sort_field", "created_at"), "sort_field", FILTER_SORT_FIELDS)
    if sort_field == "location__distance":
        located = [c for c in conditions if c.get("type") == "location"]
        if not located:
            raise Refused("sort_field location__distance needs a location condition")
        order = body.get("sort_order", "asc")
        center = (float(located[0]["latitude"]), float(located[0]["longitude"]))
        key: Callable[[SubscriberRecord], Any] = lambda record: (  # noqa: E731 - one use
            math.dist(
                center,
                (
                    (record.location or {}).get("latitude") or 0,
                    (record.location or {}).get("longitude") or 0,
                ),
            ),
            record.id,
        )
    else:
        order = body.get("sort_order", "desc")
        key = _sort_key(sort_field or "created_at")
    choice(order, "sort_order", SORT_ORDERS)
    chosen = [r for r in account.subscribers.values() if all(check(r) for check in checks)]
    chosen.sort(key=key, reverse=order == "desc")
    query: dict[str, str] = {
        name: str(body[name]) for name in ("after", "before", "per_page") if name in body
    }
    query.update(request.query)
    page = _paging.window(query, len(chosen))
    if isinstance(page, web.Response):
        return page
    items = []
    for record in chosen[page.start : page.end]:
        tags = account.tags_of(record.id)
        items.append(
            {
                "id": str(record.id),
                "first_name": record.first_name,
                "email_address": record.email_address,
                "created_at": iso(record.created_at),
                "tag_names": [tag.name for tag, _ in tags],
                "tag_ids": [str(tag.id) for tag, _ in tags],
                **_included(kit, record, wanted),
            }
        )
    pagination = _paging.pagination(page, len(chosen), total_count=True)
    return json_response({"subscribers": items, "pagination": pagination})


ROUTES = (Route("POST", "/v4/subscribers/filter", filter_subscribers),)
