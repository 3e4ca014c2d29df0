"""The `kit-async[fast]` decoding path: msgspec, from the body's bytes straight into the models.

The cattrs path (`kit_async._converter`) parses a body into dicts and then
builds the models from them. msgspec builds the same attrs classes directly
from the bytes, in C, with no dict in between. This module only ever answers
"here is the result" or "no": on any failure (a body that breaks the schema,
JSON that msgspec refuses, a model it cannot express) it returns `None` and
the cattrs path decodes the body again. So both paths give the same models,
and every error, with its `field`, is the cattrs path's own.

To decode exactly as the converter does, msgspec decodes into a *stand-in*
where the converter's rules differ from msgspec's:

- A field the converter decodes with one of its own hooks (`datetime`, with
  `datetime.fromisoformat`; `IdText`; a read-only `Mapping[...]` or free-form
  `Any` JSON) is declared as a marker type, which msgspec hands to that same
  hook. msgspec runs no attrs converter: a field's converter is accepted only
  when it is one the hooks already do the work of (the freezing ones).
- A field filled from the envelope (`BroadcastClick.broadcast_id`) is not
  read from the item: msgspec decodes the envelope's value once, and it is
  set on every item afterwards.
- A model that keeps the whole object Kit sent (a `whole_object()` field,
  for answers Kit documents only in part) is declared as a marker too:
  msgspec parses the object, and the converter's hook for the model builds it.

The stand-in is a subclass of the model that adds no slot, so its objects
have the model's exact memory layout: once decoded, each object's class is
set to the model itself (and its envelope fields filled), in C loops. The
caller gets instances of the model, indistinguishable from the cattrs
path's (`type(click) is BroadcastClick`).
"""

from __future__ import annotations

import types
import typing
from collections import deque
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Annotated, Any

import attrs
import msgspec

from ._flat_models import slot_setter
from .models import Pagination
from .models._frozen import whole_object_field

__all__ = ["FastDecoder"]

_set_class = object.__dict__["__class__"].__set__
_SCALARS = (int, str, bool, float, type(None))


class _UnsupportedError(Exception):
    """A type msgspec cannot decode exactly as the converter does."""


class _Marker(type):
    # msgspec checks that a hook's result is an instance of the declared type.
    def __instancecheck__(cls, value: Any) -> bool:
        return isinstance(value, cls.holds)  # type: ignore[attr-defined]


def _marker(kind: Any) -> type:
    holds = typing.get_args(kind)[0] if typing.get_origin(kind) is Annotated else kind
    # What the hooks return: a `Mapping[...]` field holds a FrozenDict (a dict),
    # checked as a dict (an ABC's isinstance is slow); an `Any` field anything.
    if holds is Any:
        holds = object
    elif typing.get_origin(holds) is Mapping:
        holds = dict
    return _Marker(f"_Decoded_{holds.__name__}", (), {"holds": holds})


@attrs.frozen
class _Nested:
    """A field holding models whose objects need their class set after decoding."""

    name: str
    many: bool  # a tuple of them (else one, or None)
    fix: Callable[[Any], None]


@attrs.frozen
class _Target:
    """What msgspec decodes a model into, and how to turn that into the model."""

    kind: Any  # the model, its stand-in, or a marker the model's hook decodes
    model: type[Any]
    nested: tuple[_Nested, ...] = ()
    hooked: bool = False

    @property
    def exact(self) -> bool:
        """Whether what msgspec decodes is an instance of the model already."""
        return self.kind is self.model or self.hooked

    def fix(self, value: Any) -> None:
        """Give a decoded stand-in (and the stand-ins it holds) the model's class."""
        _set_class(value, self.model)
        self.fix_nested(value)

    def fix_nested(self, value: Any) -> None:
        """Give the stand-ins that `value` holds their models' classes."""
        for nested in self.nested:
            held = getattr(value, nested.name)
            if nested.many:
                for item in held:
                    nested.fix(item)
            elif held is not None:
                nested.fix(held)


@attrs.frozen
class _Plan:
    """A compiled decoder for one model in one envelope, and where its values sit."""

    decoder: msgspec.json.Decoder[Any]
    items: tuple[str, ...]
    target: _Target
    context: tuple[tuple[Callable[[Any, Any], None], tuple[str, ...]], ...]
    pagination: tuple[str, ...] | None


