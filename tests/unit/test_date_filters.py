"""Every date and time a resource method sends: checked before any request, sent in one form.

`DATES` lists each such parameter with the call that sends it and where its
value lands in the request; `test_every_date_parameter_of_the_api_is_listed`
finds them in the signatures (any parameter or keyword typed with `date`), so
a new one cannot be added without its checks here. Requests go nowhere:
aioresponses answers 404 and records what the client sent.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from types import UnionType
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses

import kit_async
from kit_async._core.declarations import Resource
from kit_async._core.validation import check_when

BASE_URL = "https://kit.test"
ANY_URL = re.compile(r"^https://kit\.test/.*$")
PLUS_ONE = timezone(timedelta(hours=1))

PRODUCT = {
    "name": "Tip",
    "pid": "p-1",
    "lid": "l-1",
    "quantity": 1,
    "unit_price": 1.0,
    "sku": "T-1",
}
PURCHASE = {  # every field Kit requires but the transaction_time under test
    "email_address": "buyer@example.com",
    "transaction_id": "t-1",
    "status": "paid",
    "subtotal": 1.0,
    "tax": 0.0,
    "shipping": 0.0,
    "discount": 0.0,
    "total": 1.0,
    "currency": "USD",
    "products": [PRODUCT],
}


@attrs.frozen
class Sent:
    """One request the client sent: its query and JSON body."""

    query: dict[str, str]
    body: Any


@attrs.frozen
class DateParam:
    """A date parameter: the method that takes it, how to call it, where its value is sent.

    Attributes:
        method: `namespace.method`, as found in the signatures.
        name: The parameter as error messages name it.
        call: Calls the method with the value in that parameter.
        read: The value as sent.
        day: Kit takes a whole day only (`YYYY-MM-DD`).
    """

    method: str
    name: str
    call: Callable[[kit_async.KitClient, object], Awaitable[Any]]
    read: Callable[[Sent], object]
    day: bool = attrs.field(kw_only=True)

    def __str__(self) -> str:
        return f"{self.method}({self.name})"


def query(method: str, name: str, call: Callable[..., Any], *, day: bool = False) -> DateParam:
    """A query parameter of a method, passed as a keyword."""
    return DateParam(
        method,
        name,
        lambda kit, value: call(kit, **{name: value}),
        lambda s: s.query[name],
        day=day,
    )


def body(method: str, name: str, call: Callable[..., Any], *path: str | int) -> DateParam:
    """A body field of a method, passed as a keyword; `path` leads to it in the JSON."""

    def read(sent: Sent) -> object:
        value = sent.body
        for step in (*path, name):
            value = value[step]
        return value

    return DateParam(method, name, lambda kit, value: call(kit, **{name: value}), read, day=False)


def condition(bound: str) -> DateParam:
    """A bound of a `kit.subscribers.filter()` condition (Kit: `format: date`)."""
    return DateParam(
        "subscribers.filter",
        f"conditions[0][{bound!r}]",
        lambda kit, value: kit.subscribers.filter([{"type": "opens", bound: value}]),
        lambda s: s.body["all"][0][bound],
        day=True,
    )


def stats_range(end: str) -> DateParam:
    """A bound of the `stats` include's range of `kit.subscribers.filter()` (YYYY-MM-DD)."""
    return DateParam(
        "subscribers.filter",
        f"include[0]['range'][{end!r}]",
        lambda kit, value: kit.subscribers.filter(
            [{"type": "subscriber_state", "states": ["active"]}],
            include=[{"type": "stats", "range": {end: value}}],
        ),
        lambda s: s.body["include"][0]["range"][end],
        day=True,
    )


