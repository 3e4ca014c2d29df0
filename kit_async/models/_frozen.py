"""Read-only JSON containers: what the models hold where Kit sends free-form JSON.

A model is a frozen attrs class, so its fields cannot be reassigned; the
objects and arrays Kit sends as they are (`Subscriber.fields`,
`Subscriber.location`, `Broadcast.subscriber_filter`'s groups, ...) are held as
a `FrozenDict` and a `FrozenList`, so they cannot be changed in place either,
and every model is hashable.

They are subclasses of `dict` and `list` that refuse every change with
`TypeError`: they still compare equal to the plain JSON (`fields == {"city":
"Lisbon"}`), `json.dumps` writes them, and `isinstance(value, dict)` holds.
`dict(value)` or `value.copy()` gives a plain, changeable copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

import attrs

__all__ = [
    "MAX_DEPTH",
    "WHOLE_OBJECT",
    "FrozenDict",
    "FrozenList",
    "freeze",
    "freeze_mapping",
    "freeze_mapping_or_none",
    "freeze_tuple",
    "whole_object",
    "whole_object_field",
]


def _refuse(self: object, *_: object, **__: object) -> NoReturn:
    msg = f"{type(self).__name__} is read-only: copy it first (dict(value), list(value))"
    raise TypeError(msg)


class FrozenDict(dict[str, Any]):
    """A JSON object that cannot be changed: a hashable, read-only `dict`."""

    __slots__ = ("_hash",)

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            self._hash: int = hash(frozenset(self.items()))
            return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: object) -> FrozenDict:
        return self


class FrozenList(list[Any]):
    """A JSON array that cannot be changed: a hashable, read-only `list`."""

    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: object) -> FrozenList:
        return self


#: How deep JSON may nest inside a model. Kit's own objects nest a few levels;
#: a limit keeps decoding, hashing and `to_jsonable` within Python's recursion
#: limit, and deeper JSON is refused with `ValueError` (a decoding error).
MAX_DEPTH = 100


def freeze(value: Any, _depth: int = 0) -> Any:
    """`value` with every dict and list in it made read-only (`FrozenDict`, `FrozenList`).

    Everything else (strings, numbers, `None`, models) is returned as it is.

    Raises:
        ValueError: `value` nests dicts and lists more than `MAX_DEPTH` deep.
    """
    kind = type(value)
    if kind is FrozenDict or kind is FrozenList:
        return value
    if kind in _SCALARS:
        return value
    if _depth >= MAX_DEPTH:
        msg = f"JSON nested more than {MAX_DEPTH} levels deep"
        raise ValueError(msg)
    if isinstance(value, Mapping):
        return FrozenDict({key: freeze(item, _depth + 1) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList([freeze(item, _depth + 1) for item in value])
    if kind is tuple:
        return tuple([freeze(item, _depth + 1) for item in value])
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def freeze_mapping(value: Mapping[str, Any]) -> FrozenDict:
    """A JSON object as a `FrozenDict` (the converter of the models' mapping fields)."""
    frozen = freeze(value)
    if type(frozen) is not FrozenDict:
        msg = f"expected a mapping, got {type(value).__name__}"
        raise TypeError(msg)
    return frozen


def freeze_mapping_or_none(value: Mapping[str, Any] | None) -> FrozenDict | None:
    """`freeze_mapping`, keeping `None`."""
    return None if value is None else freeze_mapping(value)


def freeze_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """A JSON array of objects as a tuple of read-only values."""
    if type(value) is tuple and all(type(item) is FrozenDict for item in value):
        return value
    return tuple([freeze(item) for item in value])


#: The metadata key that marks a model's field holding the whole object Kit sent.
WHOLE_OBJECT = "kit_async.whole_object"


def whole_object() -> Any:
    """A model field holding the whole JSON object the model was decoded from, read-only.

    For answers Kit documents only in part: the converter fills it with the
    object exactly as Kit sent it, so the fields the model does not type are
    still there to read. It is left out of `repr()`, and it is empty in a
    model built by hand.
    """
    return attrs.field(
        factory=FrozenDict, converter=freeze_mapping, repr=False, metadata={WHOLE_OBJECT: True}
    )


def whole_object_field(cls: Any) -> str | None:
    """The name of `cls`'s `whole_object()` field; `None` for a class without one."""
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    return next((f.name for f in attrs.fields(cls) if f.metadata.get(WHOLE_OBJECT)), None)
