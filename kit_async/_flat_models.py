"""The converter's structuring hook for flat models: the clicks of every page.

cattrs' generated function for a model calls one hook per field and then the
model's `__init__`, which for a frozen attrs class sets each slot through
`object.__setattr__`. For a model made only of JSON scalars (`int`, `str`,
`bool`, `float`, each perhaps `| None`) and `datetime`s, this module
generates the same function with the scalar checks written inline and the
slots filled directly: a page of 1,000 `BroadcastClick`s decodes in about
half the time (docs/performance.md, measure 1).

It is a hook factory of the one cattrs converter (`kit_async._converter`),
registered there like its other hooks, and checks exactly what those hooks
check: a value of the wrong type raises `TypeError`, a missing field
`KeyError`, and the caller asks the detailed converter to say which field
broke. The generated source is registered in `linecache` under the file name
`<kit_async flat structure ClassName>`, so tracebacks and profilers show it.
A model the hook cannot build exactly as `__init__` would (a validator, a
converter, `__attrs_post_init__`, no slots, a generic) is left to cattrs.
"""

from __future__ import annotations

import linecache
import types
import typing
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

__all__ = ["flat_model_hook", "is_flat_model", "slot_setter"]

_SCALARS = (int, str, bool, float)

_Plan: typing.TypeAlias = "tuple[tuple[attrs.Attribute[Any], type[Any], bool], ...]"
#: Per class: each field with its `(kind, nullable)`, or None when the hook cannot build it.
_PLANS: weakref.WeakKeyDictionary[type[Any], _Plan | None] = weakref.WeakKeyDictionary()


def _field_kind(annotation: Any) -> tuple[type[Any], bool] | None:
    """`(kind, nullable)` for a field typed `kind` or `kind | None`, else None."""
    if annotation in _SCALARS or annotation is datetime:
        return annotation, False
    args = typing.get_args(annotation)
    if len(args) == 2 and type(None) in args:  # `kind | None`
        (kind,) = [arg for arg in args if arg is not type(None)]
        if kind in _SCALARS or kind is datetime:
            return kind, True
    return None


def _plan(cls: type[Any]) -> _Plan | None:
    if not (
        "__slots__" in cls.__dict__
        and not typing.get_args(cls)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
    ):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except NameError:  # an annotation that does not resolve: cattrs says so
        return None
    plan = []
    for field in attrs.fields(cls):
        kind = _field_kind(hints.get(field.name))
        default = field.default
        if (
            kind is None
            or not field.init
            or field.validator is not None
            or field.converter is not None
            or field.alias != field.name
            or (isinstance(default, attrs.Factory) and default.takes_self)  # type: ignore[arg-type]
            or slot_setter(cls, field.name) is None
        ):
            return None
        plan.append((field, *kind))
    return tuple(plan)


def is_flat_model(cls: Any) -> bool:
    """Whether `flat_model_hook` builds `cls` (the converter's predicate)."""
    if not (isinstance(cls, type) and attrs.has(cls)):
        return False
    if cls not in _PLANS:
        _PLANS[cls] = _plan(cls)
    return _PLANS[cls] is not None


def slot_setter(cls: type[Any], name: str) -> Callable[[Any, Any], None] | None:
    """The setter of `cls`'s slot `name` (bypassing a frozen `__setattr__`); None if no slot."""
    for klass in cls.__mro__:
        if isinstance(slot := klass.__dict__.get(name), types.MemberDescriptorType):
            return slot.__set__
    return None


def flat_model_hook(
    cls: type[Any], structure_datetime: Callable[[Any, Any], datetime]
) -> Callable[[Any, Any], Any]:
    """The structuring function `(value, type) -> instance` for a flat model.

    `structure_datetime` is the converter's own hook for `datetime` fields.
    """
    plan = _PLANS.get(cls) if cls in _PLANS else _plan(cls)
    if plan is None:
        msg = f"{cls.__qualname__} is not a flat model"
        raise TypeError(msg)
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_new": object.__new__,
        "_datetime": datetime,
        "_structure_datetime": structure_datetime,
    }
    lines = ["def structure(o, _):"]
    for index, (field, kind, nullable) in enumerate(plan):
        value = f"v{index}"
        check = _check(value, field.name, kind, nullable)
        default = field.default
        if default is attrs.NOTHING:
            lines += [f"    {value} = o[{field.name!r}]", *(f"    {line}" for line in check)]
            continue
        # As cattrs does: a value sent is checked; a default is taken as it is.
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"_factory{index}"] = default.factory  # type: ignore[union-attr]
            missing = f"_factory{index}()"
        else:
            namespace[f"_default{index}"] = default
            missing = f"_default{index}"
        lines += [
            f"    if {field.name!r} in o:",
            f"        {value} = o[{field.name!r}]",
            *(f"        {line}" for line in check),
            "    else:",
            f"        {value} = {missing}",
        ]
    lines.append("    self = _new(_cls)")
    for index, (field, _, _) in enumerate(plan):
        namespace[f"_set{index}"] = slot_setter(cls, field.name)
        lines.append(f"    _set{index}(self, v{index})")
    lines.append("    return self")
    source = "\n".join(lines) + "\n"
    filename = f"<kit_async flat structure {cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own source, above
    return namespace["structure"]  # type: ignore[no-any-return]


def _check(value: str, name: str, kind: type[Any], nullable: bool) -> list[str]:
    """Source lines that check (for a float or a datetime: convert) one field's value."""
    guard = f"{value} is not None and " if nullable else ""
    if kind is datetime:  # the converter's own hook parses the text
        parse = f"{value} = _structure_datetime({value}, _datetime)"
        return [f"if {value} is not None:", f"    {parse}"] if nullable else [parse]
    lines = [f"if {guard}{value}.__class__ is not {kind.__name__}:"]
    got = f"' + type({value}).__name__"
    if kind is float:  # JSON has one number type: an int is a valid float (bool is not)
        lines += [
            f"    if {value}.__class__ is not int:",
            f"        raise TypeError('{name}: expected float, got {got})",
            f"    {value} = float({value})",
        ]
    else:
        lines.append(f"    raise TypeError('{name}: expected {kind.__name__}, got {got})")
    return lines
