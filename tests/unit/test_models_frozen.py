"""Every model: frozen for real (hashable, read-only inside) and turned back into JSON.

Each public model class of kit_async (and of kit_async.webhooks) is decoded
from a body that sets every field, the nested objects and arrays included,
by both decoders (the cattrs path and, with `kit-async[fast]`, msgspec's).
The decoded model must be hashable, refuse changes to the JSON it holds,
and go through `kit_async.to_jsonable` into plain JSON that decodes back
into an equal model.
"""

from __future__ import annotations

import copy
import json
import pickle
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

import kit_async
import kit_async._converter
import kit_async.webhooks
from kit_async import Page, Subscriber, Tag, to_jsonable
from kit_async._converter import Envelope, converter, read_object
from kit_async.models._ids import IdText

AT = Envelope(at=("item",))


def public_models() -> list[type[Any]]:
    names = [(kit_async, name) for name in kit_async.__all__]
    names += [(kit_async.webhooks, name) for name in kit_async.webhooks.__all__]
    found = [getattr(module, name) for module, name in names]
    # A setting of the client and a wrapper of Kit's answer, not what Kit sends.
    not_models = (kit_async.RetryPolicy, kit_async.RawResponse)
    return [
        kind
        for kind in found
        if isinstance(kind, type) and attrs.has(kind) and kind not in not_models
    ]


#: Generic models hold any model: checked holding a `Tag`.
_CONCRETE = {
    kit_async.Page: Page[Tag],
    kit_async.Upserted: kit_async.Upserted[Tag],
    kit_async.BulkResult: kit_async.BulkResult[Tag],
}
MODELS = [_CONCRETE.get(kind, kind) for kind in public_models()]


def test_the_models_are_all_found() -> None:
    names = {getattr(kind, "__name__", str(kind)) for kind in public_models()}

    assert {"Subscriber", "Broadcast", "Page", "Delivery", "WebhookEndpoint", "TokenSet"} <= names
    assert len(names) >= 45


