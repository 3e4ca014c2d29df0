"""FakeKit's purchases over plain HTTP: OAuth only, the upsert on transaction_id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

TOKEN = "fake_at_purchases"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
PRODUCT = {
    "name": "Phantom Hourglass",
    "pid": "804-02-4430",
    "lid": "811-75-7900",
    "quantity": 1,
    "unit_price": 23.22,
    "sku": "SM21-001",
}
PURCHASE = {
    "email_address": "pru@example.com",
    "transaction_id": "796-92-4892",
    "status": "paid",
    "subtotal": 23.22,
    "tax": 2.0,
    "shipping": 0,
    "discount": 0,
    "total": 25.22,
    "currency": "usd",
    "transaction_time": "2026-02-17T11:43:55Z",
    "products": [PRODUCT],
}


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, access_token=TOKEN, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v4/purchases"), ("POST", "/v4/purchases"), ("GET", "/v4/purchases/1")],
)
async def test_an_api_key_gets_401_on_every_purchases_route(
    server: FakeKit, method: str, path: str
) -> None:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
        status, body = await call(http, method, path, json={"purchase": PURCHASE})

    assert status == 401
    assert "OAuth" in body["errors"][0]
    assert not server.account.purchases


async def test_create_makes_the_buyer_a_subscriber(server: FakeKit, http) -> None:
    status, body = await call(http, "POST", "/v4/purchases", json={"purchase": PURCHASE})

    assert status == 201
    buyer = server.account.subscriber_by_email("pru@example.com")
    assert buyer is not None
    assert buyer.state == "active"
    assert body["purchase"] == {
        "id": 1,
        "transaction_id": "796-92-4892",
        "status": "paid",
        "email_address": "pru@example.com",
        "subscriber_id": buyer.id,
        "source": "API",
        "currency": "USD",
        "transaction_time": "2026-02-17T11:43:55Z",
        "subtotal": 23.22,
        "discount": 0.0,
        "tax": 2.0,
        "total": 25.22,
        "products": [PRODUCT],
    }


async def test_the_same_transaction_is_updated_and_its_products_appended(
    server: FakeKit, http
) -> None:
    existing = server.add_subscriber("pru@example.com")
    await call(http, "POST", "/v4/purchases", json={"purchase": PURCHASE})
    again = {**PURCHASE, "status": "refunded", "products": [{**PRODUCT, "lid": "2"}]}

    status, body = await call(http, "POST", "/v4/purchases", json={"purchase": again})

    assert status == 201
    assert body["purchase"]["id"] == 1
    assert body["purchase"]["status"] == "refunded"
    assert [p["lid"] for p in body["purchase"]["products"]] == ["811-75-7900", "2"]
    assert body["purchase"]["subscriber_id"] == existing.id
    assert len(server.account.purchases) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transaction_id": None}, "Transaction cannot be blank"),
        ({"currency": None}, "currency can't be blank"),
        ({"total": "lots"}, "total must be a number"),
        ({"currency": "dollars"}, "currency must be a three-letter ISO 4217 code, such as USD"),
        ({"products": []}, "products must be a list of at least one product"),
        ({"products": [{**PRODUCT, "pid": None}]}, "products[0].pid can't be blank"),
        ({"products": ["x"]}, "products[0] must be an object"),
        ({"email_address": "nope"}, "Email address is invalid"),
    ],
)
async def test_create_refuses_an_incomplete_purchase(
    server: FakeKit, http, change: dict[str, Any], message: str
) -> None:
    status, body = await call(
        http, "POST", "/v4/purchases", json={"purchase": {**PURCHASE, **change}}
    )

    assert (status, body) == (422, {"errors": [message]})
    assert not server.account.purchases
    assert await call(http, "POST", "/v4/purchases", json={}) == (
        422,
        {"errors": ["purchase must be an object"]},
    )


@pytest.mark.parametrize("name", sorted(PURCHASE))
async def test_a_missing_field_gets_422_naming_it(server: FakeKit, http, name: str) -> None:
    # Kit's description of 2026-10-02 requires every field of a purchase.
    without = {key: value for key, value in PURCHASE.items() if key != name}

    status, body = await call(http, "POST", "/v4/purchases", json={"purchase": without})

    assert status == 422
    (message,) = body["errors"]
    assert message.split()[0] == {"transaction_id": "Transaction"}.get(name, name)
    assert not server.account.purchases


async def test_list_and_get(http) -> None:
    for n in range(3):
        await call(
            http, "POST", "/v4/purchases", json={"purchase": {**PURCHASE, "transaction_id": str(n)}}
        )

    _, listed = await call(http, "GET", "/v4/purchases", params={"per_page": "2"})
    _, one = await call(http, "GET", "/v4/purchases/2")

    assert [p["transaction_id"] for p in listed["purchases"]] == ["2", "1"]
    assert listed["pagination"]["has_next_page"] is True
    assert one["purchase"]["transaction_id"] == "1"
    assert await call(http, "GET", "/v4/purchases/9") == (404, {"errors": ["Not Found"]})


@pytest.mark.parametrize("sku", ["left out", None])
async def test_a_product_without_a_sku_gets_422(server: FakeKit, http, sku: str | None) -> None:
    # Kit's description of 2026-10-02: a product's sku is required.
    product = {k: v for k, v in PRODUCT.items() if k != "sku"}
    if sku is None:
        product["sku"] = None

    status, body = await call(
        http, "POST", "/v4/purchases", json={"purchase": {**PURCHASE, "products": [product]}}
    )

    assert (status, body) == (422, {"errors": ["products[0].sku can't be blank"]})
    assert not server.account.purchases
