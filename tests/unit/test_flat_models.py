"""The converter's hook for flat models checks exactly what cattrs' own functions check.

`kit_async._flat_models` builds the models made only of JSON scalars and
datetimes (the clicks of every page) with the checks inline and the slots set
directly. Each test here decodes the same inputs with the converter (which
uses that hook) and with the explaining converter (cattrs' own generated
functions, with the same strict hooks) and requires the same models, or a
failure from both.
"""

from __future__ import annotations

import linecache
import typing
from datetime import datetime
from typing import Any

import attrs
import pytest

from kit_async import models
from kit_async._converter import _explaining, converter
from kit_async._flat_models import _field_kind, flat_model_hook, is_flat_model

MODELS = [
    getattr(models, name)
    for name in models.__all__
    if attrs.has(getattr(models, name)) and is_flat_model(getattr(models, name))
]

#: A valid JSON value for each field kind.
VALID: dict[type[Any], Any] = {
    int: 7,
    str: "seven",
    bool: True,
    float: 0.25,
    datetime: "2026-12-07T10:00:00Z",
}
#: What each field is tried with: every JSON type, and the near misses.
TRIED: tuple[Any, ...] = (
    7,
    0,
    "7",
    "",
    True,
    False,
    0.25,
    3.0,
    None,
    [],
    {},
    [1],
    {"a": 1},
    "2026-12-07T10:00:00Z",
    "2026-12-07",
    "not a time",
)


def _valid(model: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(model)
    body = {}
    for field in attrs.fields(model):
        kind = _field_kind(hints[field.name])
        assert kind is not None
        body[field.name] = VALID[kind[0]]
    return body


def _outcome(conv: Any, body: Any, model: type[Any]) -> Any:
    try:
        return ("built", conv.structure(body, model))
    except Exception:  # noqa: BLE001 - only whether it failed: the kind differs (detailed)
        return ("failed",)


def test_the_hot_and_the_common_models_are_built_by_the_flat_hook() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"BroadcastClick", "Pagination", "Tag", "CustomField", "Form"} <= names
    for model in MODELS:
        hook = converter.get_structure_hook(model)
        assert hook.__code__.co_filename == f"<kit_async flat structure {model.__qualname__}>"


def test_models_with_nested_models_or_mappings_are_left_to_cattrs() -> None:
    for model in (models.Broadcast, models.Subscriber, models.FilteredSubscriber):
        assert not is_flat_model(model)
        assert "flat structure" not in converter.get_structure_hook(model).__code__.co_filename


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_valid_object_builds_the_same_model(model: type[Any]) -> None:
    body = _valid(model)
    built = converter.structure({**body, "added_by_kit_later": 1}, model)
    assert type(built) is model
    assert built == _explaining.structure(body, model)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_accepts_and_refuses_what_cattrs_does(model: type[Any]) -> None:
    body = _valid(model)
    compared = 0
    for field in attrs.fields(model):
        for value in TRIED:
            changed = {**body, field.name: value}
            flat, cattrs_own = (
                _outcome(converter, changed, model),
                _outcome(_explaining, changed, model),
            )
            assert flat == cattrs_own, (field.name, value, flat, cattrs_own)
            if flat[0] == "built":  # an int sent for a float is a float in both
                assert [type(v) for v in attrs.astuple(flat[1], recurse=False)] == [
                    type(v) for v in attrs.astuple(cattrs_own[1], recurse=False)
                ]
            compared += 1
        missing = {key: value for key, value in body.items() if key != field.name}
        assert _outcome(converter, missing, model) == _outcome(_explaining, missing, model)
    assert compared == len(attrs.fields(model)) * len(TRIED)


@pytest.mark.parametrize("value", [None, [], "text", 7, ("a", 1)])
def test_what_is_not_an_object_fails_in_both(value: Any) -> None:
    assert _outcome(converter, value, models.BroadcastClick) == ("failed",)
    assert _outcome(_explaining, value, models.BroadcastClick) == ("failed",)


def test_a_missing_field_with_a_default_takes_it_unchecked_and_a_factory_is_called_each_time() -> (
    None
):
    @attrs.frozen
    class Sample:
        id: int
        name: str | None = None
        rate: float = 1
        seen: datetime | None = attrs.field(factory=lambda: datetime(2026, 1, 1))

    hook = flat_model_hook(Sample, lambda value, _: datetime.fromisoformat(value))
    first, second = hook({"id": 1}, Sample), hook({"id": 1}, Sample)
    assert first == Sample(1, None, 1, datetime(2026, 1, 1))
    assert type(first.rate) is int  # a default is taken as it is, as attrs' __init__ would
    assert first.seen is not second.seen  # the factory runs for each object
    with pytest.raises(TypeError, match="name: expected str, got int"):
        hook({"id": 1, "name": 5}, Sample)
    with pytest.raises(KeyError):
        hook({"name": "x"}, Sample)


def test_a_model_whose_init_does_more_than_set_its_slots_is_not_flat() -> None:
    @attrs.frozen
    class Validated:
        id: int = attrs.field(validator=attrs.validators.gt(0))

    @attrs.frozen
    class Converted:
        id: int = attrs.field(converter=int)

    @attrs.frozen
    class PostInit:
        id: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.define(slots=False)
    class NoSlots:
        id: int

    @attrs.frozen
    class Nested:
        tag: models.Tag

    @attrs.define(slots=False)
    class DictBase:
        id: int

    @attrs.frozen
    class SlottedChild(DictBase):  # `id` lives in the instance's __dict__, not a slot
        name: str

    for model in (Validated, Converted, PostInit, NoSlots, Nested, SlottedChild):
        assert not is_flat_model(model), model
        with pytest.raises(TypeError, match="is not a flat model"):
            flat_model_hook(model, lambda value, _: value)
    assert not is_flat_model(int)
    assert not is_flat_model(tuple[int, ...])


def test_the_generated_source_is_in_linecache_for_tracebacks() -> None:
    hook = converter.get_structure_hook(models.BroadcastClick)
    lines = linecache.getlines(hook.__code__.co_filename)
    assert lines[0] == "def structure(o, _):\n"
    assert any("o['click_to_open_rate']" in line for line in lines)
    with pytest.raises(TypeError) as caught:
        hook({"broadcast_id": 1, "url": 5}, models.BroadcastClick)
    frame = caught.traceback[-1]
    assert "url" in str(frame.statement)
