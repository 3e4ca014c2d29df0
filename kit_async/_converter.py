"""The one cattrs converter: every response body is decoded here.

Decoding is strict about types (a string where Kit documents an integer is a
schema break, not something to coerce) and ignores fields it does not know,
because Kit adds fields over time.

Decoding uses cattrs' generated functions (flat models such as clicks: the
hook of `kit_async._flat_models`), in `linecache`, without detailed validation.
Only when that fails is the item decoded again with detailed validation, to
name the offending field in `ResponseValidationError`.

With `kit-async[fast]` (msgspec), `read_items` and `read_object` first let
msgspec decode the body's bytes straight into the models
(`kit_async._fast`); whatever msgspec does not accept is decoded here again,
so the results and the errors are this module's either way.
"""

from __future__ import annotations

import typing
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, BaseValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._flat_models import flat_model_hook, is_flat_model
from ._json import loads, parse_body
from .errors import ResponseValidationError
from .models import Pagination
from .models._frozen import (
    FrozenDict,
    freeze,
    freeze_mapping,
    freeze_mapping_or_none,
    freeze_tuple,
    whole_object_field,
)
from .models._ids import IdText

T = TypeVar("T")

__all__ = [
    "Envelope",
    "converter",
    "decode_failures",
    "decode_items",
    "decode_list",
    "decode_object",
    "loads",
    "parse_body",
    "read_items",
    "read_object",
]


class _SchemaError(Exception):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


def _exact(kind: type[Any]) -> Callable[[Any, type[Any]], Any]:
    def structure(value: Any, _: type[Any]) -> Any:
        if type(value) is not kind:
            msg = f"expected {kind.__name__}, got {type(value).__name__}"
            raise TypeError(msg)
        return value

    return structure


def _structure_float(value: Any, _: type[Any]) -> float:
    # JSON has one number type: 0 and 0.0 are both valid floats. bool is not.
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    msg = f"expected float, got {type(value).__name__}"
    raise TypeError(msg)


def _structure_datetime(value: Any, _: type[Any]) -> datetime:
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 string, got {type(value).__name__}"
        raise TypeError(msg)
    parsed = datetime.fromisoformat(value)
    # Kit writes UTC times with `Z`; one without an offset is UTC too, so that
    # no naive datetime sits beside aware ones (comparing them would raise).
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _is_mapping(kind: Any) -> bool:
    return typing.get_origin(kind) is Mapping


def _mapping_hook(conv: cattrs.Converter, kind: Any) -> Callable[[Any, Any], FrozenDict]:
    """The hook for a JSON object Kit sends as it is (`Subscriber.fields`): read-only."""
    _, held = typing.get_args(kind)

    def expect_object(value: Any) -> None:
        if not isinstance(value, dict):
            msg = f"expected object, got {type(value).__name__}"
            raise TypeError(msg)

    if held is Any:

        def structure_any(value: Any, _: Any) -> FrozenDict:
            expect_object(value)
            return freeze_mapping(value)

        return structure_any
    if held == str | None:  # custom field values: checked in one loop (every page has them)

        def structure_texts(value: Any, _: Any) -> FrozenDict:
            if not isinstance(value, dict):
                expect_object(value)
            for item in value.values():
                if item is not None and item.__class__ is not str:
                    msg = f"expected str or null, got {type(item).__name__}"
                    raise TypeError(msg)
            return value if value.__class__ is FrozenDict else FrozenDict(value)

        return structure_texts
    structure_held = conv.get_structure_hook(held)

    def structure(value: Any, _: Any) -> FrozenDict:
        expect_object(value)
        return FrozenDict({key: structure_held(item, held) for key, item in value.items()})

    return structure


def _structure_any(value: Any, _: Any) -> Any:
    # Free-form JSON (`SnippetDocument.value`): kept as sent, read-only.
    return freeze(value)


def _structure_id_text(value: Any, _: type[Any]) -> int:
    # Kit's subscriber filter sends ids as "456"; an int is taken too, should
    # Kit ever send them as its other endpoints do.
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    msg = f"expected an id (a string of digits), got {value!r}"
    raise TypeError(msg)


