"""Purchases (OAuth apps only): list, get, and create (an upsert on `transaction_id`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ... import _kit
from .. import _paging
from .._records import PurchaseRecord
from .._wire import Refused, json_response
from ._input import get_or_404, json_body, moment, path_id
from ._route import Route
from ._shapes import iso
from .subscribers import check_email

if TYPE_CHECKING:
    from .._fakekit import FakeKit


def render(purchase: PurchaseRecord) -> dict[str, Any]:
    """A purchase as Kit shows it (the shipping amount is not shown)."""
    return {
        "id": purchase.id,
        "transaction_id": purchase.transaction_id,
        "status": purchase.status,
        "email_address": purchase.email_address,
        "subscriber_id": purchase.subscriber_id,
        "source": purchase.source,
        "currency": purchase.currency,
        "transaction_time": iso(purchase.transaction_time),
        "subtotal": purchase.subtotal,
        "discount": purchase.discount,
        "tax": purchase.tax,
        "total": purchase.total,
        "products": [dict(product) for product in purchase.products],
    }


def _products(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise Refused("products must be a list of at least one product")
    products: list[dict[str, Any]] = []
    for index, product in enumerate(value):
        if not isinstance(product, dict):
            raise Refused(f"products[{index}] must be an object")
        missing = [
            name for name in _kit.PURCHASE_PRODUCT_REQUIRED_FIELDS if product.get(name) is None
        ]
        if missing:
            raise Refused(*(f"products[{index}].{name} can't be blank" for name in missing))
        products.append({name: product[name] for name in _kit.PURCHASE_PRODUCT_REQUIRED_FIELDS})
    return products


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _checked(given: Mapping[str, Any]) -> dict[str, Any]:
    """The fields given, checked: every one of them is required."""
    missing = [name for name in _kit.PURCHASE_FIELDS if _blank(given.get(name))]
    if missing:
        messages = {"transaction_id": "Transaction cannot be blank"}
        raise Refused(*(messages.get(name, f"{name} can't be blank") for name in missing))
    fields: dict[str, Any] = {}
    for name in _kit.PURCHASE_AMOUNT_FIELDS:
        value = given[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refused(f"{name} must be a number")
        fields[name] = float(value)
    currency = given["currency"]
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise Refused("currency must be a three-letter ISO 4217 code, such as USD")
    return {
        "status": str(given["status"]),
        "transaction_time": moment(given["transaction_time"], "transaction_time"),
        "email_address": check_email(given["email_address"]),
        "transaction_id": str(given["transaction_id"]),
        "currency": currency.upper(),
        "products": _products(given["products"]),
        **fields,
    }


async def list_purchases(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/purchases`: newest first."""
    account = kit.account
    purchases = [account.purchases[i] for i in sorted(account.purchases, reverse=True)]
    page = _paging.page_of(request.query, purchases)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    return json_response({"purchases": [render(p) for p in shown], "pagination": pagination})


async def get_purchase(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/purchases/{id}`."""
    return json_response({"purchase": render(get_or_404(kit.account.purchases, path_id(request)))})


async def create_purchase(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/purchases`: upserted on `transaction_id`; products sent again are appended.

    An unknown address gets a new (active) subscriber. Every field is
    required, as Kit's description of 2026-10-02 requires them (a product's
    `sku` too); a missing one is a 422 naming it.
    """
    given = (await json_body(request)).get("purchase")
    if not isinstance(given, dict):
        raise Refused("purchase must be an object")
    fields = _checked(given)
    account = kit.account
    buyer = account.subscriber_by_email(fields["email_address"])
    if buyer is None:
        buyer = account.add_subscriber(fields["email_address"])
    existing = next(
        (p for p in account.purchases.values() if p.transaction_id == fields["transaction_id"]),
        None,
    )
    if existing is not None:
        products = [*existing.products, *fields.pop("products")]
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.products, existing.subscriber_id = products, buyer.id
        return json_response({"purchase": render(existing)}, 201)
    purchase = PurchaseRecord(id=account.next_id("purchases"), subscriber_id=buyer.id, **fields)
    account.purchases[purchase.id] = purchase
    return json_response({"purchase": render(purchase)}, 201)


ROUTES = (
    Route("GET", "/v4/purchases", list_purchases, oauth_only=True),
    Route("POST", "/v4/purchases", create_purchase, oauth_only=True),
    Route("GET", "/v4/purchases/{id}", get_purchase, oauth_only=True),
)
