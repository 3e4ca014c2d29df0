"""Models back into plain JSON data: `kit_async.to_jsonable()`."""

from __future__ import annotations

from typing import Any

from ._converter import converter

__all__ = ["to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """A model (or models) as plain JSON data, ready for `json.dumps` or a web framework.

    Takes any kit-async model, a `Page`, or a list, tuple or dict of them (and
    plain JSON values), and returns only dicts, lists, `str`, `int`,
    `float`, `bool` and `None`: a model becomes a dict keyed by Kit's own
    field names, a tuple a list, a datetime an ISO 8601 string with its
    offset (`2023-02-17T11:43:55+00:00`). A model of an answer Kit documents
    only in part (`WebhookDeliveryRecord`) becomes the object Kit sent, its
    `raw`, whole. Decoding the result as Kit's body
    gives back an equal model. Every field is included, even the ones
    `repr()` hides: `WebhookEndpoint.secret` (set only by `create()` and
    `rotate_secret()`) and `TokenSet`'s tokens.

    Args:
        value: What to convert.

    Returns:
        New plain data: changing it changes no model.

    Example:
        ```python
        import json
        from datetime import UTC, datetime

        import kit_async

        tag = kit_async.Tag(id=5, name="VIP", created_at=datetime(2026, 7, 29, tzinfo=UTC))
        assert kit_async.to_jsonable(tag) == {
            "id": 5,
            "name": "VIP",
            "created_at": "2026-07-29T00:00:00+00:00",
            "tagged_at": None,
            "subscriber_count": None,
        }
        json.dumps(kit_async.to_jsonable([tag]))  # FastAPI: return kit_async.to_jsonable(x)
        ```
    """
    return converter.unstructure(value)