def _walk(value: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        value = getattr(value, name)
    return value


def _slot_setter(model: type[Any], name: str) -> Callable[[Any, Any], None]:
    setter = slot_setter(model, name)
    if setter is None:
        raise _UnsupportedError(f"{model.__name__}.{name} is not a slot")
    return setter


class FastDecoder:
    """Decodes response bytes with msgspec; `None` wherever the cattrs path must decide.

    Args:
        hooks: The converter's own structuring functions for the types it
            decodes its own way (`datetime`, `IdText`), called as
            `hook(value, type)` on the JSON value.
        hook_for: The converter's structuring function for a type
            (`hook_for(type)(value, type)`), for the types that have no
            fixed hook: `Mapping[...]` and `Any`.
        converters: The attrs converters that those hooks already apply
            (msgspec runs none): fields using them are decoded here.
    """

    def __init__(
        self,
        hooks: Mapping[Any, Callable[[Any, Any], Any]],
        hook_for: Callable[[Any], Callable[[Any, Any], Any]],
        converters: frozenset[Callable[[Any], Any]] = frozenset(),
    ) -> None:
        self._hook_for = hook_for
        self._converters = converters
        self._markers = {kind: _marker(kind) for kind in hooks}
        self._by_marker = {self._markers[kind]: (hook, kind) for kind, hook in hooks.items()}
        self._targets: dict[tuple[type[Any], frozenset[str]], _Target] = {}
        self._building: set[tuple[type[Any], frozenset[str]]] = set()
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}

    def _dec_hook(self, kind: type, value: Any) -> Any:
        hook, declared = self._by_marker[kind]
        return hook(value, declared)

    # -- types -------------------------------------------------------------
    def _translate(self, kind: Any) -> tuple[Any, _Target | None, bool]:
        """`(type for msgspec, target of the models it holds, whether it holds many)`."""
        if kind in _SCALARS:
            return kind, None, False
        if kind in self._markers:
            return self._markers[kind], None, False
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if kind is Any or origin is Mapping:
            # Read-only JSON: the converter's hook freezes what msgspec parsed.
            marker = self._markers[kind] = _marker(kind)
            self._by_marker[marker] = (self._hook_for(kind), kind)
            return marker, None, False
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            inner, target, many = self._translate(args[0])
            if many:
                raise _UnsupportedError(kind)
            return tuple[inner, ...], target, target is not None  # type: ignore[valid-type]
        if origin is dict and args and args[0] is str:
            inner, target, _ = self._translate(args[1])
            if target is not None and not target.exact:
                raise _UnsupportedError(kind)
            return dict[str, inner], None, False  # type: ignore[valid-type]
        if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
            (other,) = [arg for arg in args if arg is not type(None)]
            inner, target, many = self._translate(other)
            if many:
                raise _UnsupportedError(kind)
            return inner | None, target, False
        if isinstance(kind, type) and attrs.has(kind):
            target = self._target(kind)
            return target.kind, target, False
        raise _UnsupportedError(kind)

    def _target(self, model: type[Any], context: frozenset[str] = frozenset()) -> _Target:
        """The type msgspec decodes `model` into (leaving out the `context` fields)."""
        key = (model, context)
        if key not in self._targets:
            if key in self._building:  # a model that holds itself: left to cattrs
                raise _UnsupportedError(model)
            self._building.add(key)
            try:
                self._targets[key] = self._build_target(model, context)
            finally:
                self._building.discard(key)
        return self._targets[key]

    def _build_target(self, model: type[Any], context: frozenset[str]) -> _Target:
        if whole_object_field(model) is not None:
            return self._hooked_target(model, context)
        if (
            "__slots__" not in model.__dict__
            or typing.get_args(model)
            or hasattr(model, "__attrs_pre_init__")
            or hasattr(model, "__attrs_post_init__")
        ):
            raise _UnsupportedError(model)
        hints = typing.get_type_hints(model, include_extras=True)
        kept, annotations, nested = [], {}, []
        same = not context
        for field in attrs.fields(model):
            if not field.init or field.validator is not None:
                raise _UnsupportedError(model)
            if field.converter is not None and field.converter not in self._converters:
                raise _UnsupportedError(model)
            if getattr(field, "alias", field.name) != field.name:
                raise _UnsupportedError(model)
            if field.name in context:
                continue
            declared = hints[field.name]
            kind, target, many = self._translate(declared)
            if target is not None and not target.exact:
                nested.append(_Nested(field.name, many, target.fix))
            same = same and kind == declared
            kept.append(field)
            annotations[field.name] = kind
        if same:
            return _Target(model, model)
        # Adds no slot: the model's layout, so `__class__` can be set back to it.
        stand_in = type(
            model.__name__,
            (model,),
            {
                "__slots__": (),
                "__module__": model.__module__,
                "__qualname__": f"{model.__qualname__}.<decoded by msgspec>",
                "__attrs_attrs__": tuple(kept),
                "__annotations__": annotations,
            },
        )
        return _Target(stand_in, model, tuple(nested))

    def _hooked_target(self, model: type[Any], context: frozenset[str]) -> _Target:
        """A model the converter's hook builds from the object msgspec parsed."""
        if context:
            raise _UnsupportedError(model)
        hook = self._hook_for(model)

        def build(value: Any, kind: Any) -> Any:
            try:
                return hook(value, kind)
            except Exception as exc:  # noqa: BLE001 - msgspec turns only these into its error
                raise ValueError(str(exc)) from None

        marker = _marker(model)
        self._by_marker[marker] = (build, model)
        return _Target(marker, model, hooked=True)

    # -- envelopes ---------------------------------------------------------
    def _plan(self, model: type[Any], envelope: Any, shape: str) -> _Plan | None:
        key = (model, envelope.at, tuple(envelope.context.items()), shape)
        if key not in self._plans:
            try:
                self._plans[key] = self._compile(model, envelope, shape)
            # TypeError: a type msgspec refuses when the decoder is built.
            except (_UnsupportedError, TypeError):
                self._plans[key] = None
        return self._plans[key]

    def _compile(self, model: type[Any], envelope: Any, shape: str) -> _Plan:
        context: Mapping[str, tuple[str, ...]] = envelope.context
        target = self._target(model, frozenset(context))
        hints = typing.get_type_hints(model, include_extras=True)
        leaf = target.kind if shape == "object" else tuple[target.kind, ...]  # type: ignore[name-defined]
        leaves: dict[tuple[str, ...], Any] = {tuple(envelope.at): leaf}
        setters = []
        for name, keys in context.items():
            kind, held, _ = self._translate(hints[name])
            if (held is not None and not held.exact) or tuple(keys) in leaves:
                raise _UnsupportedError(model)
            leaves[tuple(keys)] = kind
            setters.append((_slot_setter(model, name), tuple(keys)))
        if shape == "items":
            leaves[("pagination",)] = Pagination
        root, names = _envelope_type(leaves)
        return _Plan(
            decoder=msgspec.json.Decoder(root, dec_hook=self._dec_hook),
            items=names[tuple(envelope.at)],
            target=target,
            context=tuple((setter, names[keys]) for setter, keys in setters),
            pagination=names[("pagination",)] if shape == "items" else None,
        )

    # -- decoding ----------------------------------------------------------
    def _decode(self, plan: _Plan, content: bytes) -> tuple[Any, Any] | None:
        try:
            body = plan.decoder.decode(content)
        # RecursionError: nested too deeply; the cattrs path says so.
        # UnicodeDecodeError: bad UTF-8, as msgspec before 0.20 reports it.
        except (msgspec.MsgspecError, RecursionError, UnicodeDecodeError):
            return None
        return body, _walk(body, plan.items)

    def _finish_many(self, plan: _Plan, body: Any, items: tuple[Any, ...]) -> tuple[Any, ...]:
        target = plan.target
        if not target.exact:
            count = len(items)
            # C loops over the items: the model's class, then each envelope field.
            deque(map(_set_class, items, repeat(target.model, count)), maxlen=0)
            for setter, names in plan.context:
                deque(map(setter, items, repeat(_walk(body, names), count)), maxlen=0)
            if target.nested:
                for item in items:
                    target.fix_nested(item)
        return items

    def items(
        self, content: bytes, model: type[Any], envelope: Any
    ) -> tuple[tuple[Any, ...], Pagination] | None:
        """A list page's items and pagination, or `None`."""
        plan = self._plan(model, envelope, "items")
        decoded = None if plan is None else self._decode(plan, content)
        if plan is None or decoded is None:
            return None
        body, items = decoded
        return self._finish_many(plan, body, items), _walk(body, plan.pagination or ())

    def object(self, content: bytes, model: type[Any], envelope: Any) -> Any | None:
        """A single object, or `None`."""
        plan = self._plan(model, envelope, "object")
        decoded = None if plan is None else self._decode(plan, content)
        if plan is None or decoded is None:
            return None
        body, value = decoded
        if not plan.target.exact:
            plan.target.fix(value)
            for setter, names in plan.context:
                setter(value, _walk(body, names))
        return value

    def supports(self, model: type[Any], envelope: Any, shape: str) -> bool:
        """Whether msgspec decodes `model` in `envelope` (`shape`: `items` or `object`)."""
        return self._plan(model, envelope, shape) is not None


