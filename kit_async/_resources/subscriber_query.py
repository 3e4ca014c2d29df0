"""The query of `kit.subscribers.list()`: Kit's filters, checked, and the combinations it refuses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._core.validation import check_choice, check_text, check_when
from .._kit import SORT_ORDERS, SUBSCRIBER_INCLUDES, SUBSCRIBER_SORT_FIELDS, SUBSCRIBER_STATUSES

__all__ = ["list_query"]


def list_query(
    *,
    status: object,
    email_address: object,
    created_after: object,
    created_before: object,
    updated_after: object,
    updated_before: object,
    sort_field: object,
    sort_order: object,
    include: object,
    slim: bool,
    include_total_count: bool,
) -> dict[str, Any]:
    """The query parameters of `GET /v4/subscribers` (without paging), checked before sending."""
    status_value = check_choice("status", status, SUBSCRIBER_STATUSES)
    sort = check_choice("sort_field", sort_field, SUBSCRIBER_SORT_FIELDS)
    includes = _comma_list("include", include, SUBSCRIBER_INCLUDES)
    emails = _comma_list("email_address", email_address)
    if status_value != "cancelled":
        if sort in ("cancelled_at", "canceled_at"):
            msg = f"sort_field={sort!r} needs status='cancelled' (Kit answers 422)"
            raise ValueError(msg)
        if includes is not None and "canceled_at" in includes.split(","):
            msg = "include 'canceled_at' needs status='cancelled' (Kit answers 422)"
            raise ValueError(msg)
    if sort is not None and sort.startswith("engagement__") and emails is not None:
        msg = f"sort_field={sort!r} cannot be combined with email_address (Kit refuses it)"
        raise ValueError(msg)
    return {
        "status": status_value,
        "email_address": emails,
        "created_after": check_when("created_after", created_after),
        "created_before": check_when("created_before", created_before),
        "updated_after": check_when("updated_after", updated_after),
        "updated_before": check_when("updated_before", updated_before),
        "sort_field": sort,
        "sort_order": check_choice("sort_order", sort_order, SORT_ORDERS),
        "include": includes,
        "slim": slim or None,
        "include_total_count": include_total_count or None,
    }


def _comma_list(name: str, value: object, choices: Iterable[str] | None = None) -> str | None:
    """One value or several, sent comma-separated (`include=tags,location`)."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        msg = f"{name} must be a str or a list of str, got {type(value).__name__}"
        raise TypeError(msg)
    checked = [check_text(f"{name}[{i}]", item) for i, item in enumerate(items)]
    if choices is not None:
        for i, item in enumerate(checked):
            check_choice(f"{name}[{i}]", item, choices)
    return ",".join(checked) or None