DATES = [
    *(
        query("broadcasts.list", name, lambda kit, **kw: kit.broadcasts.list(**kw))
        for name in ("sent_after", "sent_before")
    ),
    *(
        query("broadcasts.list_stats", name, lambda kit, **kw: kit.broadcasts.list_stats(**kw))
        for name in ("sent_after", "sent_before")
    ),
    *(
        query("forms.subscribers", name, lambda kit, **kw: kit.forms.subscribers(1, **kw))
        for name in ("added_after", "added_before", "created_after", "created_before")
    ),
    *(
        query("sequences.subscribers", name, lambda kit, **kw: kit.sequences.subscribers(1, **kw))
        for name in ("added_after", "added_before", "created_after", "created_before")
    ),
    *(
        query("subscribers.list", name, lambda kit, **kw: kit.subscribers.list(**kw))
        for name in ("created_after", "created_before", "updated_after", "updated_before")
    ),
    *(
        query("tags.subscribers", name, lambda kit, **kw: kit.tags.subscribers(1, **kw))
        for name in ("created_after", "created_before", "tagged_after", "tagged_before")
    ),
    *(
        query(
            "account.growth_stats",
            name,
            lambda kit, **kw: kit.account.growth_stats(**kw),
            day=True,
        )
        for name in ("starting", "ending")
    ),
    *(
        query("subscribers.stats", name, lambda kit, **kw: kit.subscribers.stats(1, **kw), day=True)
        for name in ("email_sent_after", "email_sent_before")
    ),
    condition("after"),
    condition("before"),
    stats_range("start"),
    stats_range("end"),
    *(
        body("broadcasts.create", name, lambda kit, **kw: kit.broadcasts.create(**kw))
        for name in ("published_at", "send_at")
    ),
    *(
        body("broadcasts.update", name, lambda kit, **kw: kit.broadcasts.update(1, **kw))
        for name in ("published_at", "send_at")
    ),
    body(
        "purchases.create",
        "transaction_time",
        lambda kit, **kw: kit.purchases.create(**PURCHASE, **kw),
        "purchase",
    ),
]
DAYS = [param for param in DATES if param.day]
MOMENTS = [param for param in DATES if not param.day]


@pytest.fixture
def recorded(mocked: aioresponses) -> list[Sent]:
    """Every request the client sends, answered 404."""
    sent: list[Sent] = []

    def record(url: Any, **kwargs: Any) -> None:
        data = kwargs.get("data")
        sent.append(Sent(dict(url.query), json.loads(data) if data else None))

    for method in ("GET", "POST", "PUT"):
        mocked.add(
            ANY_URL,
            method=method,
            status=404,
            payload={"errors": ["Not Found"]},
            callback=record,
            repeat=True,
        )
    return sent


async def send(param: DateParam, value: object, recorded: list[Sent]) -> object:
    """Call the method with `value`; what was sent in its place."""
    async with kit_async.KitClient(
        access_token="dates_token", base_url=BASE_URL, rate_limit=None
    ) as kit:
        with pytest.raises(kit_async.NotFoundError):
            await param.call(kit, value)
    (sent,) = recorded
    return param.read(sent)


async def refused(
    param: DateParam, value: object, error: type[Exception], recorded: list[Sent]
) -> str:
    """Call the method with `value`, expecting `error` before any request; its message."""
    async with kit_async.KitClient(
        access_token="dates_token", base_url=BASE_URL, rate_limit=None
    ) as kit:
        with pytest.raises(error) as info:
            await param.call(kit, value)
    assert recorded == []
    return str(info.value)


# -- every parameter is listed --------------------------------------------------------------


def _mentions_date(hint: object) -> bool:
    if isinstance(hint, type):
        return issubclass(hint, date)
    if isinstance(hint, UnionType) or typing.get_origin(hint) is not None:
        return any(_mentions_date(arg) for arg in typing.get_args(hint))
    return False


def _date_parameters(kit: kit_async.KitClient) -> set[tuple[str, str]]:
    """(`namespace.method`, parameter) for every parameter or keyword typed with a date."""
    found: set[tuple[str, str]] = set()
    for namespace, cls in ((name, type(value)) for name, value in vars(kit).items()):
        if not issubclass(cls, Resource):
            continue
        for name, function in vars(cls).items():
            if name.startswith("_") or not callable(function):
                continue
            hints = typing.get_type_hints(function, include_extras=True)
            for parameter, hint in hints.items():
                if parameter == "return":
                    continue
                if typing.get_origin(hint) is typing.Unpack:
                    (fields,) = typing.get_args(hint)
                    inner = typing.get_type_hints(fields)
                    found |= {
                        (f"{namespace}.{name}", k) for k, v in inner.items() if _mentions_date(v)
                    }
                elif _mentions_date(hint):
                    found.add((f"{namespace}.{name}", parameter))
    return found


async def test_every_date_parameter_of_the_api_is_listed() -> None:
    listed = {(param.method, param.name) for param in DATES}
    async with kit_async.KitClient(
        access_token="dates_token", base_url=BASE_URL, rate_limit=None
    ) as kit:
        found = _date_parameters(kit)
    assert found - listed == set()
    # The filter's nested bounds are typed as dicts, so only the listing finds them.
    assert listed - found == {
        ("subscribers.filter", "conditions[0]['after']"),
        ("subscribers.filter", "conditions[0]['before']"),
        ("subscribers.filter", "include[0]['range']['start']"),
        ("subscribers.filter", "include[0]['range']['end']"),
    }


