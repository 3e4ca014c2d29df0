"""The fields of a sequence and of its emails: Kit's names, and the checked body of a write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from .._core.validation import check_choice, check_fields, check_id
from .._kit import DELAY_UNITS, SUBSCRIBER_SOURCE_TYPES, WEEKDAYS, DelayUnit
from ..models.sequences import SubscriberSource

__all__ = ["SequenceEmailFields", "SequenceFields", "email_body", "sequence_body"]

Days = list[str] | tuple[str, ...]


class SequenceFields(TypedDict, total=False):
    """Kit's fields of a sequence, for `create()` and `update()`."""

    name: str
    email_address: str
    email_template_id: int
    send_days: Days
    send_hour: int
    time_zone: str
    active: bool
    repeat: bool
    hold: bool
    exclude_subscriber_sources: list[SubscriberSource | Mapping[str, Any]]


class SequenceEmailFields(TypedDict, total=False):
    """Kit's fields of a sequence email, for `create_email()` and `update_email()`."""

    subject: str
    delay_value: int
    delay_unit: DelayUnit
    preview_text: str | None
    content: str | None
    email_template_id: int | None
    published: bool
    send_days: Days | None
    position: int | None


# Kit's names, in Kit's order, for the messages that refuse an unknown one.
_SEQUENCE_FIELDS = tuple(SequenceFields.__annotations__)
_EMAIL_FIELDS = tuple(SequenceEmailFields.__annotations__)


def sequence_body(
    call: str, fields: Mapping[str, Any], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The JSON body of a sequence's create or update: Kit's names only, checked."""
    return _body(call, fields, _SEQUENCE_FIELDS, required=required)


def email_body(
    call: str, fields: Mapping[str, Any], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The JSON body of a sequence email's create or update: Kit's names only, checked."""
    return _body(call, fields, _EMAIL_FIELDS, required=required)


def _days(name: str, value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        msg = f"{name} must be a list of weekdays such as ['monday'], got {value!r}"
        raise TypeError(msg)
    for day in value:
        check_choice(name, day, WEEKDAYS)
    return list(value)


def _source(index: int, source: object) -> dict[str, Any]:
    where = f"exclude_subscriber_sources[{index}]"
    if isinstance(source, SubscriberSource):
        return {"type": source.type, "ids": list(source.ids)}
    if not isinstance(source, Mapping) or "type" not in source or "ids" not in source:
        msg = f"{where} must be a SubscriberSource or a dict with type and ids, got {source!r}"
        raise TypeError(msg)
    check_choice(f"{where}['type']", source["type"], SUBSCRIBER_SOURCE_TYPES)
    ids = source["ids"]
    if not isinstance(ids, list | tuple):
        msg = f"{where}['ids'] must be a list of ids, got {ids!r}"
        raise TypeError(msg)
    return {"type": source["type"], "ids": [check_id(f"{where}['ids']", i) for i in ids]}


def _body(
    call: str,
    fields: Mapping[str, Any],
    known: tuple[str, ...],
    *,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The JSON body of a create or update: Kit's names only, enums and days checked."""
    body = check_fields(call, fields, known, required=required)
    if not body:
        msg = f"{call} needs at least one field to change"
        raise TypeError(msg)
    if "delay_unit" in body:
        check_choice("delay_unit", body["delay_unit"], DELAY_UNITS)
    if body.get("send_days") is not None:
        body["send_days"] = _days("send_days", body["send_days"])
    sources = body.get("exclude_subscriber_sources")
    if sources is not None:
        if not isinstance(sources, list | tuple):
            msg = f"exclude_subscriber_sources must be a list, got {sources!r}"
            raise TypeError(msg)
        body["exclude_subscriber_sources"] = [_source(i, s) for i, s in enumerate(sources)]
    return body
