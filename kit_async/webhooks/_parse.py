"""Decoding a delivery's body into typed events (the signature is `_verify`'s)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .._converter import _SchemaError, _structure_item, loads
from ._errors import WebhookPayloadError
from ._payloads import Delivery, EventData, WebhookEvent

__all__ = ["parse_delivery"]


# The delivery as Kit sends it, before each event's `data` is decoded.
@attrs.frozen
class _RawEvent:
    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]


@attrs.frozen
class _Envelope:
    delivery_id: int
    events: tuple[_RawEvent, ...]


def parse_delivery(body: bytes | str) -> Delivery:
    """Decode a delivery's body, **without verifying it**.

    For a body whose signature was already checked (with
    [`WebhookVerifier.verify_signature`][kit_async.webhooks.WebhookVerifier.verify_signature],
    say, before it was queued). Decoding uses kit-async's converter: types are checked strictly, and
    fields it does not know are ignored.

    Args:
        body: The body, as bytes or text.

    Returns:
        The delivery.

    Raises:
        WebhookPayloadError: The body is not JSON, or not Kit's shape; the
            error's `field` names the offending field.

    Example:
        ```python
        from kit_async.webhooks import parse_delivery

        delivery = parse_delivery(
            b'{"delivery_id": 123456, "events": [{"id": "9c2e1f3a", "type": "tag.created",'
            b' "created": "2026-07-29T14:32:10Z", "data": {"tag": {"id": 5, "name": "VIP"}}}]}'
        )
        assert delivery.events[0].data.tag is not None
        assert delivery.events[0].data.tag.name == "VIP"
        ```
    """
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    elif not isinstance(body, bytes | str):
        msg = f"body must be bytes or str, not {type(body).__name__}"
        raise TypeError(msg)
    try:
        document = loads(body)
    except ValueError as exc:  # orjson's and json's decode errors are ValueErrors
        raise WebhookPayloadError(f"the body is not JSON ({exc})", field=None) from None
    if not isinstance(document, dict):
        kind = "array" if isinstance(document, list) else type(document).__name__
        raise WebhookPayloadError(f"expected a JSON object, got {kind}", field=None)
    try:
        _check_events_shape(document)
        envelope = _structure_item(document, _Envelope, {}, "")
        events = tuple(_decode_event(raw, index) for index, raw in enumerate(envelope.events))
    except _SchemaError as exc:
        raise WebhookPayloadError(str(exc), field=(exc.field or "").lstrip(".") or None) from None
    return Delivery(delivery_id=envelope.delivery_id, events=events)


def _check_events_shape(document: dict[str, Any]) -> None:
    # The converter would iterate a dict or a string as if it were the list.
    events = document.get("events")
    if events is None:
        return  # the converter reports the missing field
    if not isinstance(events, list):
        raise _SchemaError(f"expected array, got {type(events).__name__}", "events")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise _SchemaError(f"expected object, got {type(event).__name__}", f"events[{index}]")


_RESOURCES = tuple(field.name for field in attrs.fields(EventData) if field.name != "raw")


def _decode_event(raw: _RawEvent, index: int) -> WebhookEvent:
    where = f"events[{index}].data"
    for name in _RESOURCES:
        # cattrs would explain a list in place of a model with an IndexError.
        value = raw.data.get(name)
        if value is not None and not isinstance(value, dict):
            kind = "list" if isinstance(value, list) else type(value).__name__
            raise _SchemaError(f"expected object, got {kind}", f"{where}.{name}")
    data = _structure_item(raw.data, EventData, {"raw": raw.data}, where)
    return WebhookEvent(id=raw.id, type=raw.type, created=raw.created, data=data)
