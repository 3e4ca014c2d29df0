"""Purchases: `kit.purchases` (OAuth apps only)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    check_fields,
    check_id,
    check_text,
    check_when,
    is_number,
)
from .._kit import (
    PURCHASE_AMOUNT_FIELDS,
    PURCHASE_FIELDS,
    PURCHASE_PRODUCT_FIELDS,
    PURCHASE_PRODUCT_REQUIRED_FIELDS,
)
from ..models.purchases import Purchase

__all__ = ["PurchaseFields", "Purchases"]

LIST = ListEndpoint("/v4/purchases", Purchase, Envelope(at=("purchases",)), oauth_only=True)
GET = Endpoint("GET", "/v4/purchases/{id}", Purchase, Envelope(at=("purchase",)), oauth_only=True)
# Kit upserts on transaction_id but appends the products sent again as more
# line items: a repeat would duplicate them, so it is not retried.
CREATE = Endpoint("POST", "/v4/purchases", Purchase, Envelope(at=("purchase",)), oauth_only=True)


class PurchaseFields(TypedDict):
    """Kit's `purchase` fields of `POST /v4/purchases`: the keywords of `kit.purchases.create()`.

    All eleven are required, as Kit's description of 2026-10-02 requires
    them (see "Purchases" in the docs for the evidence). See
    `kit.purchases.create()`.
    """

    email_address: str
    transaction_id: str
    status: str
    currency: str
    transaction_time: datetime | date | str
    subtotal: float
    tax: float
    shipping: float
    discount: float
    total: float
    products: Iterable[Mapping[str, Any]]


_CURRENCY = re.compile(r"[A-Za-z]{3}")


def _amount(name: str, value: object) -> float | int:
    if not is_number(value):
        msg = f"{name} must be a number, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if not math.isfinite(value):
        msg = f"{name} must be a finite number, got {value!r}"
        raise ValueError(msg)
    return value


def _product(index: int, item: object) -> dict[str, Any]:
    where = f"products[{index}]"
    if not isinstance(item, Mapping):
        msg = f"{where} must be a dict with Kit's fields ({', '.join(PURCHASE_PRODUCT_FIELDS)})"
        raise TypeError(msg)
    check_fields(where, item, PURCHASE_PRODUCT_FIELDS)
    missing = [name for name in PURCHASE_PRODUCT_REQUIRED_FIELDS if name not in item]
    if missing:
        msg = f"{where} needs {', '.join(missing)}"
        raise TypeError(msg)
    product: dict[str, Any] = {
        "name": check_text(f"{where}['name']", item["name"]),
        "pid": check_text(f"{where}['pid']", item["pid"]),
        "lid": check_text(f"{where}['lid']", item["lid"]),
        "quantity": check_id(f"{where}['quantity']", item["quantity"]),
        "unit_price": _amount(f"{where}['unit_price']", item["unit_price"]),
        "sku": check_text(f"{where}['sku']", item["sku"]),
    }
    return product


def _products(value: object) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        msg = f"products must be a list of dicts, got {type(value).__name__}"
        raise TypeError(msg)
    products = [_product(index, item) for index, item in enumerate(value)]
    seen: set[str] = set()
    for index, product in enumerate(products):
        if product["lid"] in seen:
            msg = (
                f"products[{index}] repeats lid {product['lid']!r}: each line item of a "
                "purchase needs its own lid"
            )
            raise ValueError(msg)
        seen.add(product["lid"])
    return products


def _purchase(fields: Mapping[str, Any]) -> dict[str, Any]:
    check_fields("kit.purchases.create()", fields, PURCHASE_FIELDS, required=PURCHASE_FIELDS)
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name in PURCHASE_AMOUNT_FIELDS:
            body[name] = _amount(name, value)
        elif name == "products":
            body[name] = _products(value)
        elif name == "transaction_time":
            body[name] = check_when(name, value)
        elif name == "currency":
            currency = check_text(name, value)
            if not _CURRENCY.fullmatch(currency):
                msg = f"currency must be a 3-letter code such as USD, got {currency!r}"
                raise ValueError(msg)
            body[name] = currency
        else:
            body[name] = check_text(name, value)
    return body


class Purchases(Resource):
    """Purchases reported by e-commerce integrations (OAuth apps only).

    Kit serves these endpoints to OAuth apps only: a client with an API key
    raises `OAuthRequiredError` before sending anything.
    """

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Purchase]:
        """Every purchase of the account (`GET /v4/purchases`; OAuth apps only).

        Args:
            per_page: Purchases per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            OAuthRequiredError: the client has an API key (when the first
                page is fetched, before sending).
        """
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int) -> Purchase:
        """One purchase with its line items (`GET /v4/purchases/{id}`; OAuth apps only).

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            NotFoundError: no purchase has that id.
        """
        return await GET.call(self._transport, {"id": check_id("id", id)})

    async def create(self, **purchase: Unpack[PurchaseFields]) -> Purchase:
        """Record a purchase for a subscriber (`POST /v4/purchases`; OAuth apps only).

        Kit creates the subscriber (active) when the email address is new,
        and the products when they do not exist. Purchases are upserted on
        `transaction_id`, but the `products` sent again are **appended** as
        more line items: when updating a purchase send only its new
        products (`products=[]` for none). For the same reason the call is
        not retried once it may have reached Kit; after a connection error
        or a timeout, check with `get()` or `list()` before sending again.

        Keyword arguments are Kit's `purchase` fields (sent as
        `{"purchase": {...}}`):

        - `email_address`, `transaction_id` (your unique id for the
          transaction), `status` (Kit supports `paid`), `currency` (3
          letters, e.g. `USD`), `transaction_time` (an aware datetime, a
          date or ISO 8601 text; see "Dates and times" in the docs), the
          amounts `subtotal`, `tax`, `shipping`, `discount` and `total`, and
          `products`: all required, as Kit's description of 2026-10-02
          requires them; checked before sending (and by mypy: see
          `PurchaseFields`).
        - `products`: plain dicts with Kit's fields `name`, `pid` (your
          product id; variants share it), `lid` (the line item's id, unique
          within the purchase), `quantity`, `unit_price` and `sku`, all
          required.

        Raises:
            ValueError: a `transaction_time` that is not ISO 8601, or without a
                time zone (before sending).
            OAuthRequiredError: the client has an API key (before sending).
            TypeError: an unknown field, a missing required one (named in
                the message), or a value of the wrong type (before sending).
            ValueError: a currency that is not 3 letters, a repeated `lid`
                (before sending).
            UnprocessableEntityError: Kit refused the purchase.
        """
        return await CREATE.call(self._transport, json={"purchase": _purchase(purchase)})