# -- refused before any request ---------------------------------------------------------------


@pytest.mark.parametrize("param", DATES, ids=str)
async def test_yesterday_is_refused_naming_the_parameter(
    param: DateParam, recorded: list[Sent]
) -> None:
    message = await refused(param, "yesterday", ValueError, recorded)
    assert message.startswith(f"{param.name} must be")
    assert "'yesterday'" in message


@pytest.mark.parametrize("param", DATES, ids=str)
@pytest.mark.parametrize("value", [20260131, b"2026-01-31"], ids=repr)
async def test_a_value_of_another_type_is_a_type_error_naming_it(
    param: DateParam, value: object, recorded: list[Sent]
) -> None:
    message = await refused(param, value, TypeError, recorded)
    assert message.startswith(f"{param.name} must be")
    assert repr(value) in message


@pytest.mark.parametrize("param", DATES, ids=str)
@pytest.mark.parametrize("value", ["", "2026-02-30", "31/01/2026"], ids=repr)
async def test_text_that_is_not_iso_8601_is_a_value_error(
    param: DateParam, value: str, recorded: list[Sent]
) -> None:
    message = await refused(param, value, ValueError, recorded)
    assert message.startswith(f"{param.name} must be")


@pytest.mark.parametrize("param", MOMENTS, ids=str)
@pytest.mark.parametrize(
    "value", [datetime(2026, 1, 31, 9, 30), "2026-01-31T09:30:00", "2026-01-31 09:30"], ids=repr
)
async def test_a_time_without_a_time_zone_is_refused(
    param: DateParam, value: object, recorded: list[Sent]
) -> None:
    message = await refused(param, value, ValueError, recorded)
    assert message.startswith(f"{param.name} has no time zone")


@pytest.mark.parametrize("param", DAYS, ids=str)
async def test_a_datetime_where_kit_counts_whole_days_is_a_type_error(
    param: DateParam, recorded: list[Sent]
) -> None:
    message = await refused(param, datetime(2026, 1, 31, tzinfo=UTC), TypeError, recorded)
    assert message.startswith(f"{param.name} must be a date (Kit counts whole days)")
    assert f"pass {param.name}=value.date()" in message


@pytest.mark.parametrize("param", DAYS, ids=str)
async def test_a_time_of_day_text_where_kit_counts_whole_days_is_a_value_error(
    param: DateParam, recorded: list[Sent]
) -> None:
    message = await refused(param, "2026-01-31T09:30:00Z", ValueError, recorded)
    assert message.startswith(f"{param.name} must be an ISO 8601 date")


# -- accepted, and sent in one form -----------------------------------------------------------


@pytest.mark.parametrize("param", MOMENTS, ids=str)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 1, 31), "2026-01-31"),
        ("2026-01-31", "2026-01-31"),
        ("20260131", "2026-01-31"),
        (datetime(2026, 1, 31, 9, 30, tzinfo=UTC), "2026-01-31T09:30:00Z"),
        (datetime(2026, 1, 31, 10, 30, tzinfo=PLUS_ONE), "2026-01-31T09:30:00Z"),
        (datetime(2026, 1, 31, 9, 30, 0, 250000, tzinfo=UTC), "2026-01-31T09:30:00.250000Z"),
        ("2026-01-31T09:30:00Z", "2026-01-31T09:30:00Z"),
        ("2026-01-31T10:30:00+01:00", "2026-01-31T09:30:00Z"),
        ("2026-01-31 09:30Z", "2026-01-31T09:30:00Z"),
    ],
    ids=repr,
)
async def test_a_date_or_an_aware_time_is_sent_as_a_date_or_in_utc(
    param: DateParam, value: object, expected: str, recorded: list[Sent]
) -> None:
    assert await send(param, value, recorded) == expected


@pytest.mark.parametrize("param", DAYS, ids=str)
@pytest.mark.parametrize(
    "value", [date(2026, 1, 31), "2026-01-31", "20260131", "2026-W05-6"], ids=repr
)
async def test_a_whole_day_is_sent_as_yyyy_mm_dd(
    param: DateParam, value: object, recorded: list[Sent]
) -> None:
    assert await send(param, value, recorded) == "2026-01-31"


# -- the helper itself ------------------------------------------------------------------------


def test_none_is_not_sent() -> None:
    assert check_when("created_after", None) is None
    assert check_when("starting", None, day=True) is None