def _is_tuple(kind: Any) -> bool:
    return typing.get_origin(kind) is tuple


def _keeps_whole_object(kind: Any) -> bool:
    return whole_object_field(kind) is not None


def _whole_object_hook(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any, Any], Any]:
    """A model documented only in part: its typed fields, and the whole object in its `raw`."""
    name = whole_object_field(cls) or ""
    structure_fields = make_dict_structure_fn(
        cls, conv, _cattrs_detailed_validation=conv.detailed_validation
    )

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            msg = f"expected object, got {type(value).__name__}"
            raise TypeError(msg)
        return structure_fields({**value, name: value}, cls)

    return structure


def _whole_object_unstructure(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any], Any]:
    """Such a model as JSON: the object Kit sent, or (built by hand) its typed fields."""
    name = whole_object_field(cls) or ""
    omitted: dict[str, Any] = {name: override(omit=True)}
    typed_fields = make_dict_unstructure_fn(cls, conv, **omitted)

    def unstructure(value: Any) -> Any:
        whole = getattr(value, name)
        return conv.unstructure(whole) if whole else typed_fields(value)

    return unstructure


def _configure(conv: cattrs.Converter) -> cattrs.Converter:
    def structure_tuple(value: Any, kind: Any) -> Any:
        # A JSON string is iterable: without this, "abc" would become
        # ("a", "b", "c") where Kit documents an array.
        if not isinstance(value, list):
            msg = f"expected array, got {type(value).__name__}"
            raise TypeError(msg)
        return conv._structure_tuple(value, kind)

    conv.register_structure_hook_func(_is_tuple, structure_tuple)
    for kind in (int, str, bool):
        conv.register_structure_hook(kind, _exact(kind))
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_func(lambda t: t == IdText, _structure_id_text)
    conv.register_structure_hook(datetime, _structure_datetime)

    conv.register_structure_hook_factory(_is_mapping, lambda kind: _mapping_hook(conv, kind))
    conv.register_structure_hook_func(lambda t: t is Any, _structure_any)
    conv.register_structure_hook_factory(
        _keeps_whole_object, lambda kind: _whole_object_hook(conv, kind)
    )
    _register_unstructure(conv)
    return conv


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:  # built by hand: UTC, as the converter reads such times
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _register_unstructure(conv: cattrs.Converter) -> None:
    """What `to_jsonable` makes of each kind of value: JSON types only."""

    def many(value: Any) -> list[Any]:
        unstructure = conv.unstructure
        return [unstructure(item) for item in value]

    def mapping(value: Any) -> dict[str, Any]:
        unstructure = conv.unstructure
        return {str(key): unstructure(item) for key, item in value.items()}

    def is_many(kind: Any) -> bool:
        kind = typing.get_origin(kind) or kind
        return isinstance(kind, type) and issubclass(kind, tuple | list | set | frozenset)

    def is_mapping(kind: Any) -> bool:
        kind = typing.get_origin(kind) or kind
        return isinstance(kind, type) and issubclass(kind, Mapping)

    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    # By each value's own type, whatever the field says (`Page.items` is `tuple[T, ...]`).
    conv.register_unstructure_hook_func(is_many, many)
    conv.register_unstructure_hook_func(is_mapping, mapping)
    conv.register_unstructure_hook_func(lambda t: t is Any, conv.unstructure)
    conv.register_unstructure_hook_factory(
        _keeps_whole_object, lambda kind: _whole_object_unstructure(conv, kind)
    )


#: The converter for every response: no detailed validation; flat models by `_flat_models`.
converter = _configure(cattrs.Converter(detailed_validation=False))
converter.register_structure_hook_factory(
    is_flat_model, lambda cls: flat_model_hook(cls, _structure_datetime)
)
# Used only to explain a failure: slower, but names the field.
_explaining = _configure(cattrs.Converter(detailed_validation=True))


def _resolve_model_types() -> None:
    """Resolve every model's annotations once, before cattrs reads them.

    cattrs before 26 resolves a generic model's alias (`Page[Tag]`,
    `BulkResult[Tag]`) with `typing.get_type_hints`, which refuses an alias;
    resolved on the class first, the alias is never asked.
    """
    from . import models

    for name in models.__all__:
        kind = getattr(models, name)
        if attrs.has(kind):
            attrs.resolve_types(kind)


