"""The `[fast]` extra's decoder (msgspec): what it takes on, and what it leaves to cattrs.

msgspec decodes a model only where it decodes exactly as the converter does;
for any other model `FastDecoder.supports` says no and the cattrs path decodes
it, with the same result. (That both paths agree on every model the resources
declare is tested in test_converter.py and test_api_coverage.py.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

import kit_async._converter
from kit_async import ResponseValidationError
from kit_async._converter import Envelope, read_items, read_object

pytestmark = pytest.mark.requires_extra("fast")

AT_ITEM = Envelope(at=("item",))
PAGINATION = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": None,
    "end_cursor": None,
    "per_page": 10,
}


def fast() -> Any:
    decoder = kit_async._converter._fast
    assert decoder is not None
    return decoder


@attrs.frozen
class Dated:
    id: int
    at: datetime


@attrs.frozen
class Validated:
    id: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen
class AnySet:
    values: frozenset[int]


@attrs.define(slots=False, frozen=True)
class NotSlotted:
    id: int


@attrs.frozen
class PostInit:
    id: int

    def __attrs_post_init__(self) -> None:
        pass


@attrs.frozen
class DatedByKey:
    dated: dict[str, Dated]


@attrs.frozen
class Nested:
    rows: tuple[tuple[Dated, ...], ...]


@attrs.frozen
class MaybeMany:
    rows: tuple[Dated, ...] | None = None


@attrs.frozen
class WithDatedContext:
    owner: Dated
    name: str


@attrs.frozen
class Tree:
    name: str
    children: tuple[Tree, ...] = ()


@attrs.frozen
class Simple:
    owner_id: int
    name: str


@pytest.mark.parametrize(
    ("model", "item"),
    [
        (Validated, {"id": 3}),
        (AnySet, {"values": [1, 2]}),
        (NotSlotted, {"id": 3}),
        (PostInit, {"id": 3}),
        (DatedByKey, {"dated": {"a": {"id": 1, "at": "2024-01-01T00:00:00Z"}}}),
        (Nested, {"rows": [[{"id": 1, "at": "2024-01-01T00:00:00Z"}]]}),
        (MaybeMany, {"rows": [{"id": 1, "at": "2024-01-01T00:00:00Z"}]}),
        (Tree, {"name": "a", "children": [{"name": "b"}]}),
    ],
)
def test_a_model_msgspec_cannot_decode_exactly_is_left_to_cattrs(model: Any, item: Any) -> None:
    assert not fast().supports(model, AT_ITEM, "object")

    decoded = read_object(
        json.dumps({"item": item}).encode(), model, AT_ITEM, method="GET", path="/x"
    )

    assert decoded == kit_async._converter.converter.structure(item, model)


def test_a_context_field_holding_a_model_with_datetimes_is_left_to_cattrs() -> None:
    envelope = Envelope(at=("item",), context={"owner": ("owner",)})
    body = {"owner": {"id": 1, "at": "2024-01-01T00:00:00Z"}, "item": {"name": "n"}}

    assert not fast().supports(WithDatedContext, envelope, "object")
    decoded = read_object(
        json.dumps(body).encode(), WithDatedContext, envelope, method="GET", path="/x"
    )
    assert decoded == WithDatedContext(Dated(1, datetime(2024, 1, 1, tzinfo=UTC)), "n")


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope(at=("item",), context={"owner_id": ("item",)}),  # the items' own key
        Envelope(at=("item", "x"), context={"owner_id": ("item",)}),  # a value holding them
        Envelope(at=(), context={"owner_id": ("id",)}),  # the whole body and a key of it
    ],
)
def test_an_envelope_whose_keys_overlap_is_left_to_cattrs(envelope: Envelope) -> None:
    assert not fast().supports(Simple, envelope, "object")


def test_a_whole_body_decodes_as_the_model() -> None:
    envelope = Envelope(at=())

    assert fast().supports(Dated, envelope, "object")
    decoded = read_object(
        b'{"id": 2, "at": "2024-01-01T00:00:00Z", "new": 1}',
        Dated,
        envelope,
        method="GET",
        path="/x",
    )
    assert decoded == Dated(2, datetime(2024, 1, 1, tzinfo=UTC))
    assert type(decoded) is Dated


def test_context_fields_are_set_on_each_item_of_a_page() -> None:
    envelope = Envelope(at=("owner", "items"), context={"owner_id": ("owner", "id")})
    body = {"owner": {"id": 7, "items": [{"name": "a"}, {"name": "b"}]}, "pagination": PAGINATION}

    items, pagination = fast().items(json.dumps(body).encode(), Simple, envelope)

    assert items == (Simple(7, "a"), Simple(7, "b"))
    assert [type(item) for item in items] == [Simple, Simple]
    assert pagination.per_page == 10


def test_a_body_msgspec_refuses_is_decoded_or_refused_by_cattrs() -> None:
    envelope = Envelope(at=("owner", "items"), context={"owner_id": ("owner", "id")})
    body = {"owner": {"id": "7", "items": [{"name": "a"}]}, "pagination": PAGINATION}
    content = json.dumps(body).encode()

    assert fast().items(content, Simple, envelope) is None
    with pytest.raises(ResponseValidationError) as info:
        read_items(content, Simple, envelope, method="GET", path="/x")
    assert info.value.field == "owner.items[0].owner_id"  # as the cattrs path names it