def sample(kind: Any, params: Mapping[Any, Any] | None = None) -> Any:
    """A JSON value for `kind`, with every optional part present."""
    params = params or {}
    if isinstance(kind, typing.TypeVar):
        kind = params[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind == IdText:
        return "456"
    if kind is bool:
        return True
    if kind is int:
        return 7
    if kind is float:
        return 0.25
    if kind is str:
        return "text"
    if kind is datetime:
        return "2026-07-29T14:32:10Z"
    if kind is Any:
        return {"free": ["form", {"json": None}], "n": 1.5}
    if origin is tuple:
        return [sample(args[0], params)]
    if origin is Mapping:
        if args[1] is Any:
            return {"a": [1, {"b": None}], "c": "d"}
        return {"a": sample(args[1], params), "b": None}
    if origin in (typing.Union, types.UnionType):
        (other,) = [arg for arg in args if arg is not type(None)]
        return sample(other, params)
    model = origin or kind
    hints = typing.get_type_hints(model)
    inner = dict(zip(getattr(model, "__parameters__", ()), args, strict=False))
    return {field.name: sample(hints[field.name], inner) for field in attrs.fields(model)}


@pytest.fixture(
    params=["default", pytest.param("msgspec", marks=pytest.mark.requires_extra("fast"))]
)
def decoder(request, monkeypatch) -> str:
    if request.param == "default":
        monkeypatch.setattr(kit_async._converter, "_fast", None)
    return str(request.param)


def decode(kind: Any, value: Any) -> Any:
    if typing.get_origin(kind) is not None:  # a generic model: only the converter builds them
        return converter.structure(value, kind)
    content = json.dumps({"item": value}).encode()
    return read_object(content, kind, AT, method="GET", path="/v4/x")


def read_only_parts(value: Any) -> list[Any]:
    """Every dict and list held anywhere inside a model."""
    found: list[Any] = []
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            found += read_only_parts(getattr(value, field.name))
    elif isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += read_only_parts(item)
    elif isinstance(value, list | tuple):
        if isinstance(value, list):
            found.append(value)
        for item in value:
            found += read_only_parts(item)
    return found


def plain_json_only(value: Any) -> bool:
    if type(value) is dict:
        return all(type(key) is str and plain_json_only(item) for key, item in value.items())
    if type(value) is list:
        return all(plain_json_only(item) for item in value)
    return type(value) in (str, int, float, bool, type(None))


@pytest.mark.parametrize("kind", MODELS, ids=str)
def test_a_decoded_model_is_hashable(decoder: str, kind: Any) -> None:
    model = decode(kind, sample(kind))

    assert hash(model) == hash(decode(kind, sample(kind)))
    assert model in {model}


@pytest.mark.parametrize("kind", MODELS, ids=str)
def test_the_json_inside_a_decoded_model_cannot_be_changed(decoder: str, kind: Any) -> None:
    model = decode(kind, sample(kind))

    for part in read_only_parts(model):
        with pytest.raises(TypeError, match="read-only"):
            part[0 if isinstance(part, list) else "new"] = "changed"
        if isinstance(part, dict):
            with pytest.raises(TypeError):
                part.update(new="changed")
            with pytest.raises(TypeError):
                part.pop("a", None)
        else:
            with pytest.raises(TypeError):
                part.append("changed")
    assert model == decode(kind, sample(kind))


def test_models_holding_json_are_checked_for_it() -> None:
    # The test above must meet read-only parts, or it checks nothing.
    subscriber = decode(Subscriber, sample(Subscriber))
    parts = read_only_parts(subscriber)

    assert len(parts) >= 6  # fields, referrer_utm_parameters, location (and its list), ...
    with pytest.raises(TypeError):
        subscriber.fields["x"] = "y"


@pytest.mark.parametrize("kind", MODELS, ids=str)
def test_to_jsonable_gives_plain_json_that_decodes_back_to_an_equal_model(
    decoder: str, kind: Any
) -> None:
    model = decode(kind, sample(kind))

    data = to_jsonable(model)

    assert plain_json_only(data), data
    text = json.dumps(data, allow_nan=False)
    assert decode(kind, json.loads(text)) == model


@pytest.mark.requires_extra("fast")
@pytest.mark.parametrize("kind", MODELS, ids=str)
def test_both_decoders_give_the_same_types(kind: Any) -> None:
    def shape(value: Any) -> Any:
        if attrs.has(type(value)):
            fields = attrs.fields(type(value))
            return (type(value), tuple(shape(getattr(value, f.name)) for f in fields))
        if isinstance(value, dict):
            return (type(value), tuple((key, shape(item)) for key, item in value.items()))
        if isinstance(value, list | tuple):
            return (type(value), tuple(shape(item) for item in value))
        return type(value)

    fast = kit_async._converter._fast
    assert fast is not None
    if typing.get_origin(kind) is None:  # msgspec decodes it, not the cattrs path behind it
        assert fast.supports(kind, AT, "object")
    body = sample(kind)
    by_msgspec = decode(kind, body)
    kit_async._converter._fast = None
    try:
        by_cattrs = decode(kind, body)
    finally:
        kit_async._converter._fast = fast
    assert by_msgspec == by_cattrs
    assert shape(by_msgspec) == shape(by_cattrs)


def test_to_jsonable_writes_datetimes_with_their_offset_and_keeps_kits_names() -> None:
    tag = Tag(id=5, name="VIP", created_at=datetime(2026, 7, 29, 14, 32, 10, tzinfo=UTC))

    assert to_jsonable(tag) == {
        "id": 5,
        "name": "VIP",
        "created_at": "2026-07-29T14:32:10+00:00",
        "tagged_at": None,
        "subscriber_count": None,
    }


def test_to_jsonable_takes_lists_tuples_and_dicts_of_models() -> None:
    tag = Tag(id=5, name="VIP")

    data = to_jsonable({"tags": (tag,), "more": [tag], "n": 1})

    assert data == {"tags": [to_jsonable(tag)], "more": [to_jsonable(tag)], "n": 1}
    assert plain_json_only(data)


def test_to_jsonable_returns_a_copy_that_can_be_changed() -> None:
    subscriber = decode(Subscriber, sample(Subscriber))

    data = to_jsonable(subscriber)
    data["fields"]["a"] = "changed"

    assert subscriber.fields["a"] != "changed"


def test_to_jsonable_is_exported_from_kit_async() -> None:
    assert "to_jsonable" in kit_async.__all__
    assert kit_async.to_jsonable is to_jsonable


def test_a_model_built_by_hand_holds_read_only_json_too() -> None:
    subscriber = Subscriber(
        id=1, email_address="a@example.com", created_at=datetime.now(UTC), fields={"a": "b"}
    )
    changed = attrs.evolve(subscriber, location={"city": "Lisbon", "at": [1, 2]})

    with pytest.raises(TypeError):
        subscriber.fields["a"] = "c"  # type: ignore[index]
    with pytest.raises(TypeError):
        changed.location["at"].append(3)  # type: ignore[index]
    assert hash(changed) != hash(subscriber)


def test_read_only_json_still_reads_as_plain_json() -> None:
    subscriber = decode(Subscriber, sample(Subscriber))

    assert subscriber.location == {"a": [1, {"b": None}], "c": "d"}
    assert isinstance(subscriber.location, dict)
    assert json.loads(json.dumps(subscriber.location)) == subscriber.location
    assert dict(subscriber.fields) == {"a": "text", "b": None}
    copied = subscriber.fields.copy()
    copied["a"] = "changed"
    assert subscriber.fields["a"] == "text"


def test_a_model_holding_read_only_json_pickles_and_copies() -> None:
    subscriber = decode(Subscriber, sample(Subscriber))

    assert pickle.loads(pickle.dumps(subscriber)) == subscriber  # noqa: S301 - our own bytes
    assert copy.deepcopy(subscriber) == subscriber
    assert copy.copy(subscriber.location) is subscriber.location
    again = pickle.loads(pickle.dumps(subscriber))  # noqa: S301 - our own bytes
    with pytest.raises(TypeError):
        again.fields["a"] = "c"
