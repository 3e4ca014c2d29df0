"""The body of `kit.subscribers.filter()`: Kit's conditions, includes and sort, checked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._core.validation import check_choice, check_when
from .._kit import (
    COUNTING_MODES,
    FILTER_CONDITION_TYPES,
    FILTER_INCLUDES,
    FILTER_SORT_FIELDS,
    SORT_ORDERS,
)

__all__ = ["filter_body"]


def filter_body(
    conditions: object,
    *,
    counting_mode: object,
    include: object,
    sort_field: object,
    sort_order: object,
) -> dict[str, Any]:
    """The JSON body of a filter search, without its paging; refuses what Kit would."""
    if isinstance(conditions, str | bytes | Mapping) or not isinstance(conditions, Iterable):
        msg = f"conditions must be a list of dicts, got {type(conditions).__name__}"
        raise TypeError(msg)
    checked = [_condition(item, i) for i, item in enumerate(conditions)]
    if isinstance(include, str | bytes | Mapping) or not isinstance(include, Iterable):
        msg = f"include must be a list, got {type(include).__name__}"
        raise TypeError(msg)
    includes = [_include(item, i) for i, item in enumerate(include)]
    sort = check_choice("sort_field", sort_field, FILTER_SORT_FIELDS)
    if sort == "location__distance" and not any(c["type"] == "location" for c in checked):
        msg = "sort_field='location__distance' needs a 'location' condition (its origin)"
        raise ValueError(msg)
    return {
        "all": checked,
        "counting_mode": check_choice("counting_mode", counting_mode, COUNTING_MODES),
        "include": includes or None,
        "sort_field": sort,
        "sort_order": check_choice("sort_order", sort_order, SORT_ORDERS),
    }


def _condition(item: object, index: int) -> dict[str, Any]:
    where = f"conditions[{index}]"
    if not isinstance(item, Mapping):
        msg = f"{where} must be a dict such as {{'type': 'opens', ...}}, got {item!r}"
        raise TypeError(msg)
    condition = dict(item)
    if "type" not in condition:
        msg = f"{where} has no 'type' (one of {', '.join(FILTER_CONDITION_TYPES)})"
        raise ValueError(msg)
    check_choice(f"{where}['type']", condition["type"], FILTER_CONDITION_TYPES)
    for bound in ("after", "before"):
        if bound in condition:
            condition[bound] = check_when(f"{where}[{bound!r}]", condition[bound], day=True)
    return condition


def _include(item: object, index: int) -> dict[str, Any]:
    where = f"include[{index}]"
    entry = {"type": item} if isinstance(item, str) else item
    if not isinstance(entry, Mapping) or "type" not in entry:
        msg = f"{where} must be a type name or a dict with a 'type', got {item!r}"
        raise TypeError(msg)
    check_choice(f"{where}['type']", entry["type"], FILTER_INCLUDES)
    checked = dict(entry)
    span = checked.get("range")
    if isinstance(span, Mapping):
        # The stats range: Kit takes days, so `date`s are sent as `YYYY-MM-DD`.
        checked["range"] = {
            key: check_when(f"{where}['range'][{key!r}]", value, day=True)
            if key in ("start", "end")
            else value
            for key, value in span.items()
        }
    return checked
