"""The bulk endpoints (OAuth apps only): up to 100 items at once, more queued.

Up to 100 items are answered at once (200, with per-item `failures`); more are
queued (202 `{}`, the results POSTed to `callback_url`).

FakeKit applies a queued request at once (so the next read sees it) and only
the callback is sent in the background, with the body a synchronous answer
would have had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from ..._kit import SUBSCRIBER_STATES
from .._account import FakeAccount
from .._records import FormSubscriptionRecord
from .._wire import Refused, json_response
from ._input import choice, json_body
from ._route import Route
from ._shapes import iso, referrer_utm, tag
from .subscribers import check_email

if TYPE_CHECKING:
    from .._fakekit import FakeKit

SYNC_LIMIT = 100
QUEUE_FULL = (
    "This request exceeds your queued bulk requests limit. Please wait while we process "
    "your existing requests and try again later."
)
Result = dict[str, Any]


async def _bulk(
    kit: FakeKit,
    request: web.Request,
    key: str,
    empty: str,
    process: Callable[[FakeAccount, list[Any]], Result],
    *,
    before: Callable[[FakeKit, list[Any]], None] | None = None,
) -> web.Response:
    body = await json_body(request)
    items = body.get(key)
    if not isinstance(items, list) or not items:
        raise Refused(empty)
    callback = body.get("callback_url")
    if callback is not None and (
        not isinstance(callback, str) or urlsplit(callback).scheme not in {"http", "https"}
    ):
        raise Refused("callback_url must be an http or https URL")
    queued = len(items) > SYNC_LIMIT
    if queued and kit.bulk_queue_limit is not None and len(items) > kit.bulk_queue_limit:
        raise Refused(QUEUE_FULL, status=413)
    if before is not None:
        before(kit, items)
    result = process(kit.account, items)
    if not queued:
        return json_response(result)
    if callback is not None:
        kit._queue_callback(callback, result)
    return json_response({}, 202)


def _entries(items: list[Any]) -> list[Mapping[str, Any]]:
    return [item if isinstance(item, Mapping) else {} for item in items]


# -- tags -------------------------------------------------------------------------------------


def _create_tags(account: FakeAccount, items: list[Any]) -> Result:
    tags, failures = [], []
    for item in _entries(items):
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            failures.append({"tag": dict(item), "errors": ["Name can't be blank"]})
            continue
        found = account.tag_named(name) or account.add_tag(name)
        tags.append(tag(found))
    return {"tags": tags, "failures": failures}


def _delete_tags(account: FakeAccount, items: list[Any]) -> Result:
    failures = []
    for item in _entries(items):
        tag_id = item.get("id")
        if tag_id not in account.tags:
            failures.append({"errors": ["Tag does not exist"], "tag": {"id": tag_id}})
            continue
        del account.tags[tag_id]
        account.taggings.pop(tag_id, None)
    return {"failures": failures}


def _tagging_problems(account: FakeAccount, item: Mapping[str, Any]) -> tuple[list[str], Result]:
    tag_id, subscriber_id = item.get("tag_id"), item.get("subscriber_id")
    errors, shown = [], {"tag_id": tag_id, "subscriber_id": subscriber_id}
    if tag_id not in account.tags:
        errors.append("Tag does not exist")
        shown["tag_id"] = None
    if subscriber_id not in account.subscribers:
        errors.append("Subscriber does not exist")
        shown["subscriber_id"] = None
    return errors, shown


def _tag_subscribers(account: FakeAccount, items: list[Any]) -> Result:
    subscribers, failures = [], []
    for item in _entries(items):
        errors, shown = _tagging_problems(account, item)
        if errors:
            failures.append({"errors": errors, "tagging": shown})
            continue
        who = account.subscribers[item["subscriber_id"]]
        at = account.taggings.setdefault(item["tag_id"], {}).setdefault(who.id, account.clock())
        subscribers.append(
            {
                "id": who.id,
                "first_name": who.first_name,
                "email_address": who.email_address,
                "created_at": iso(who.created_at),
                "tagged_at": iso(at),
            }
        )
    return {"subscribers": subscribers, "failures": failures}


def _untag_subscribers(account: FakeAccount, items: list[Any]) -> Result:
    failures = []
    for item in _entries(items):
        errors, shown = _tagging_problems(account, item)
        if errors:
            failures.append({"errors": errors, "tagging": shown})
            continue
        account.taggings.get(item["tag_id"], {}).pop(item["subscriber_id"], None)
    return {"failures": failures}


# -- subscribers ------------------------------------------------------------------------------


def _subscriber_limit(kit: FakeKit, items: list[Any]) -> None:
    if kit.subscriber_limit is None:
        return
    account = kit.account
    new = {
        str(item.get("email_address", "")).strip().lower()
        for item in _entries(items)
        if account.subscriber_by_email(str(item.get("email_address", ""))) is None
    }
    if len(account.subscribers) + len(new) > kit.subscriber_limit:
        raise Refused("This request would exceed your subscriber limit", status=403)


def _create_subscribers(account: FakeAccount, items: list[Any]) -> Result:
    subscribers, failures = [], []
    for item in _entries(items):
        state = item.get("state") or "active"
        try:
            email = check_email(item.get("email_address"))
            choice(state, "state", SUBSCRIBER_STATES)
        except Refused as refusal:
            failures.append(
                {
                    "subscriber": {
                        "first_name": item.get("first_name"),
                        "email_address": item.get("email_address"),
                        "state": state,
                        "created_at": None,
                    },
                    "errors": list(refusal.messages),
                }
            )
            continue
        who = account.subscriber_by_email(email)
        if who is None:
            who = account.add_subscriber(email, first_name=item.get("first_name"), state=state)
        elif "first_name" in item:
            who.first_name, who.updated_at = item["first_name"], account.clock()
        subscribers.append(
            {
                "id": who.id,
                "first_name": who.first_name,
                "email_address": who.email_address,
                "state": who.state,
                "created_at": iso(who.created_at),
            }
        )
    return {"subscribers": subscribers, "failures": failures}


# -- custom fields ------------------------------------------------------------------------------


def _create_custom_fields(account: FakeAccount, items: list[Any]) -> Result:
    created, failures = [], []
    for item in _entries(items):
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            failures.append({"custom_field": dict(item), "errors": ["Label can't be blank"]})
            continue
        existing = account.custom_field_labelled(label)
        if existing is not None:
            failures.append(
                {"custom_field": _field(existing), "errors": ["Label has already been taken"]}
            )
            continue
        created.append(_field(account.add_custom_field(label)))
    return {"custom_fields": created, "failures": failures}


def _field(field: Any) -> Result:
    return {
        "id": field.id,
        "label": field.label,
        "key": field.key,
        "name": field.name,
        "created_at": iso(field.created_at),
    }


def _set_field_values(account: FakeAccount, items: list[Any]) -> Result:
    values, failures = [], []
    for item in _entries(items):
        subscriber_id = item.get("subscriber_id")
        field_id = item.get("subscriber_custom_field_id")
        shown = {
            "subscriber_id": subscriber_id,
            "subscriber_custom_field_id": field_id,
            "value": item.get("value"),
        }
        errors = []
        if subscriber_id not in account.subscribers:
            errors.append("Subscriber does not exist")
            shown["subscriber_id"] = None
        if field_id not in account.custom_fields:
            errors.append("Custom field does not exist")
        if errors:
            failures.append({"errors": errors, "custom_field_value": shown})
            continue
        value = item.get("value")
        fields = account.subscribers[item["subscriber_id"]].fields
        fields[item["subscriber_custom_field_id"]] = None if value is None else str(value)
        values.append(shown)
    return {"custom_field_values": values, "failures": failures}


# -- forms --------------------------------------------------------------------------------------


def _add_to_forms(account: FakeAccount, items: list[Any]) -> Result:
    subscribers, failures = [], []
    for item in _entries(items):
        form_id, subscriber_id = item.get("form_id"), item.get("subscriber_id")
        referrer = item.get("referrer")
        shown = {"form_id": form_id, "subscriber_id": subscriber_id, "referrer": referrer}
        errors = []
        if subscriber_id not in account.subscribers:
            errors.append("Subscriber does not exist")
            shown["subscriber_id"] = None
        if form_id not in account.forms:
            errors.append("Form does not exist")
            shown["form_id"] = None
        if errors:
            failures.append({"errors": errors, "subscription": shown})
            continue
        who = account.subscribers[item["subscriber_id"]]
        link = account.form_subscriptions.setdefault(item["form_id"], {}).setdefault(
            who.id,
            FormSubscriptionRecord(
                added_at=account.clock(), referrer=referrer if isinstance(referrer, str) else None
            ),
        )
        subscribers.append(
            {
                "id": who.id,
                "first_name": who.first_name,
                "email_address": who.email_address,
                "created_at": iso(who.created_at),
                "added_at": iso(link.added_at),
                "referrer": link.referrer,
                "referrer_utm_parameters": referrer_utm(link.referrer),
            }
        )
    return {"subscribers": subscribers, "failures": failures}


# -- the routes -----------------------------------------------------------------------------------


async def create_tags(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/tags`: existing names return the existing tags."""
    return await _bulk(kit, request, "tags", "No tags included for processing", _create_tags)


