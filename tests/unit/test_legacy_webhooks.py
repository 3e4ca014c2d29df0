"""`kit.legacy_webhooks` (legacy `/v4/webhooks`): what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers with the example
bodies of Kit's description, and records what arrived. (The receiving side,
`kit_async.webhooks`, is tested in test_webhooks.py.)
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    InternalServerError,
    KitClient,
    LegacyWebhook,
    LegacyWebhookEvent,
    NotFoundError,
    UnprocessableEntityError,
)
from kit_async._resources.webhooks import LEGACY_EVENTS

PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzJd",
    "end_cursor": "WzFd",
    "per_page": 500,
}
CREATED = {
    "id": 9,
    "account_id": 1065,
    "event": {"name": "subscriber_activate", "initiator_value": None},
    "target_url": "https://example.convertkit.dev/",
}
NULLS = dict.fromkeys(("form_id", "tag_id", "sequence_id", "product_id", "initiator_value"))


def client(server: Scripted) -> KitClient:
    return KitClient("kit_hooks_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_list_reads_kits_example_with_the_names_kit_stores(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {
                "webhooks": [
                    {
                        "id": 2,
                        "account_id": 1040,
                        "event": {"name": "tag_add", "tag_id": 34},
                        "target_url": "http://example.convertkit.dev/tags",
                    },
                    {
                        "id": 1,
                        "account_id": 1040,
                        "event": {"name": "form_subscribe", "form_id": 10},
                        "target_url": "http://example.convertkit.dev/",
                    },
                ],
                "pagination": PAGE_END,
            }
        )
    )
    async with client(scripted) as kit:
        webhooks = [w async for w in kit.legacy_webhooks.list(per_page=2, include_total_count=True)]

    assert webhooks == [
        LegacyWebhook(
            2, "http://example.convertkit.dev/tags", LegacyWebhookEvent("tag_add", tag_id=34), 1040
        ),
        LegacyWebhook(
            1,
            "http://example.convertkit.dev/",
            LegacyWebhookEvent("form_subscribe", form_id=10),
            1040,
        ),
    ]
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/webhooks")
    assert dict(query) == {"include_total_count": "true", "per_page": "2"}


async def test_create_sends_the_event_with_its_id_and_the_other_required_keys_null(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"webhook": CREATED}, status=201))
    async with client(scripted) as kit:
        webhook = await kit.legacy_webhooks.create(
            "https://example.convertkit.dev/", {"name": "subscriber.tag_add", "tag_id": 1}
        )

    assert webhook == LegacyWebhook(
        9, "https://example.convertkit.dev/", LegacyWebhookEvent("subscriber_activate"), 1065
    )
    assert sent(scripted) == (
        "POST",
        "/v4/webhooks",
        [],
        {
            "target_url": "https://example.convertkit.dev/",
            "event": {**NULLS, "name": "subscriber.tag_add", "tag_id": 1},
        },
    )


@pytest.mark.parametrize(
    ("event", "sent_event"),
    [
        ({"name": "subscriber.subscriber_activate"}, {}),
        ({"name": "purchase.purchase_create", "tag_id": None}, {}),
        ({"name": "subscriber.course_complete", "sequence_id": 4}, {"sequence_id": 4}),
        (
            {"name": "subscriber.link_click", "initiator_value": "https://x.example/a"},
            {"initiator_value": "https://x.example/a"},
        ),
        (
            {"name": "custom_field.field_value_updated", "custom_field_id": 3},
            {"custom_field_id": 3},
        ),
    ],
)
async def test_create_sends_each_event_type_with_the_id_it_needs(
    scripted: Scripted, event: dict[str, Any], sent_event: dict[str, Any]
) -> None:
    scripted.answers.append(web.json_response({"webhook": CREATED}, status=201))
    async with client(scripted) as kit:
        await kit.legacy_webhooks.create("https://hooks.example.com/", event)
    assert sent(scripted)[3]["event"] == {**NULLS, "name": event["name"], **sent_event}


@pytest.mark.parametrize(
    ("event", "error", "message"),
    [
        ("subscriber.tag_add", TypeError, "event must be a dict such as"),
        ({"tag_id": 1}, TypeError, r"event\['name'\] must be a str, got NoneType"),
        ({"name": "tag_add", "tag_id": 1}, ValueError, "did you mean 'subscriber.tag_add'"),
        ({"name": "subscriber.created"}, ValueError, "must be one of Kit's legacy event types"),
        ({"name": "subscriber.tag_add"}, ValueError, r"subscriber.tag_add needs event\['tag_id'\]"),
        ({"name": "subscriber.tag_add", "tag_id": "1"}, TypeError, r"event\['tag_id'\] must be"),
        ({"name": "subscriber.tag_add", "tagid": 1}, ValueError, r"unknown keys \['tagid'\]"),
        (
            {"name": "subscriber.tag_add", "tag_id": 1, "form_id": 2},
            ValueError,
            "subscriber.tag_add takes only tag_id, but event also has form_id",
        ),
        (
            {"name": "subscriber.subscriber_bounce", "tag_id": 1},
            ValueError,
            "subscriber.subscriber_bounce takes no id, but event also has tag_id",
        ),
        (
            {"name": "subscriber.link_click"},
            ValueError,
            r"needs event\['initiator_value'\] \(a link URL\)",
        ),
        (
            {"name": "subscriber.link_click", "initiator_value": 5},
            TypeError,
            r"event\['initiator_value'\] must be a str",
        ),
    ],
)
async def test_bad_events_are_refused_before_any_request(
    scripted: Scripted, event: Any, error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.legacy_webhooks.create("https://hooks.example.com/", event)
    assert scripted.received == []


async def test_a_target_url_that_is_not_http_is_refused(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(ValueError, match="target_url must be an absolute http"):
            await kit.legacy_webhooks.create("example.com", {"name": "purchase.purchase_create"})
    assert scripted.received == []


def test_the_documented_legacy_event_types_and_their_ids() -> None:
    # KIT_API_2026: the POST /v4/webhooks description's list, plus the three custom_field types.
    assert len(LEGACY_EVENTS) == 15
    assert {name for name, needed in LEGACY_EVENTS.items() if needed is None} == {
        "subscriber.subscriber_activate",
        "subscriber.subscriber_unsubscribe",
        "subscriber.subscriber_bounce",
        "subscriber.subscriber_complain",
        "purchase.purchase_create",
        "custom_field.field_created",
        "custom_field.field_deleted",
    }


async def test_create_is_not_resent_after_a_500_because_each_call_adds_a_webhook(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"webhook": CREATED})]
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.legacy_webhooks.create(
                "https://h.example/", {"name": "purchase.purchase_create"}
            )
    assert len(scripted.received) == 1


async def test_delete_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.legacy_webhooks.delete(28)
    assert sent(scripted) == ("DELETE", "/v4/webhooks/28", [], None)


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (422, "Unable to destroy the webhook.", UnprocessableEntityError),
        (404, "Not Found", NotFoundError),
    ],
)
async def test_a_refused_delete_raises_with_kits_message(
    scripted: Scripted, status: int, message: str, error: type[Exception]
) -> None:
    scripted.answers.append(web.json_response({"errors": [message]}, status=status))
    async with client(scripted) as kit:
        with pytest.raises(error, match=f"DELETE /v4/webhooks/28 answered {status}: {message}"):
            await kit.legacy_webhooks.delete(28)


# -- the old name ------------------------------------------------------------------


async def test_kit_webhooks_still_works_with_a_deprecation_warning_naming_legacy_webhooks() -> None:
    kit = KitClient("kit_hooks_key", rate_limit=None)
    try:
        with pytest.warns(DeprecationWarning, match="use kit.legacy_webhooks") as caught:
            old = kit.webhooks  # type: ignore[deprecated]

        assert old is kit.legacy_webhooks
        assert caught[0].filename == __file__  # the warning points at the caller's line
    finally:
        await kit.aclose()