_resolve_model_types()


@attrs.frozen
class Envelope:
    """Where a model sits in a response body.

    Attributes:
        at: Keys leading from the body to the item (for a single object) or to
            the list of items (for a list endpoint), e.g. `("broadcast", "clicks")`.
        context: Model fields taken from the envelope instead of the item,
            e.g. `{"broadcast_id": ("broadcast", "id")}`.
    """

    at: tuple[str, ...]
    context: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


def _walk(body: Any, keys: tuple[str, ...]) -> Any:
    node = body
    for depth, key in enumerate(keys):
        if not isinstance(node, dict) or key not in node:
            raise _SchemaError("required field is missing", ".".join(keys[: depth + 1]))
        node = node[key]
    return node


def _field_path(prefix: str, exc: BaseException) -> str:
    """The dotted path of the first failing field in a detailed cattrs error."""
    if not isinstance(exc, BaseValidationError) or not exc.exceptions:
        return prefix
    sub = exc.exceptions[0]
    step = ""
    for note in getattr(sub, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            step = f".{note.name}"
            break
        if isinstance(note, IterableValidationNote):
            step = f"[{note.index}]"
            break
    return _field_path(prefix + step, sub)


def _first_leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseValidationError) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _explain(item: Any, model: type[Any], where: str) -> _SchemaError:
    if not isinstance(item, dict):
        return _SchemaError(f"expected object, got {type(item).__name__}", where)
    try:
        _explaining.structure(item, model)
    except BaseValidationError as exc:
        # A body decoded whole (`Envelope(at=())`) has no prefix: "colors[1]".
        path = _field_path(where, exc).removeprefix(".")
        leaf = _first_leaf(exc)
        reason = "required field is missing" if isinstance(leaf, KeyError) else str(leaf)
        return _SchemaError(reason, path)
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - any failure becomes a schema error
        return _SchemaError(str(exc), where)
    return _SchemaError("could not decode", where)  # pragma: no cover - defensive


def _context(body: Any, envelope: Envelope) -> dict[str, Any]:
    return {name: _walk(body, keys) for name, keys in envelope.context.items()}


def _structure_item(item: Any, model: type[T], extra: dict[str, Any], where: str) -> T:
    try:
        return converter.structure({**item, **extra} if extra else item, model)
    except RecursionError:
        raise _SchemaError("nested too deeply to decode", where or None) from None
    except Exception:  # noqa: BLE001 - cattrs raises many types; all mean "schema broken"
        raise _explain(
            {**item, **extra} if isinstance(item, dict) else item, model, where
        ) from None


def _raise(exc: _SchemaError, method: str, path: str) -> ResponseValidationError:
    return ResponseValidationError(str(exc), method=method, path=path, field=exc.field)


def _decode_list(body: Any, model: type[T], envelope: Envelope) -> tuple[T, ...]:
    items = _walk(body, envelope.at)
    where = ".".join(envelope.at)
    if not isinstance(items, list):
        raise _SchemaError(f"expected array, got {type(items).__name__}", where)
    extra = _context(body, envelope)
    struct = converter.get_structure_hook(model)
    try:
        if extra:
            decoded: tuple[T, ...] = tuple([struct({**item, **extra}, model) for item in items])
        else:
            decoded = tuple([struct(item, model) for item in items])
    except Exception:
        # Slow path, only on failure: find which item and field broke.
        for index, item in enumerate(items):
            _structure_item(item, model, extra, f"{where}[{index}]")
        raise  # pragma: no cover - the loop above always raises
    return decoded


def _consume_list(body: Any, model: type[T], envelope: Envelope) -> tuple[T, ...]:
    """`_decode_list` on a body no one else holds, emptying its list of items.

    Each item's dict goes as soon as its model is built: the cyclic collector
    runs half as often and promotes fewer models (docs/performance.md).
    """
    items = _walk(body, envelope.at)
    if not isinstance(items, list):
        raise _SchemaError(f"expected array, got {type(items).__name__}", None)
    extra = _context(body, envelope)
    if extra:  # `{**item, **extra}` in place, in a C loop; a non-dict item raises
        deque(map(dict.update, items, repeat(extra)), maxlen=0)
    struct = converter.get_structure_hook(model)
    pop = items.pop
    decoded = [struct(pop(), model) for _ in range(len(items))]
    decoded.reverse()
    return tuple(decoded)


