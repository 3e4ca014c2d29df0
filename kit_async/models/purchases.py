"""Purchases: what subscribers bought, as an e-commerce integration reports it."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Purchase", "PurchaseProduct"]


@attrs.frozen
class PurchaseProduct:
    """One line item of a purchase.

    Attributes:
        name: The product's name.
        pid: Your identifier for the product (variants share it).
        lid: The line item's identifier, unique within the purchase.
        quantity: How many.
        unit_price: The price of one.
        sku: The product's SKU (`None` when it has none).
    """

    name: str
    pid: str
    lid: str
    quantity: int
    unit_price: float
    sku: str | None = None


@attrs.frozen
class Purchase:
    """A purchase (`GET /v4/purchases`, `GET /v4/purchases/{id}`, `POST /v4/purchases`).

    Attributes:
        id: The purchase's id in Kit.
        transaction_id: Your unique id for the transaction (Kit upserts on it).
        status: E.g. `paid`.
        email_address: The subscriber it belongs to.
        currency: The 3-letter currency code, e.g. `USD`.
        transaction_time: When the transaction happened.
        subtotal: The subtotal.
        discount: The discount.
        tax: The tax.
        total: The total.
        products: Its line items.
        subscriber_id: The subscriber's id (sent by Kit since 2026).
        source: Where the purchase came from (sent by Kit since 2026).
    """

    id: int
    transaction_id: str
    status: str
    email_address: str
    currency: str
    transaction_time: datetime
    subtotal: float
    discount: float
    tax: float
    total: float
    products: tuple[PurchaseProduct, ...]
    subscriber_id: int | None = None
    source: str | None = None
