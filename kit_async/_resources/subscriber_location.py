"""A subscriber's pinned location as Kit takes it (`location`), each field checked."""

from __future__ import annotations

from typing import Any

from .._core.validation import check_text, is_number
from .._kit import PINNED_LOCATION_FIELDS

__all__ = ["location_body", "whole_location_body"]


def location_body(**given: object) -> dict[str, Any]:
    """The `location` body, each given field checked (`None`: not sent)."""
    location: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        if name == "latitude":
            location[name] = _number(name, value, 90)
        elif name == "longitude":
            location[name] = _number(name, value, 180)
        else:
            location[name] = check_text(name, value)
    code = location.get("country_code")
    if code is not None and not (len(code) == 2 and code.isascii() and code.isalpha()):
        msg = f"country_code must be an ISO 3166-1 alpha-2 code such as 'US', got {code!r}"
        raise ValueError(msg)
    return location


def whole_location_body(**given: object) -> dict[str, Any]:
    """The `location` body of a replacement: Kit requires every field (422 without one)."""
    missing = [name for name in PINNED_LOCATION_FIELDS if given[name] is None]
    if missing:
        msg = (
            f"update_location replaces the whole pin: {', '.join(missing)} must be given "
            "(resend the current value of a field you keep)"
        )
        raise TypeError(msg)
    return location_body(**given)


def _number(name: str, value: object, limit: float) -> float:
    if not is_number(value):
        msg = f"{name} must be a number, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if not -limit <= value <= limit:
        msg = f"{name} must be between {-limit:g} and {limit:g}, got {value}"
        raise ValueError(msg)
    return value