def decode_items(
    body: Any, model: type[T], envelope: Envelope, *, method: str, path: str
) -> tuple[tuple[T, ...], Pagination]:
    """Decode a list page: its items and its `Pagination`."""
    try:
        return _decode_list(body, model, envelope), _decode_pagination(body)
    except _SchemaError as exc:
        raise _raise(exc, method, path) from None


def decode_list(
    body: Any, model: type[T], envelope: Envelope, *, method: str, path: str
) -> tuple[T, ...]:
    """Decode a list that is not paginated (a bulk call's results)."""
    try:
        return _decode_list(body, model, envelope)
    except _SchemaError as exc:
        raise _raise(exc, method, path) from None


def decode_failures(body: Any, *, method: str, path: str) -> tuple[Mapping[str, Any], ...]:
    """The `failures` of a bulk call's answer, read-only; `()` when it has none."""
    try:
        return _failures(body)
    except _SchemaError as exc:
        raise _raise(exc, method, path) from None


def _failures(body: Any) -> tuple[Mapping[str, Any], ...]:
    failures = body.get("failures") if isinstance(body, dict) else None
    if failures is None:
        return ()
    if not isinstance(failures, list):
        raise _SchemaError(f"expected array, got {type(failures).__name__}", "failures")
    try:
        return freeze_tuple(failures)
    except (ValueError, RecursionError) as exc:
        raise _SchemaError(str(exc), "failures") from None


def _decode_pagination(body: Any) -> Pagination:
    raw = _walk(body, ("pagination",))
    if not isinstance(raw, dict):
        raise _SchemaError(f"expected object, got {type(raw).__name__}", "pagination")
    try:
        return converter.structure(raw, Pagination)
    except Exception:  # noqa: BLE001 - as above
        raise _explain(raw, Pagination, "pagination") from None


def decode_object(body: Any, model: type[T], envelope: Envelope, *, method: str, path: str) -> T:
    """Decode a single-object response."""
    try:
        item = _walk(body, envelope.at)
        return _structure_item(item, model, _context(body, envelope), ".".join(envelope.at))
    except _SchemaError as exc:
        raise _raise(exc, method, path) from None


def _fast_decoder() -> Any:
    """The msgspec path, or `None` without `kit-async[fast]`."""
    try:
        import msgspec  # noqa: F401 - only whether `kit-async[fast]` is installed
    except ImportError:
        return None
    from ._fast import FastDecoder

    return FastDecoder(
        {datetime: _structure_datetime, IdText: _structure_id_text},
        converter.get_structure_hook,
        frozenset({freeze, freeze_mapping, freeze_mapping_or_none, freeze_tuple}),
    )


#: msgspec straight from bytes into the models (`None` without the extra).
_fast = _fast_decoder()


def read_items(
    content: bytes, model: type[T], envelope: Envelope, *, method: str, path: str
) -> tuple[tuple[T, ...], Pagination]:
    """Decode a list page from the reply's bytes: its items and its `Pagination`."""
    if _fast is not None:
        decoded = _fast.items(content, model, envelope)
        if decoded is not None:
            return decoded  # type: ignore[no-any-return]
    body = parse_body(content, method=method, path=path)
    try:
        return _consume_list(body, model, envelope), _decode_pagination(body)
    except Exception:  # noqa: BLE001 - explained below, on the body as sent
        body = parse_body(content, method=method, path=path)
    return decode_items(body, model, envelope, method=method, path=path)


def read_object(content: bytes, model: type[T], envelope: Envelope, *, method: str, path: str) -> T:
    """Decode a single-object reply from its bytes."""
    if _fast is not None:
        decoded = _fast.object(content, model, envelope)
        if decoded is not None:
            return decoded  # type: ignore[no-any-return]
    body = parse_body(content, method=method, path=path)
    return decode_object(body, model, envelope, method=method, path=path)