async def delete_tags(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/bulk/tags`: only `failures` ("Tag does not exist")."""
    return await _bulk(kit, request, "tags", "No tags included for processing", _delete_tags)


async def tag_subscribers(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/tags/subscribers`: existing subscribers and tags only."""
    empty = "No taggings included for processing"
    return await _bulk(kit, request, "taggings", empty, _tag_subscribers)


async def untag_subscribers(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/bulk/tags/subscribers`: the taggings in a JSON body."""
    empty = "No taggings included for processing"
    return await _bulk(kit, request, "taggings", empty, _untag_subscribers)


async def create_subscribers(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/subscribers`: upserts; 403 past the account's subscriber limit."""
    empty = "No subscribers included for processing"
    return await _bulk(
        kit, request, "subscribers", empty, _create_subscribers, before=_subscriber_limit
    )


async def create_custom_fields(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/custom_fields`: an existing label is a failure."""
    empty = "No custom fields included for processing"
    return await _bulk(kit, request, "custom_fields", empty, _create_custom_fields)


async def set_custom_field_values(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/custom_fields/subscribers`: unknown ones fail one by one."""
    empty = "No custom field values included for processing"
    return await _bulk(kit, request, "custom_field_values", empty, _set_field_values)


async def add_to_forms(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/bulk/forms/subscribers`: existing subscribers and forms only."""
    empty = "No additions included for processing"
    return await _bulk(kit, request, "additions", empty, _add_to_forms)


ROUTES = (
    Route("POST", "/v4/bulk/custom_fields", create_custom_fields, oauth_only=True),
    Route("POST", "/v4/bulk/custom_fields/subscribers", set_custom_field_values, oauth_only=True),
    Route("POST", "/v4/bulk/forms/subscribers", add_to_forms, oauth_only=True),
    Route("POST", "/v4/bulk/subscribers", create_subscribers, oauth_only=True),
    Route("POST", "/v4/bulk/tags", create_tags, oauth_only=True),
    Route("DELETE", "/v4/bulk/tags", delete_tags, oauth_only=True),
    Route("POST", "/v4/bulk/tags/subscribers", tag_subscribers, oauth_only=True),
    Route("DELETE", "/v4/bulk/tags/subscribers", untag_subscribers, oauth_only=True),
)
