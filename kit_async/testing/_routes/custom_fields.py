"""Custom fields: list, create (or find), relabel, delete (with their values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import _paging
from .._account import FakeAccount
from .._records import CustomFieldRecord, field_key
from .._wire import Refused, json_response, no_content
from ._input import get_or_404, json_body, path_id, text
from ._route import Route

if TYPE_CHECKING:
    from .._fakekit import FakeKit

BLANK = "Label can't be blank"


def render(field: CustomFieldRecord) -> dict[str, Any]:
    """A custom field as Kit shows it."""
    return {"id": field.id, "name": field.name, "key": field.key, "label": field.label}


def key_taken(account: FakeAccount, key: str, field: CustomFieldRecord | None = None) -> bool:
    """Whether another custom field has `key` (keys are unique too)."""
    return any(other.key == key and other is not field for other in account.custom_fields.values())


async def list_custom_fields(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/custom_fields`: newest first."""
    account = kit.account
    fields = [account.custom_fields[i] for i in sorted(account.custom_fields, reverse=True)]
    page = _paging.page_of(request.query, fields)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    return json_response({"custom_fields": [render(f) for f in shown], "pagination": pagination})


async def create_custom_field(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/custom_fields`: 201 for a new label, 200 and the field for an existing one."""
    label = text(await json_body(request), "label", required=BLANK)
    assert label is not None
    account = kit.account
    existing = account.custom_field_labelled(label)
    if existing is not None:
        return json_response({"custom_field": render(existing)}, 200)
    if key_taken(account, field_key(label)):
        raise Refused("Key has already been taken")
    return json_response({"custom_field": render(account.add_custom_field(label))}, 201)


async def update_custom_field(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/custom_fields/{id}`: a new label, hence a new key (the name stays)."""
    account = kit.account
    field = get_or_404(account.custom_fields, path_id(request))
    label = text(await json_body(request), "label", required=BLANK)
    assert label is not None
    other = account.custom_field_labelled(label)
    if other is not None and other is not field:
        raise Refused("Label has already been taken")
    key = field_key(label)
    if key_taken(account, key, field):
        raise Refused("Key has already been taken")
    field.label, field.key = label, key
    return json_response({"custom_field": render(field)})


async def delete_custom_field(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/custom_fields/{id}`: the field and every subscriber's value of it (204)."""
    account = kit.account
    field = get_or_404(account.custom_fields, path_id(request))
    del account.custom_fields[field.id]
    for subscriber in account.subscribers.values():
        subscriber.fields.pop(field.id, None)
    return no_content()


ROUTES = (
    Route("GET", "/v4/custom_fields", list_custom_fields),
    Route("POST", "/v4/custom_fields", create_custom_field),
    Route("PUT", "/v4/custom_fields/{id}", update_custom_field),
    Route("DELETE", "/v4/custom_fields/{id}", delete_custom_field),
)
