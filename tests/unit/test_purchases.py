"""`kit.purchases`: OAuth only; what each method sends and how it reads Kit's answers.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    InternalServerError,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    Purchase,
    PurchaseProduct,
    UnprocessableEntityError,
)

PRODUCTS = [
    {
        "name": "Phantom Hourglass",
        "pid": "804-02-4430",
        "lid": "811-75-7900",
        "quantity": 1,
        "unit_price": 23.22,
        "sku": "SM21-SH-M02-RD-S-001",
    },
    {
        "name": "Twilight Princess",
        "pid": "833-51-1151",
        "lid": "766-49-1241",
        "quantity": 1,
        "unit_price": 32.22,
        "sku": "WT21-JK-M03-BK-L-012",
    },
]
PURCHASE = {
    "id": 20,
    "transaction_id": "796-92-4892",
    "subscriber_id": 526,
    "status": "paid",
    "email_address": "pru.magoo@convertkit.dev",
    "currency": "USD",
    "transaction_time": "2023-02-17T11:43:55Z",
    "subtotal": 78.66,
    "discount": 5,
    "tax": 7.87,
    "total": 81.53,
    "products": [{**product, "sku": None} for product in PRODUCTS],
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzNd",
    "end_cursor": "WzFd",
    "per_page": 500,
}
NEW: dict[str, Any] = {
    "email_address": "pru.magoo@convertkit.dev",
    "transaction_id": "796-92-4892",
    "status": "paid",
    "subtotal": 78.66,
    "tax": 7.87,
    "shipping": 0,
    "discount": 5.0,
    "total": 81.53,
    "currency": "USD",
    "transaction_time": "2023-02-17T11:43:55Z",
    "products": PRODUCTS,
}


def oauth_client(server: Scripted) -> KitClient:
    return KitClient(access_token="purchases_token", base_url=server.url, rate_limit=None)


def api_key_client(server: Scripted) -> KitClient:
    return KitClient("kit_purchases_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_every_purchase_call_is_refused_to_an_api_key_before_sending(
    scripted: Scripted,
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(OAuthRequiredError):
            await kit.purchases.list()
        with pytest.raises(OAuthRequiredError):
            await kit.purchases.get(20)
        with pytest.raises(OAuthRequiredError):
            await kit.purchases.create(**NEW)
    assert scripted.received == []


async def test_list_reads_purchases_and_their_line_items(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"purchases": [PURCHASE], "pagination": PAGE_END}))
    async with oauth_client(scripted) as kit:
        (purchase,) = [p async for p in kit.purchases.list(include_total_count=True)]

    assert purchase == Purchase(
        id=20,
        transaction_id="796-92-4892",
        status="paid",
        email_address="pru.magoo@convertkit.dev",
        currency="USD",
        transaction_time=datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
        subtotal=78.66,
        discount=5.0,
        tax=7.87,
        total=81.53,
        products=(
            PurchaseProduct("Phantom Hourglass", "804-02-4430", "811-75-7900", 1, 23.22),
            PurchaseProduct("Twilight Princess", "833-51-1151", "766-49-1241", 1, 32.22),
        ),
        subscriber_id=526,
    )
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/purchases")
    assert dict(query) == {"include_total_count": "true", "per_page": "1000"}
    assert scripted.received[0][4]["Authorization"] == "Bearer purchases_token"


async def test_a_2025_purchase_without_subscriber_id_still_decodes(scripted: Scripted) -> None:
    older = {k: v for k, v in PURCHASE.items() if k != "subscriber_id"}
    scripted.answers.append(web.json_response({"purchase": older}))
    async with oauth_client(scripted) as kit:
        purchase = await kit.purchases.get(20)
    assert (purchase.id, purchase.subscriber_id, purchase.source) == (20, None, None)
    assert sent(scripted)[:2] == ("GET", "/v4/purchases/20")


async def test_an_unknown_purchase_is_a_not_found_error(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with oauth_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.purchases.get(14)
    assert info.value.resource_id == 14


async def test_create_wraps_the_fields_in_purchase(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"purchase": PURCHASE}, status=201))
    async with oauth_client(scripted) as kit:
        purchase = await kit.purchases.create(**NEW)

    assert (purchase.id, len(purchase.products)) == (20, 2)
    assert sent(scripted) == ("POST", "/v4/purchases", [], {"purchase": NEW})


async def test_create_sends_a_transaction_time_as_iso_8601_in_utc(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"purchase": PURCHASE}, status=201))
    async with oauth_client(scripted) as kit:
        await kit.purchases.create(
            **{**NEW, "transaction_time": datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)}
        )
    assert sent(scripted)[3] == {"purchase": {**NEW, "transaction_time": "2023-02-17T11:43:55Z"}}


async def test_an_update_without_new_products_sends_an_empty_list(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"purchase": PURCHASE}, status=201))
    async with oauth_client(scripted) as kit:
        await kit.purchases.create(**{**NEW, "status": "paid", "products": []})
    assert sent(scripted)[3]["purchase"]["products"] == []


async def test_create_is_not_retried_because_kit_appends_resent_products(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=502), web.json_response({"purchase": PURCHASE})]
    async with oauth_client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.purchases.create(**NEW)
    assert len(scripted.received) == 1


def _without(name: str) -> dict[str, Any]:
    return {k: v for k, v in NEW.items() if k != name}


def _product_without(name: str) -> dict[str, Any]:
    return {k: v for k, v in PRODUCTS[0].items() if k != name}


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {**NEW, "first_name": "Pru"},
            TypeError,
            r"kit.purchases.create\(\) got an unknown field 'first_name'",
        ),
        ({**NEW, "currency": "dollars"}, ValueError, "currency must be a 3-letter code"),
        ({**NEW, "total": "81.53"}, TypeError, "total must be a number"),
        ({**NEW, "tax": True}, TypeError, "tax must be a number"),
        ({**NEW, "total": float("nan")}, ValueError, "total must be a finite number"),
        ({**NEW, "transaction_time": 1676634235}, TypeError, "transaction_time must be"),
        ({**NEW, "products": PRODUCTS[0]}, TypeError, "products must be a list of dicts"),
        ({**NEW, "products": ["Tip"]}, TypeError, r"products\[0\] must be a dict"),
        (
            {**NEW, "products": [{**PRODUCTS[0], "price": 1}]},
            TypeError,
            r"products\[0\] got an unknown field 'price'",
        ),
        (
            {**NEW, "products": [_product_without("lid")]},
            TypeError,
            r"products\[0\] needs lid",
        ),
        (
            {**NEW, "products": [{**PRODUCTS[0], "quantity": 0}]},
            ValueError,
            r"products\[0\]\['quantity'\] must be a positive int",
        ),
        (
            {**NEW, "products": [PRODUCTS[0], {**PRODUCTS[1], "lid": PRODUCTS[0]["lid"]}]},
            ValueError,
            r"products\[1\] repeats lid '811-75-7900'",
        ),
    ],
)
async def test_bad_purchases_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.purchases.create(**fields)
    assert scripted.received == []


def test_every_field_of_kits_purchase_is_required() -> None:
    # Kit's description of 2026-10-02 requires all eleven (KIT_API_2026.md).
    assert sorted(NEW) == sorted(
        (
            "email_address",
            "transaction_id",
            "status",
            "subtotal",
            "tax",
            "shipping",
            "discount",
            "total",
            "currency",
            "transaction_time",
            "products",
        )
    )


@pytest.mark.parametrize("name", sorted(NEW))
@pytest.mark.parametrize("how", ["left out", "None"])
async def test_a_missing_field_is_refused_before_sending_by_name(
    scripted: Scripted, name: str, how: str
) -> None:
    fields = _without(name) if how == "left out" else {**NEW, name: None}
    async with oauth_client(scripted) as kit:
        with pytest.raises(TypeError, match=rf"kit\.purchases\.create\(\) needs {name} \(Kit"):
            await kit.purchases.create(**fields)
    assert scripted.received == []


@pytest.mark.parametrize("name", sorted(PRODUCTS[0]))
async def test_a_product_missing_a_field_is_refused_before_sending_by_name(
    scripted: Scripted, name: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(TypeError, match=rf"products\[0\] needs {name}"):
            await kit.purchases.create(**{**NEW, "products": [_product_without(name)]})
    assert scripted.received == []


async def test_kits_422_carries_its_message(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"errors": ["Transaction cannot be blank"]}, status=422)
    )
    async with oauth_client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.purchases.create(**NEW)
    assert info.value.errors == ("Transaction cannot be blank",)
