"""The values `kit.subscribers` writes: custom field values (at most 140) and bulk items."""

from __future__ import annotations

from collections.abc import Mapping

from .._core.validation import check_choice, check_text
from .._core.values import compact
from .._kit import SUBSCRIBER_STATES

__all__ = ["MAX_FIELDS", "bulk_subscriber", "custom_fields", "optional_text"]

#: Kit takes at most this many custom fields in one create or update.
MAX_FIELDS = 140


def optional_text(name: str, value: object) -> str | None:
    """`value` checked as non-empty text, or `None` (not sent)."""
    return None if value is None else check_text(name, value)


def custom_fields(fields: object) -> dict[str, str] | None:
    """Custom field values by label or key: at most 140, text values."""
    if fields is None:
        return None
    if not isinstance(fields, Mapping):
        msg = f"fields must be a dict of custom field values, got {type(fields).__name__}"
        raise TypeError(msg)
    if len(fields) > MAX_FIELDS:
        msg = (
            f"fields has {len(fields)} custom fields; Kit sets at most {MAX_FIELDS} in one call "
            "(split them over several updates)"
        )
        raise ValueError(msg)
    checked: dict[str, str] = {}
    for key, value in fields.items():
        name = check_text("fields key", key)
        checked[name] = check_text(f"fields[{name!r}]", value, allow_empty=True)
    return checked


def bulk_subscriber(item: object, index: int) -> dict[str, str]:
    """One subscriber of a bulk create: Kit's `email_address`, `first_name` and `state` only."""
    where = f"subscribers[{index}]"
    if not isinstance(item, Mapping):
        msg = f"{where} must be a dict with an email_address, got {item!r}"
        raise TypeError(msg)
    unknown = set(item) - {"email_address", "first_name", "state"}
    if unknown:
        msg = (
            f"{where} has keys Kit does not take here: {', '.join(sorted(map(str, unknown)))} "
            "(email_address, first_name, state)"
        )
        raise TypeError(msg)
    return compact(
        {
            "email_address": check_text(f"{where}['email_address']", item.get("email_address")),
            "first_name": optional_text(f"{where}['first_name']", item.get("first_name")),
            "state": check_choice(f"{where}['state']", item.get("state"), SUBSCRIBER_STATES),
        }
    )
