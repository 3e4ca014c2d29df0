"""`kit.webhook_endpoints.deliveries()` and `delivery()`: Kit's webhook delivery history.

Unit tests of one layer, with aioresponses: the arguments are checked before
any request, the query is what Kit's description names, and the answers
(documented only in part) decode their known fields while keeping the whole
object in `raw`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses

import kit_async
from kit_async import (
    KitClient,
    NotFoundError,
    ResponseValidationError,
    UnprocessableEntityError,
    WebhookDeliveryRecord,
    to_jsonable,
)
from kit_async._kit import WEBHOOK_DELIVERY_STATUSES
from kit_async.models import FrozenDict

BASE = "https://api.kit.example"
ANY_URL = re.compile(r".*")
LIST = "/v4/webhook_endpoints/21/deliveries"
ONE = "/v4/webhook_endpoints/21/deliveries/7001"

# A delivery as Kit might send it: the fields Kit's guides name, and some they do not.
DELIVERY: dict[str, Any] = {
    "id": 7001,
    "status": "failed",
    "completed_at": "2026-12-01T10:00:02Z",
    "attempt_count": 8,
    "event_type": "subscriber.created",
    "attempts": [{"ran_at": "2026-12-01T10:00:00Z", "http_status": 503, "took_ms": 41}],
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzFd",
    "end_cursor": "WzFd",
    "per_page": 500,
}


@pytest.fixture
async def kit() -> AsyncIterator[KitClient]:
    async with KitClient("kit_history_key", base_url=BASE, rate_limit=None) as client:
        yield client


def answer(mocked: aioresponses, body: Any, status: int = 200) -> list[tuple[str, dict[str, str]]]:
    """Answer every GET with `body`; return (path, query) of each request sent."""
    sent: list[tuple[str, dict[str, str]]] = []

    def record(url: Any, **_: Any) -> None:
        sent.append((url.path, dict(url.query)))

    mocked.get(ANY_URL, status=status, payload=body, callback=record, repeat=True)
    return sent


# -- the arguments, checked before any request ---------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "bounced"}, ValueError, "status must be one of pending, retrying"),
        ({"event_type": "subscriber.created_at"}, ValueError, "event_type must be one of"),
        ({"per_page": 0}, ValueError, "per_page"),
        ({"after": "a", "before": "b"}, ValueError, "either after= or before="),
    ],
)
async def test_deliveries_refuses_bad_arguments_before_any_request(
    mocked: aioresponses, kit: KitClient, kwargs: dict[str, Any], error: type, message: str
) -> None:
    sent = answer(mocked, {})

    with pytest.raises(error, match=message):
        kit.webhook_endpoints.deliveries(21, **kwargs)

    assert sent == []


@pytest.mark.parametrize("endpoint_id", [0, -1, "21", True, None])
async def test_deliveries_needs_an_endpoint_id(
    mocked: aioresponses, kit: KitClient, endpoint_id: Any
) -> None:
    sent = answer(mocked, {})

    with pytest.raises((TypeError, ValueError), match="endpoint_id"):
        kit.webhook_endpoints.deliveries(endpoint_id)

    assert sent == []


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((0, 7001), {}, "endpoint_id"),
        ((21, "7001"), {}, "delivery_id"),
        ((21, 7001), {"include_payload": "true"}, "include_payload"),
        ((21, 7001), {"include_payload": 1}, "include_payload"),
    ],
)
async def test_delivery_refuses_bad_arguments_before_any_request(
    mocked: aioresponses, kit: KitClient, args: tuple[Any, ...], kwargs: dict[str, Any], name: str
) -> None:
    sent = answer(mocked, {})

    with pytest.raises((TypeError, ValueError), match=name):
        await kit.webhook_endpoints.delivery(*args, **kwargs)

    assert sent == []


def test_the_status_filter_takes_kits_four_statuses() -> None:
    assert WEBHOOK_DELIVERY_STATUSES == ("pending", "retrying", "delivered", "failed")


# -- what is sent ----------------------------------------------------------------------------------


async def test_deliveries_sends_both_filters_and_the_paging(
    mocked: aioresponses, kit: KitClient
) -> None:
    sent = answer(mocked, {"deliveries": [], "pagination": PAGE_END})

    paginator = kit.webhook_endpoints.deliveries(
        21, status="failed", event_type="subscriber.tag_added", per_page=50, after="WzJd"
    )
    assert [page.items async for page in paginator.pages()] == [()]

    assert sent == [
        (
            LIST,
            {
                "status": "failed",
                "event_type": "subscriber.tag_added",
                "per_page": "50",
                "after": "WzJd",
            },
        )
    ]


async def test_deliveries_without_filters_sends_none(mocked: aioresponses, kit: KitClient) -> None:
    sent = answer(mocked, {"deliveries": [], "pagination": PAGE_END})

    assert [d async for d in kit.webhook_endpoints.deliveries(21)] == []

    assert sent == [(LIST, {"per_page": "1000"})]


async def test_delivery_asks_for_the_payload_only_when_told(
    mocked: aioresponses, kit: KitClient
) -> None:
    sent = answer(mocked, {"delivery": DELIVERY})

    await kit.webhook_endpoints.delivery(21, 7001)
    await kit.webhook_endpoints.delivery(21, 7001, include_payload=True)

    assert sent == [(ONE, {}), (ONE, {"include_payload": "true"})]


# -- how the answers decode ------------------------------------------------------------------------


async def test_a_listed_delivery_decodes_its_known_fields_and_keeps_the_rest_in_raw(
    mocked: aioresponses, kit: KitClient
) -> None:
    answer(mocked, {"deliveries": [DELIVERY], "pagination": PAGE_END})

    [delivery] = [d async for d in kit.webhook_endpoints.deliveries(21)]

    assert delivery == WebhookDeliveryRecord(
        id=7001,
        status="failed",
        completed_at=datetime(2026, 12, 1, 10, 0, 2, tzinfo=UTC),
        attempt_count=8,
        raw=DELIVERY,
    )
    assert delivery.payload is None
    assert delivery.raw["event_type"] == "subscriber.created"
    assert delivery.raw["attempts"][0]["http_status"] == 503


async def test_the_raw_object_is_read_only_and_left_out_of_the_repr(
    mocked: aioresponses, kit: KitClient
) -> None:
    answer(mocked, {"delivery": DELIVERY})

    delivery = await kit.webhook_endpoints.delivery(21, 7001)

    assert isinstance(delivery.raw, FrozenDict)
    with pytest.raises(TypeError, match="read-only"):
        delivery.raw["attempts"][0]["http_status"] = 200
    assert "attempts" not in repr(delivery)
    assert hash(delivery) == hash(await kit.webhook_endpoints.delivery(21, 7001))


async def test_the_payload_is_decoded_when_asked_for(mocked: aioresponses, kit: KitClient) -> None:
    events = [{"id": "evt_1", "type": "subscriber.created", "data": {"subscriber": {"id": 5}}}]
    answer(mocked, {"delivery": {**DELIVERY, "payload": events}})

    delivery = await kit.webhook_endpoints.delivery(21, 7001, include_payload=True)

    assert delivery.payload == events
    with pytest.raises(TypeError, match="read-only"):
        delivery.payload.append({})


async def test_a_delivery_still_being_tried_has_no_completed_at(
    mocked: aioresponses, kit: KitClient
) -> None:
    answer(mocked, {"delivery": {"id": 7001, "status": "retrying", "completed_at": None}})

    delivery = await kit.webhook_endpoints.delivery(21, 7001)

    assert (delivery.status, delivery.completed_at, delivery.attempt_count) == (
        "retrying",
        None,
        None,
    )


async def test_to_jsonable_gives_back_the_object_kit_sent(
    mocked: aioresponses, kit: KitClient
) -> None:
    answer(mocked, {"delivery": DELIVERY})

    delivery = await kit.webhook_endpoints.delivery(21, 7001)

    assert to_jsonable(delivery) == DELIVERY
    assert type(to_jsonable(delivery)) is dict
    assert json.loads(json.dumps(to_jsonable(delivery))) == DELIVERY


def test_to_jsonable_of_a_record_built_by_hand_gives_its_fields() -> None:
    record = WebhookDeliveryRecord(id=1, status="delivered", attempt_count=1)

    assert to_jsonable(record) == {
        "id": 1,
        "status": "delivered",
        "completed_at": None,
        "attempt_count": 1,
        "payload": None,
    }


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"status": "failed"}, "delivery.id"),
        ({"id": "7001", "status": "failed"}, "delivery.id"),
        ({"id": 7001, "status": "failed", "attempt_count": "8"}, "delivery.attempt_count"),
        ({"id": 7001, "status": "failed", "completed_at": 5}, "delivery.completed_at"),
    ],
)
async def test_a_known_field_of_the_wrong_type_is_a_clear_error(
    mocked: aioresponses, kit: KitClient, item: dict[str, Any], field: str
) -> None:
    answer(mocked, {"delivery": item})

    with pytest.raises(ResponseValidationError) as caught:
        await kit.webhook_endpoints.delivery(21, 7001)

    assert caught.value.field == field


async def test_kits_404_and_422_are_raised_as_such(mocked: aioresponses, kit: KitClient) -> None:
    mocked.get(ANY_URL, status=404, payload={"errors": ["Not Found"]})
    mocked.get(ANY_URL, status=422, payload={"errors": ["Unknown event_type: x"]})

    with pytest.raises(NotFoundError):
        await kit.webhook_endpoints.delivery(21, 7001)
    with pytest.raises(UnprocessableEntityError, match="Unknown event_type"):
        await anext(kit.webhook_endpoints.deliveries(21).pages())


def test_the_record_is_exported_with_the_other_models() -> None:
    assert kit_async.WebhookDeliveryRecord is kit_async.models.WebhookDeliveryRecord
    assert "WebhookDeliveryRecord" in kit_async.__all__