def _envelope_type(
    leaves: Mapping[tuple[str, ...], Any],
) -> tuple[Any, dict[tuple[str, ...], tuple[str, ...]]]:
    """A msgspec type holding each leaf at its keys, and the attribute path to each.

    Fields are named `f0`, `f1`, ... and renamed to Kit's keys, so any key works.
    """
    if () in leaves:
        if len(leaves) > 1:  # a whole body cannot also hold other values
            raise _UnsupportedError(leaves)
        return leaves[()], {(): ()}
    tree: dict[str, Any] = {}
    for keys, kind in leaves.items():
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise _UnsupportedError(keys)
        if keys[-1] in node:
            raise _UnsupportedError(keys)
        node[keys[-1]] = (kind, keys)
    names: dict[tuple[str, ...], tuple[str, ...]] = {}

    def build(node: dict[str, Any], path: tuple[str, ...]) -> Any:
        fields, rename = [], {}
        for index, (key, value) in enumerate(node.items()):
            name = f"f{index}"
            rename[name] = key
            if isinstance(value, dict):
                fields.append((name, build(value, (*path, name))))
            else:
                kind, keys = value
                names[keys] = (*path, name)
                fields.append((name, kind))
        # gc=False: an envelope holds what was decoded and is dropped at once;
        # it can be in no reference cycle, so the collector need not track it.
        return msgspec.defstruct("Envelope", fields, rename=rename, gc=False)

    return build(tree, ()), names
